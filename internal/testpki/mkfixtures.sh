#!/usr/bin/env bash
# mkfixtures.sh DIR
#
# Builds, with the real openssl command only, a small PKI and a set of signed
# and deliberately broken artifacts into DIR. The tests of packages pki,
# signature, cryptoevidence and cmd/insurable verify these files, so that our
# own signing code can never make signing and verification agree through a
# shared bug. Everything is relative to the current time: valid certificates
# are valid now, "expired" ones ended in 2021, "not yet valid" ones start in
# 2040.
#
# Layout of DIR (all PEM unless said otherwise):
#   root.pem root.key                 the organisation's root CA (ECDSA P-256)
#   int.pem int.key                   issuing CA for devices and signers (pathlen 0)
#   int-nc.pem                        issuing CA with name constraints (.plant.example)
#   int-revoked.pem                   issuing CA revoked by the root
#   rogue-root.pem rogue-int.pem      look-alike CAs with the same names, other keys
#   crl/root.crl.pem crl/int.crl.pem crl/int-nc.crl.pem crl/int-revoked.crl.pem
#                                     current CRLs; int.crl.der is int.crl.pem in DER
#   crl/int-stale.crl.pem             expired CRL of int; crl/int-forged.crl.pem
#                                     signed by rogue-int with int's name
#   dev/*.pem dev/*.key               device certificates (see the list below)
#   signer*.pem signer*.key           code-signing certificates
#   officer.pem officer.key           document-signing certificate of an officer
#   fw.bin fw-tampered.bin readme.txt artifacts, and signatures of them in fw*.sig,
#                                     fw*.p7s, fw*.smime, fw*.sigstore.json
set -euo pipefail

out=${1:?usage: mkfixtures.sh DIR}
OPENSSL=${OPENSSL:-openssl}
mkdir -p "$out"
cd "$out"
out=$(pwd)
log="$out/openssl.log"
: >"$log"

o() {
	if ! "$OPENSSL" "$@" >>"$log" 2>&1; then
		echo "mkfixtures: openssl $* failed:" >&2
		tail -n 20 "$log" >&2
		exit 1
	fi
}

cat >ext.cnf <<'EOF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ root_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ int_ca ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ int_nc ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
nameConstraints = critical,permitted;DNS:.plant.example
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ device ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth,serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:$ENV::SAN
[ device_codesign ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ device_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,digitalSignature,keyCertSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ signer ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ officer ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = 1.3.6.1.5.5.7.3.36
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
export SAN=unused.plant.example

# mkca DIR: an openssl ca database for the CA whose files are DIR.pem/DIR.key.
mkca() {
	local d=$1
	mkdir -p "$d/newcerts"
	: >"$d/index.txt"
	echo 1000 >"$d/serial"
	echo 1000 >"$d/crlnumber"
	cat >"$d/ca.cnf" <<EOF
[ ca ]
default_ca = ca_default
[ ca_default ]
dir = $out/$d
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $out/$d.pem
private_key = $out/$d.key
default_md = sha256
default_days = 365
default_crl_days = 30
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[ policy_any ]
organizationName = optional
commonName = supplied
serialNumber = optional
EOF
}

key() { # key FILE TYPE
	case $2 in
	ec) o genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" ;;
	p384) o genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$1" ;;
	p192) o genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-192 -out "$1" ;;
	rsa) o genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" ;;
	rsa1024) o genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$1" ;;
	ed25519) o genpkey -algorithm ED25519 -out "$1" ;;
	esac
}

# issue CA NAME SUBJECT EXTENSIONS KEYFILE [openssl ca options...]
issue() {
	local ca=$1 name=$2 subj=$3 ext=$4 keyf=$5
	shift 5
	o req -new -key "$keyf" -subj "$subj" -config ext.cnf -out "$name.csr"
	o ca -batch -config "$ca/ca.cnf" -extfile ext.cnf -extensions "$ext" -notext -in "$name.csr" -out "$name.pem" "$@"
	rm -f "$name.csr"
}

# Roots: the organisation's and a look-alike with the same name.
for r in root rogue-root; do
	key $r.key ec
	o req -x509 -new -key $r.key -subj "/O=Fixture Org/CN=Fixture Root CA" -days 3650 -config ext.cnf -extensions root_ca -out $r.pem
	mkca $r
done

key int.key ec
issue root int "/O=Fixture Org/CN=Fixture Device CA" int_ca int.key -days 1825
mkca int
key rogue-int.key ec
issue rogue-root rogue-int "/O=Fixture Org/CN=Fixture Device CA" int_ca rogue-int.key -days 1825
mkca rogue-int
key int-nc.key ec
issue root int-nc "/O=Fixture Org/CN=Fixture Plant CA" int_nc int-nc.key -days 1825
mkca int-nc
key int-revoked.key ec
issue root int-revoked "/O=Fixture Org/CN=Fixture Retired CA" int_ca int-revoked.key -days 1825
mkca int-revoked
o ca -batch -config root/ca.cnf -revoke int-revoked.pem -crl_reason keyCompromise

