package config

import (
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// docs/config.md is the configuration reference. It cannot drift from the
// code: every key the code reads is in it, every key in it is read, and
// every default it states is the one the code applies.
func TestReferenceMatchesTheCode(t *testing.T) {
	doc, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	root := reflect.ValueOf(c).Elem()
	documented := map[string]bool{}
	checked := 0
	tick := regexp.MustCompile("`([^`]*)`")
	var sections []string
	for _, line := range strings.Split(string(doc), "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			sections = nil
			for _, m := range regexp.MustCompile("`\\[([A-Za-z.]+)\\]`").FindAllStringSubmatch(h, -1) {
				sections = append(sections, m[1])
				documented[m[1]] = true // a section documented as a whole (trust.keys)
			}
			continue
		}
		if len(sections) == 0 || !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			t.Errorf("docs/config.md: a table row without a default column: %s", line)
			continue
		}
		var keys []string
		for _, m := range tick.FindAllStringSubmatch(cells[1], -1) {
			keys = append(keys, m[1])
		}
		// "`desko` / `em4100`": one default per section of the heading.
		perSection := strings.Split(cells[2], " / ")
		for si, sec := range sections {
			def := perSection[0]
			if len(perSection) == len(sections) {
				def = perSection[si]
			}
			var vals []string
			for _, m := range tick.FindAllStringSubmatch(def, -1) {
				vals = append(vals, m[1])
			}
			for ki, k := range keys {
				path := sec + "." + k
				documented[path] = true
				if len(vals) != len(keys) {
					continue // no default, or said in words ("CR, LF or CRLF")
				}
				got, ok := valueAt(root, path)
				if !ok {
					t.Errorf("docs/config.md documents %s, which the code does not read", path)
					continue
				}
				if !sameDefault(got, vals[ki]) {
					t.Errorf("docs/config.md: %s defaults to `%s`, the code to %v", path, vals[ki], got.Interface())
				}
				checked++
			}
		}
	}
	for _, k := range KeyPaths() {
		if !documented[k] {
			t.Errorf("docs/config.md does not document %s", k)
		}
	}
	for k := range documented {
		if _, ok := valueAt(root, k); !ok && !strings.Contains(k, ".keys") && !isSection(k) {
			t.Errorf("docs/config.md documents %s, which the code does not read", k)
		}
	}
	if checked < 40 {
		t.Fatalf("only %d defaults checked: is the reference's table layout still | key | default | meaning |?", checked)
	}
}

func isSection(path string) bool {
	for _, k := range KeyPaths() {
		if strings.HasPrefix(k, path+".") {
			return true
		}
	}
	return false
}

// valueAt finds a key's value in the configuration by its toml path. An
// unset *bool "enabled" is what the section's On method says.
func valueAt(v reflect.Value, path string) (reflect.Value, bool) {
	parts := strings.Split(path, ".")
	for i, p := range parts {
		t := v.Type()
		found := false
		for _, f := range tomlFields(t) { // a driver's section embedded in a device's too
			if tomlName(f) != p {
				continue
			}
			fv := v.FieldByIndex(f.Index)
			if fv.Kind() == reflect.Pointer && fv.IsNil() && i == len(parts)-1 {
				if on := v.MethodByName("On"); on.IsValid() {
					return on.Call(nil)[0], true
				}
			}
			if fv.Kind() == reflect.Pointer && !fv.IsNil() {
				fv = fv.Elem()
			}
			v, found = fv, true
			break
		}
		if !found {
			return reflect.Value{}, false
		}
	}
	return v, true
}

func sameDefault(v reflect.Value, doc string) bool {
	if d, ok := v.Interface().(Duration); ok {
		want, err := time.ParseDuration(doc)
		return err == nil && want == d.Duration
	}
	if d, ok := v.Interface().(time.Duration); ok { // a driver's section
		want, err := time.ParseDuration(doc)
		return err == nil && want == d
	}
	switch v.Kind() {
	case reflect.String:
		return v.String() == doc
	case reflect.Bool:
		b, err := strconv.ParseBool(doc)
		return err == nil && b == v.Bool()
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(doc, 10, 64)
		return err == nil && n == v.Int()
	case reflect.Float64:
		f, err := strconv.ParseFloat(doc, 64)
		return err == nil && f == v.Float()
	}
	return false
}
