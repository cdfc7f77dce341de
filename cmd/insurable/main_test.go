package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/insurable/insurable"
)

// run executes the command line in-process and returns the exit code and
// the two streams.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func generated(t *testing.T, scenario string, devices int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), scenario)
	code, _, stderr := run(t, "demo", "generate", "--scenario", scenario, "--devices", itoa(devices), "--seed", "5", "--as-of", "2026-11-26", "--out", dir, "--no-crypto")
	if code != 0 {
		t.Fatalf("demo generate: exit %d: %s", code, stderr)
	}
	return dir
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestExitCodes(t *testing.T) {
	water := generated(t, "water", 120)
	tests := []struct {
		name string
		args []string
		want int
		in   string // expected in stdout or stderr
	}{
		{"declined", []string{"assess", water}, insurable.ExitDeclined, "DECLINED"},
		{"unknown flag", []string{"assess", water, "--bogus"}, insurable.ExitUsage, "unknown flag"},
		{"bad output", []string{"assess", water, "-o", "pdf"}, insurable.ExitUsage, "want one of text, json, html"},
		{"bad date", []string{"assess", water, "--as-of", "yesterday"}, insurable.ExitUsage, "--as-of"},
		{"missing bundle", []string{"assess", filepath.Join(t.TempDir(), "nope")}, insurable.ExitNotFound, "not found"},
		{"missing profile", []string{"assess", water, "--profile", "nosuch"}, insurable.ExitNotFound, "no built-in profile"},
		{"protocol show", []string{"protocol", "show", "a8"}, 0, "Organisational root of trust"},
		{"protocol show unknown", []string{"protocol", "show", "Z9"}, insurable.ExitNotFound, "no item"},
		{"version", []string{"version"}, 0, "Protocol catalog iiot-ssdp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := run(t, tt.args...)
			if code != tt.want {
				t.Errorf("exit %d, want %d\nstdout: %.400s\nstderr: %s", code, tt.want, out, errs)
			}
			if !strings.Contains(out+errs, tt.in) {
				t.Errorf("output lacks %q\nstdout: %.400s\nstderr: %s", tt.in, out, errs)
			}
		})
	}
}

func TestMalformedBundle(t *testing.T) {
	dir := generated(t, "typical", 30)
	if err := os.WriteFile(filepath.Join(dir, "governance", "officers.yaml"), []byte("responsible_officer: [unclosed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := run(t, "assess", dir)
	if code != insurable.ExitInput || !strings.Contains(errs, "governance/officers.yaml:1") {
		t.Errorf("exit %d, stderr %q; want %d naming governance/officers.yaml:1", code, errs, insurable.ExitInput)
	}
}

func TestAssessJSONToFile(t *testing.T) {
	dir := generated(t, "manufacturer", 40)
	out := filepath.Join(t.TempDir(), "result.json")
	code, stdout, errs := run(t, "assess", dir, "-o", "json", "--out", out, "--as-of", "2026-12-01")
	if code > 2 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if stdout != "" {
		t.Errorf("stdout not empty with --out: %.200s", stdout)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		AsOf     string `json:"as_of"`
		Decision struct {
			Outcome string `json:"outcome"`
		} `json:"decision"`
	}
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	if res.AsOf != "2026-12-01" {
		t.Errorf("as_of %q", res.AsOf)
	}
	want := map[string]int{"insurable": 0, "conditional": 1, "declined": 2}[res.Decision.Outcome]
	if code != want {
		t.Errorf("exit %d for outcome %s", code, res.Decision.Outcome)
	}
}

func TestDemoGenerateRefusesExisting(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := run(t, "demo", "generate", "--devices", "5", "--out", dir, "--no-crypto")
	if code != insurable.ExitInput || !strings.Contains(errs, "already exists") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

func TestDemoGenerateDeterministic(t *testing.T) {
	a := generated(t, "typical", 50)
	b := filepath.Join(t.TempDir(), "again")
	if code, _, errs := run(t, "demo", "generate", "--scenario", "typical", "--devices", "50", "--seed", "5", "--as-of", "2026-11-26", "--out", b, "--no-crypto"); code != 0 {
		t.Fatal(errs)
	}
	_ = filepath.WalkDir(a, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		x, _ := os.ReadFile(p)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same seed", rel)
		}
		return nil
	})
}

// TestExamples assesses the shipped examples: the water utility is declined
// and the manufacturer insurable, each with a verdict for every catalog item
// and the reasons of its decision.
func TestExamples(t *testing.T) {
	tests := []struct {
		dir     string
		code    int
		outcome string
	}{
		{"../../examples/riverbend-water", insurable.ExitDeclined, "declined"},
		{"../../examples/keystone-precision", insurable.ExitInsurable, "insurable"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.dir), func(t *testing.T) {
			code, out, errs := run(t, "assess", tt.dir, "-o", "json")
			if code != tt.code {
				t.Fatalf("exit %d, want %d: %s", code, tt.code, errs)
			}
			var res struct {
				Decision struct {
					Outcome string `json:"outcome"`
					Reasons []struct {
						Text string `json:"text"`
					} `json:"reasons"`
				} `json:"decision"`
				Verdicts []struct {
					ID     string `json:"id"`
					Status string `json:"status"`
				} `json:"verdicts"`
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatal(err)
			}
			if res.Decision.Outcome != tt.outcome || len(res.Decision.Reasons) == 0 {
				t.Errorf("outcome %s with %d reasons", res.Decision.Outcome, len(res.Decision.Reasons))
			}
			if len(res.Verdicts) != 30 {
				t.Errorf("%d verdicts, want 30 (A1–A9, B1–B7, C1–C2, R1–R8, O1–O4)", len(res.Verdicts))
			}
		})
	}
}
