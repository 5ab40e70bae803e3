package ui_test

import (
	"os"
	"strings"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Every reason code (wire.AllReasons: the spec's and the project's) is
// explained to the officer in English and in French, so that adding a
// reason to wire without its strings fails here, without a browser (the
// browser test checks the same on the running console).
func TestEveryReasonIsExplainedInBothLanguages(t *testing.T) {
	b, err := os.ReadFile("assets/console-strings.js")
	if err != nil {
		t.Fatal(err)
	}
	en, fr, ok := strings.Cut(string(b), "\n  fr: {")
	if !ok {
		t.Fatal("no fr table in console-strings.js")
	}
	for _, r := range wire.AllReasons {
		key := "'reason." + r + "':"
		if !strings.Contains(en, key) {
			t.Errorf("no English explanation of %s (%s in assets/console-strings.js)", r, key)
		}
		if !strings.Contains(fr, key) {
			t.Errorf("no French explanation of %s (%s in assets/console-strings.js)", r, key)
		}
	}
}
