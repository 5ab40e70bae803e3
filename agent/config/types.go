package config

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"
)

// The duration types: the configuration's own, and the drivers' sections'
// time.Duration (written the same way, "150ms").
var (
	durationType     = reflect.TypeOf(Duration{})
	timeDurationType = reflect.TypeOf(time.Duration(0))
)

// checkTypes walks a decoded TOML document against the fields of t and
// reports every value of the wrong type with its path, removing it so that
// the rest still decodes and validates: a technician sees every problem at
// once, in one format. Unknown keys are left for the decoder to report.
func checkTypes(doc map[string]any, t reflect.Type, prefix string, p *problems) {
	fields := map[string]reflect.Type{}
	for _, f := range tomlFields(t) {
		fields[tomlName(f)] = f.Type
	}
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ft, ok := fields[k]
		if !ok {
			continue
		}
		if msg := typeProblem(ft, doc[k], prefix+k, p); msg != "" {
			p.add(prefix+k, "%s", msg)
			delete(doc, k)
		}
	}
}

// typeProblem says what is wrong with v as a value of type ft ("" when
// nothing), recursing into tables.
func typeProblem(ft reflect.Type, v any, path string, p *problems) string {
	if ft == durationType || ft == timeDurationType {
		s, ok := v.(string)
		if !ok {
			return describe(v) + `, want a duration in quotes, like "150ms", "30s", "24h"`
		}
		if _, err := time.ParseDuration(s); err != nil {
			return fmt.Sprintf("%q is not a duration (write it like 150ms, 30s, 24h)", s)
		}
		return ""
	}
	if ft.Kind() == reflect.Pointer {
		ft = ft.Elem()
	}
	switch ft.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return describe(v) + ", want a table ([" + path + "])"
		}
		checkTypes(m, ft, path+".", p)
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return describe(v) + ", want a table ([" + path + "])"
		}
		for k, e := range m {
			if _, ok := e.(string); !ok {
				p.add(path+"."+k, "%s, want a string in quotes", describe(e))
				delete(m, k)
			}
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			return describe(v) + ", want a string in quotes"
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return describe(v) + ", want true or false"
		}
	case reflect.Int, reflect.Int64:
		if _, ok := v.(int64); !ok {
			return describe(v) + ", want a whole number"
		}
	case reflect.Float64:
		switch v.(type) {
		case int64, float64:
		default:
			return describe(v) + ", want a number"
		}
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			return describe(v) + `, want a list of strings, like ["a", "b"]`
		}
		for i, e := range list {
			if _, ok := e.(string); !ok {
				return fmt.Sprintf("item %d: %s, want a string in quotes", i+1, describe(e))
			}
		}
	}
	return ""
}

// describe names a TOML value for a message.
func describe(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("%q is a string", v)
	case int64, float64:
		return fmt.Sprintf("%v is a number", v)
	case bool:
		return fmt.Sprintf("%v is a boolean", v)
	case map[string]any:
		return "a table"
	case []any, []map[string]any:
		return "a list"
	case time.Time:
		return "a date"
	}
	return fmt.Sprintf("%v", v)
}

// tomlFields are the fields of struct type t that are TOML keys, those of
// embedded structs without a key of their own (a driver's configuration in
// its device's section) included, each with its Index from t.
func tomlFields(t reflect.Type) []reflect.StructField {
	var out []reflect.StructField
	for _, f := range reflect.VisibleFields(t) { // the embedded struct itself has no key
		if f.IsExported() && tomlName(f) != "" {
			out = append(out, f)
		}
	}
	return out
}

// tomlName is a field's TOML key, or "" when it has none.
func tomlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	if name == "-" {
		return ""
	}
	return name
}