mkdir -p dev
dev() { # dev NAME KEYTYPE EXT [ca options...]
	local name=$1 kt=$2 ext=$3
	shift 3
	[ -f dev/$name.key ] || key dev/$name.key "$kt"
	SAN=$name.plant.example issue int dev/$name "/O=Fixture Org/CN=$name" "$ext" dev/$name.key "$@"
}
dev valid ec device
dev valid-rsa rsa device
dev valid-ed25519 ed25519 device
dev valid-p384 p384 device
dev expired ec device -startdate 200101000000Z -enddate 210101000000Z
dev not-yet-valid ec device -startdate 400101000000Z -enddate 410101000000Z
dev revoked ec device
dev weak rsa1024 device
dev weak-curve p192 device
dev bad-usage ec device_codesign
dev is-ca ec device_ca
dev sha1 ec device -md sha1
key dev/dup.key ec
cp dev/dup.key dev/dup-a.key
cp dev/dup.key dev/dup-b.key
dev dup-a ec device
dev dup-b ec device
rm dev/dup.key
o ca -batch -config int/ca.cnf -revoke dev/revoked.pem -crl_reason keyCompromise

key dev/untrusted.key ec
SAN=untrusted.plant.example issue rogue-int dev/untrusted "/O=Fixture Org/CN=untrusted" device dev/untrusted.key
# rogue-int's first serial is also dev/valid's: its forged CRL "revokes" dev/valid.
o ca -batch -config rogue-int/ca.cnf -revoke dev/untrusted.pem -crl_reason keyCompromise
key dev/nc-ok.key ec
SAN=nc-ok.plant.example issue int-nc dev/nc-ok "/O=Fixture Org/CN=nc-ok" device dev/nc-ok.key
key dev/nc-bad.key ec
SAN=nc-bad.evil.example issue int-nc dev/nc-bad "/O=Fixture Org/CN=nc-bad" device dev/nc-bad.key
key dev/under-revoked-ca.key ec
SAN=under-revoked-ca.plant.example issue int-revoked dev/under-revoked-ca "/O=Fixture Org/CN=under-revoked-ca" device dev/under-revoked-ca.key
# A device certificate with its chain after it and openssl's text dump before.
o x509 -in dev/valid.pem -text -out dev/with-chain.pem
cat int.pem >>dev/with-chain.pem
o x509 -in dev/valid.pem -outform DER -out dev/valid.der
printf 'this is not a certificate\n' >dev/garbage.pem
printf -- '-----BEGIN CERTIFICATE-----\nMIIBroken\n-----END CERTIFICATE-----\n' >dev/bad-pem.pem

# Signers of firmware, and an officer who signs governance attestations.
key signer.key ec
issue int signer "/O=Fixture Org/CN=Fixture Release Signing" signer signer.key
key signer-rsa.key rsa
issue int signer-rsa "/O=Fixture Org/CN=Fixture RSA Release Signing" signer signer-rsa.key
key signer-expired.key ec
issue int signer-expired "/O=Fixture Org/CN=Fixture Old Release Signing" signer signer-expired.key -startdate 200101000000Z -enddate 210101000000Z
key signer-revoked.key ec
issue int signer-revoked "/O=Fixture Org/CN=Fixture Leaked Release Signing" signer signer-revoked.key
o ca -batch -config int/ca.cnf -revoke signer-revoked.pem -crl_reason keyCompromise
key signer-rogue.key ec
issue rogue-int signer-rogue "/O=Fixture Org/CN=Fixture Release Signing" signer signer-rogue.key
key officer.key ec
issue int officer "/O=Fixture Org/CN=Alice Example" officer officer.key

# CRLs: current ones, a stale one and a forged one.
mkdir -p crl
o ca -gencrl -config root/ca.cnf -out crl/root.crl.pem
o ca -gencrl -config int/ca.cnf -out crl/int.crl.pem
o crl -in crl/int.crl.pem -outform DER -out crl/int.crl.der
o ca -gencrl -config int-nc/ca.cnf -out crl/int-nc.crl.pem
o ca -gencrl -config int-revoked/ca.cnf -out crl/int-revoked.crl.pem
o ca -gencrl -config int/ca.cnf -crl_lastupdate 20200101000000Z -crl_nextupdate 20200201000000Z -out crl/int-stale.crl.pem
o ca -gencrl -config rogue-int/ca.cnf -out crl/int-forged.crl.pem

