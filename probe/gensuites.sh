#!/bin/sh
# Regenerates tlssuites.go from testssl.sh's cipher-mapping.txt (Debian
# package testssl.sh), which tabulates the IANA TLS Cipher Suites registry
# with OpenSSL's names. Usage: go generate ./probe
set -eu
map=${1:-/etc/testssl/cipher-mapping.txt}
[ -r "$map" ] || map=/usr/share/testssl/etc/cipher-mapping.txt
{
cat <<'HDR'
// Code generated from the IANA "TLS Cipher Suites" registry and OpenSSL's
// suite names, as tabulated in testssl.sh's etc/cipher-mapping.txt, by
// gensuites.sh. DO NOT EDIT.

package probe

// suites lists every two-byte cipher suite code the TLS enumeration offers,
// with its IANA name (OpenSSL's when IANA registered none), its OpenSSL name
// and its key exchange, authentication, encryption, key bits and MAC.
var suites = []Suite{
HDR
awk '$1 ~ /^0x..,0x..$/ {
  split($1, c, ","); id = "0x" toupper(substr(c[1],3,2)) toupper(substr(c[2],3,2));
  iana=$4; if (iana=="-") iana=$3;
  kx=$6; sub(/^Kx=/,"",kx); au=$7; sub(/^Au=/,"",au);
  enc=$8; sub(/^Enc=/,"",enc); bits=0; if (match(enc,/\([0-9]+\)/)) { bits=substr(enc,RSTART+1,RLENGTH-2); enc=substr(enc,1,RSTART-1) };
  mac=$9; sub(/^Mac=/,"",mac); isexp=($10=="export")?"true":"false";
  printf "\t{ID: %s, Name: \"%s\", OpenSSL: \"%s\", Proto: \"%s\", Kx: \"%s\", Au: \"%s\", Enc: \"%s\", Bits: %s, MAC: \"%s\", Export: %s},\n", id, iana, $3, $5, kx, au, enc, bits, mac, isexp
}' "$map"
echo "}"
} > tlssuites.go.new
gofmt tlssuites.go.new > tlssuites.go
rm tlssuites.go.new
