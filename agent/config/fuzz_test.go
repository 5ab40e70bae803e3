package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParse: any bytes give a configuration or Errors / a line-numbered
// syntax error, never a panic; a configuration that parses is valid, its
// defaults are idempotent, and every problem has a field path.
func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	files, _ := filepath.Glob("../../configs/*.toml")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("[policy]\nmaxStaleness = 5\n[devices.mrzReader]\nbaud = \"x\"\n"))
	f.Add([]byte("[trust.keys]\na = 1\n[devices.camera]\nfiles = [1, \"a\"]\n"))
	f.Add([]byte("kiosk = 3\n[ui\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			var es Errors
			if errors.As(err, &es) {
				for _, e := range es {
					if e.Field == "" && e.Message == "" {
						t.Fatalf("an empty problem in %v", es)
					}
				}
			}
			return
		}
		again := *c
		again.Defaults()
		if !reflect.DeepEqual(&again, c) {
			t.Fatalf("Defaults is not idempotent")
		}
		var p problems
		c.validate(&p)
		if len(p.list) > 0 {
			t.Fatalf("a parsed configuration does not validate: %v", p.list)
		}
	})
}
