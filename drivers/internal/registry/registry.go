// Package registry holds a reader package's profiles: each name and how to
// make its framer. The profile names every other place lists (the kiosk's
// configuration, the simulator, the commands, docs/config.md) are read off
// it, so that a profile is added in one place.
package registry

import (
	"errors"
	"strings"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
)

// Profile is one profile: its name, how strict its framing is and how to
// make its framer from the framing options.
type Profile[O, F any] struct {
	Name string
	// Strictness ranks the framing by how much it checks (a length byte, a
	// checksum, delimiters), higher for stricter, on one scale for every
	// reader package: when several profiles decode the same bytes equally
	// well, auto-detection (capture.Best) picks the strictest. Required
	// (above 0), and no two profiles of the readers share one.
	Strictness int
	New        func(O) F
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

// Strictness is the profile's Strictness; false when no profile is named
// name (in any case).
func (r Of[O, F]) Strictness(name string) (int, bool) {
	for _, p := range r {
		if strings.EqualFold(p.Name, name) {
			return p.Strictness, true
		}
	}
	return 0, false
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

// Make returns the framer of the profile named name, made from o; when o
// has problems (fe, keys without prefix), the first one as a config error
// whose Op is its key.
func (r Of[O, F]) Make(name string, o O, fe drivers.FieldErrors) (F, error) {
	newFramer, ok := r.Lookup(name)
	if len(fe) > 0 || !ok {
		var zero F
		if len(fe) == 0 {
			fe.Add("", "profile", "unknown profile %q", name)
		}
		return zero, &drivers.Error{Kind: drivers.CodeConfig, Op: fe[0].Field, Err: errors.New(fe[0].Message)}
	}
	return newFramer(o), nil
}
