// Package testpki builds, with the real openssl command, the certificates,
// CRLs and signed artifacts that the tests of the cryptographic packages
// verify. Using openssl rather than our own signing code means that a bug
// shared by our signer and our verifier cannot make them agree.
package testpki

import (
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

//go:embed mkfixtures.sh
var script []byte

// Generate writes the fixture set described in mkfixtures.sh into dir. It
// fails when openssl is not installed: the tests need the real command.
func Generate(dir string) error {
	if _, err := exec.LookPath("openssl"); err != nil {
		return fmt.Errorf("testpki: the openssl command is needed to build test fixtures (apt-get install openssl): %w", err)
	}
	path := filepath.Join(dir, "mkfixtures.sh")
	if err := os.WriteFile(path, script, 0o755); err != nil {
		return err
	}
	cmd := exec.Command("bash", path, dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("testpki: %s: %v\n%s", path, err, out)
	}
	return nil
}

// Main builds the fixtures into a temporary directory, runs the tests with
// the directory's path stored in *dir, removes it and returns the exit code.
// A package's TestMain calls os.Exit(testpki.Main(m, &fixtures)).
func Main(m interface{ Run() int }, dir *string) int {
	d, err := os.MkdirTemp("", "insurable-pki-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(d)
	if err := Generate(d); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	*dir = d
	return m.Run()
}

// OpenSSL runs the openssl command with args in dir and returns its output;
// tests use it to sign what they build with openssl rather than with our code.
func OpenSSL(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("openssl %v: %v\n%s", args, err, out)
	}
	return out, nil
}
