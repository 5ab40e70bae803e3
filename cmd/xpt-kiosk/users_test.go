package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/agent/accounts"
)

func usersCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := dispatch(append([]string{"users"}, args...), strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsersCommand(t *testing.T) {
	dir := t.TempDir()
	d := []string{"--data", dir}
	if code, _, errs := usersCLI(t, "a long password 1\n", append([]string{"add", "B1234", "--role", "officer", "--name", "J. Tremblay", "--password-stdin"}, d...)...); code != exitOK {
		t.Fatalf("add: %d %s", code, errs)
	}
	// Flags after the ID, as a technician types them.
	if code, _, errs := usersCLI(t, "tech password 22\n", append([]string{"add", "T1", "--password-stdin", "--role", "technician"}, d...)...); code != exitOK {
		t.Fatalf("add: %d %s", code, errs)
	}
	for name, c := range map[string]struct {
		stdin string
		args  []string
		code  int
		err   string
	}{
		"duplicate":    {"a long password 1\n", []string{"add", "B1234", "--role", "officer", "--password-stdin"}, exitFail, "exists already"},
		"short":        {"short\n", []string{"add", "B2", "--role", "officer", "--password-stdin"}, exitFail, "at least 12 characters"},
		"bad role":     {"a long password 1\n", []string{"add", "B2", "--role", "admin", "--password-stdin"}, exitUsage, "one of officer, technician, supervisor"},
		"bad id":       {"a long password 1\n", []string{"add", "B 2", "--role", "officer", "--password-stdin"}, exitFail, "1 to 40 letters"},
		"no terminal":  {"", []string{"add", "B3", "--role", "officer"}, exitFail, "use --password-stdin"},
		"missing":      {"", []string{"disable", "B9"}, exitFail, "no such account"},
		"two ids":      {"", []string{"remove", "B1", "B2"}, exitUsage, "want 1 argument"},
		"bad new role": {"", []string{"role", "B1234", "root"}, exitFail, "one of officer"},
	} {
		code, _, errs := usersCLI(t, c.stdin, append(c.args, d...)...)
		if code != c.code || !strings.Contains(errs, c.err) {
			t.Errorf("%s: exit %d %q, want %d %q", name, code, errs, c.code, c.err)
		}
	}
	if code, _, errs := usersCLI(t, "", "list"); code != exitFail || !strings.Contains(errs, "--config FILE or --data DIR is required") {
		t.Errorf("list without a folder: %d %q", code, errs)
	}
	if code, _, errs := usersCLI(t, "", append([]string{"disable", "T1"}, d...)...); code != exitOK {
		t.Fatalf("disable: %s", errs)
	}
	code, out, _ := usersCLI(t, "", append([]string{"list"}, d...)...)
	if code != exitOK || !strings.Contains(out, "B1234") || !strings.Contains(out, "J. Tremblay") || !strings.Contains(out, "disabled") {
		t.Errorf("list: %d\n%s", code, out)
	}
	code, out, _ = usersCLI(t, "", append([]string{"list", "--json"}, d...)...)
	var list []accounts.Account
	if code != exitOK || json.Unmarshal([]byte(out), &list) != nil || len(list) != 2 || !list[1].Disabled {
		t.Errorf("list --json: %d %s", code, out)
	}
	if strings.Contains(out, "argon2") {
		t.Error("list shows a hash")
	}
	// The file is private and holds hashes only; the agent's store reads it.
	path := filepath.Join(dir, "accounts.json")
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("accounts file: %v %v", fi, err)
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), "a long password") {
		t.Error("a password in the file")
	}
	if code, _, errs := usersCLI(t, "a new password 99\n", append([]string{"passwd", "B1234", "--password-stdin"}, d...)...); code != exitOK {
		t.Fatalf("passwd: %s", errs)
	}
	st, err := accounts.Open(path, accounts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Authenticate("B1234", "a new password 99", accounts.Officer); err != nil {
		t.Errorf("after passwd: %v", err)
	}
	if code, _, errs := usersCLI(t, "", append([]string{"remove", "B1234"}, d...)...); code != exitOK {
		t.Fatalf("remove: %s", errs)
	}
	if _, ok := st.Get("B1234"); ok {
		t.Error("removed account still there")
	}
	for name := range usersCommands {
		if code, out, _ := usersCLI(t, "", name, "--help"); code != exitOK || !strings.Contains(out, "Usage: xpt-kiosk users "+name) {
			t.Errorf("users %s --help: %d %q", name, code, out)
		}
	}
}
