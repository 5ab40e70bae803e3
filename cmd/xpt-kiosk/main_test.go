package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// The scanner re-executes this program to read each scanned file in a
// child (xpt-kiosk scan --rasterise-child …); under go test the program is
// the test binary, which must then be that child, not run the tests again.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "scan" && os.Args[2] == rasteriseChildFlag {
		os.Exit(dispatch(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

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
