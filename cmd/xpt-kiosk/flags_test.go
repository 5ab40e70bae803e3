package main

import (
	"bytes"
	"strings"
	"testing"
)

// One flag helper set: --help on stdout (exit 0), a mistake as one line and
// one pointer to --help on stderr (exit 2), flags among positional
// arguments, counts checked.
func TestFlagHelpers(t *testing.T) {
	parse := func(min, max int, args ...string) (pos []string, code int, out, errs string, verbose bool) {
		var o, e bytes.Buffer
		fs := newFlags("demo thing", "Usage: xpt-kiosk demo thing FILE\n\nDoes a thing.\n", &e)
		v := fs.Bool("v", false, "say more")
		pos, code = parseArgs(fs, args, &o, min, max)
		return pos, code, o.String(), e.String(), *v
	}
	for _, h := range [][]string{{"--help"}, {"-h"}, {"help"}, {"a", "--help"}} {
		_, code, out, errs, _ := parse(1, 1, h...)
		if code != exitOK || errs != "" || !strings.HasPrefix(out, "Usage: xpt-kiosk demo thing FILE\n\nDoes a thing.\n\nFlags:\n  -v") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", h, code, out, errs)
		}
	}
	pointer := "Run 'xpt-kiosk demo thing --help' for its usage and flags.\n"
	for _, c := range []struct {
		args     []string
		min, max int
		want     string
	}{
		{[]string{"--bogus"}, 0, 0, "xpt-kiosk demo thing: flag provided but not defined: -bogus\n"},
		{[]string{"stray"}, 0, 0, "xpt-kiosk demo thing: unexpected argument \"stray\"\n"},
		{nil, 1, 1, "xpt-kiosk demo thing: want 1 argument, got 0\nUsage: xpt-kiosk demo thing FILE\n"},
		{[]string{"a", "b", "c"}, 1, 2, "xpt-kiosk demo thing: want 1 to 2 arguments, got 3\nUsage: xpt-kiosk demo thing FILE\n"},
		{nil, 2, -1, "xpt-kiosk demo thing: want at least 2 arguments, got 0\nUsage: xpt-kiosk demo thing FILE\n"},
	} {
		_, code, out, errs, _ := parse(c.min, c.max, c.args...)
		if code != exitUsage || out != "" || errs != c.want+pointer {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want stderr %q", c.args, code, out, errs, c.want+pointer)
		}
	}
	pos, code, _, errs, v := parse(0, -1, "a", "-v", "b", "--", "-c", "d")
	if code >= 0 || errs != "" || !v || strings.Join(pos, " ") != "a b -c d" {
		t.Errorf("interspersed: %q, exit %d, -v %v, stderr %q", pos, code, v, errs)
	}
}