# Artifacts. fw.bin is binary (it holds NUL bytes); readme.txt is text.
head -c 4096 /dev/urandom >fw.bin
printf '\0\0firmware\0' >>fw.bin
cp fw.bin fw-tampered.bin
printf 'X' | dd of=fw-tampered.bin bs=1 seek=100 conv=notrunc status=none
printf 'release notes\nline two\n' >readme.txt

# Detached signatures as openssl dgst makes them.
o dgst -sha256 -sign signer.key -out fw.sig fw.bin
base64 fw.sig >fw.sig.b64
o dgst -sha256 -sign signer-rsa.key -out fw-rsa.sig fw.bin
o dgst -sha256 -sign signer-rsa.key -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1 -out fw-rsa-pss.sig fw.bin
o dgst -sha256 -sign dev/valid.key -out fw-wrongkey.sig fw.bin
o dgst -sha256 -sign signer-expired.key -out fw-expired.sig fw.bin
o dgst -sha256 -sign signer-revoked.key -out fw-revoked.sig fw.bin
o dgst -sha256 -sign signer-rogue.key -out fw-rogue.sig fw.bin
o dgst -sha256 -sign dev/valid.key -out fw-devkey.sig fw.bin

# CMS / PKCS#7 signatures.
o cms -sign -binary -in fw.bin -signer signer.pem -inkey signer.key -outform DER -out fw.p7s
o cms -sign -binary -in fw.bin -signer signer.pem -inkey signer.key -outform PEM -out fw.p7s.pem
o cms -sign -binary -in fw.bin -signer signer.pem -inkey signer.key -out fw.smime
o cms -sign -binary -nodetach -in fw.bin -signer signer.pem -inkey signer.key -outform DER -out fw-attached.p7m
o cms -sign -binary -nocerts -in fw.bin -signer signer.pem -inkey signer.key -outform DER -out fw-nocerts.p7s
o cms -sign -binary -in fw.bin -signer signer-rsa.pem -inkey signer-rsa.key -outform DER -out fw-rsa.p7s
o cms -sign -binary -in fw.bin -signer signer-expired.pem -inkey signer-expired.key -outform DER -out fw-expired.p7s
o cms -sign -binary -in fw.bin -signer signer-revoked.pem -inkey signer-revoked.key -outform DER -out fw-revoked.p7s
o cms -sign -binary -in fw.bin -signer signer-rogue.pem -inkey signer-rogue.key -outform DER -out fw-rogue.p7s
o cms -sign -binary -in fw.bin -signer dev/valid.pem -inkey dev/valid.key -outform DER -out fw-devkey.p7s
o cms -sign -binary -in fw.bin -signer signer-rsa.pem -inkey signer-rsa.key -keyopt rsa_padding_mode:pss -outform DER -out fw-rsa-pss.p7s
o cms -sign -binary -md sha512 -in fw.bin -signer signer.pem -inkey signer.key -outform DER -out fw-sha512.p7s
o cms -sign -in readme.txt -signer signer.pem -inkey signer.key -outform DER -out readme-textmode.p7s
o cms -sign -in fw.bin -signer signer.pem -inkey signer.key -outform DER -out fw-textmode.p7s
o smime -sign -binary -in fw.bin -signer signer.pem -inkey signer.key -outform PEM -out fw.pkcs7.pem

# Sigstore bundles (v0.3) assembled from openssl's signature and certificate.
b64() { base64 -w0 "$1"; }
sigstore() { # sigstore OUT CERT SIG ARTIFACT
	local der
	der=$(mktemp)
	o x509 -in "$2" -outform DER -out "$der"
	o dgst -sha256 -binary -out "$der.digest" "$4"
	printf '{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"certificate":{"rawBytes":"%s"}},"messageSignature":{"messageDigest":{"algorithm":"SHA2_256","digest":"%s"},"signature":"%s"}}\n' \
		"$(b64 "$der")" "$(b64 "$der.digest")" "$(b64 "$3")" >"$1"
	rm -f "$der" "$der.digest"
}
sigstore fw.sigstore.json signer.pem fw.sig fw.bin
sigstore fw-rsa.sigstore.json signer-rsa.pem fw-rsa.sig fw.bin
sigstore fw-wrongkey.sigstore.json signer.pem fw-wrongkey.sig fw.bin
sigstore fw-expired.sigstore.json signer-expired.pem fw-expired.sig fw.bin
sigstore fw-revoked.sigstore.json signer-revoked.pem fw-revoked.sig fw.bin
sigstore fw-rogue.sigstore.json signer-rogue.pem fw-rogue.sig fw.bin
sigstore fw-devkey.sigstore.json dev/valid.pem fw-devkey.sig fw.bin

rm -rf root rogue-root int rogue-int int-nc int-revoked
echo "mkfixtures: done in $out"
