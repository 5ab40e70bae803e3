// Package registry holds a reader package's profiles: each name and how to
// make its framer. The profile names every other place lists (the kiosk's
// configuration, the simulator, the commands, docs/config.md) are read off
// it, so that a profile is added in one place.
package registry

import "strings"

// Profile is one profile: its name and how to make its framer from the
// framing options.
type Profile[O, F any] struct {
	Name string
	New  func(O) F
}

// Of is a package's profiles, in the order they are listed.
type Of[O, F any] []Profile[O, F]

// Names lists the profile names.
func (r Of[O, F]) Names() []string {
	names := make([]string, len(r))
	for i, p := range r {
		names[i] = p.Name
	}
	return names
}

// Lookup finds a profile by name, in any case.
func (r Of[O, F]) Lookup(name string) (func(O) F, bool) {
	for _, p := range r {
		if strings.EqualFold(p.Name, name) {
			return p.New, true
		}
	}
	return nil, false
}
