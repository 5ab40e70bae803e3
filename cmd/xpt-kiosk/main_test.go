package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestHelpListsEveryCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := dispatch([]string{"--help"}, nil, &out, &errb); code != 0 {
		t.Fatalf("--help exit %d", code)
	}
	for name := range commands {
		if !strings.Contains(out.String(), "  "+name+" ") {
			t.Errorf("--help does not list %q", name)
		}
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	for name := range commands {
		var out, errb bytes.Buffer
		if code := dispatch([]string{name, "--help"}, strings.NewReader(""), &out, &errb); code != 0 {
			t.Errorf("%s --help: exit %d, stderr %q", name, code, errb.String())
		}
		if out.Len() == 0 {
			t.Errorf("%s --help printed nothing on stdout", name)
		}
	}
}

func TestUnknownCommandIsUsageError(t *testing.T) {
	var out, errb bytes.Buffer
	if code := dispatch([]string{"frobnicate"}, nil, &out, &errb); code != exitUsage {
		t.Fatalf("exit %d, want %d", code, exitUsage)
	}
}
