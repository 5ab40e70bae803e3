package authz

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// splitCompare is how Pebble expects every key it meets, separators
// included, to order: prefix bytewise, then suffix bytewise.
func splitCompare(a, b []byte) int {
	an, bn := splitKey(a), splitKey(b)
	if c := bytes.Compare(a[:an], b[:bn]); c != 0 {
		return c
	}
	return bytes.Compare(a[an:], b[bn:])
}

// storedKey draws a key of any family from a small alphabet, so that keys
// share long prefixes the way a real store's do.
func storedKey(t *rapid.T, label string) []byte {
	word := func(name string, min, max int) string {
		return rapid.StringMatching(fmt.Sprintf(`[A-Z0-9]{%d,%d}`, min, max)).Draw(t, label+name)
	}
	id := word(".id", 1, 4)
	// the shape of a sealed store's keys (seal.go): tokens of 22
	// base64 characters instead of values and IDs
	token := func(name string) string {
		return rapid.StringMatching(`[A-Za-z0-9+/]{22}`).Draw(t, label+name)
	}
	switch rapid.IntRange(0, 7).Draw(t, label+".family") {
	case 5:
		return recKey([]byte(token(".tid")))
	case 6:
		return indexKey([]byte("d"+token(".tdoc")+"\x00"), []byte(token(".tid")))
	case 7:
		return indexKey([]byte("c"+token(".tcard")+"\x00"), []byte(token(".tid")))
	case 0:
		return []byte("M" + word(".meta", 1, 4))
	case 1:
		return recKey([]byte(id))
	case 2:
		return indexKey(docPrefix(word(".state", 1, 3), word(".number", 1, 4)), []byte(id))
	case 3:
		return indexKey(valuePrefix(famCard, word(".tag", 1, 4)), []byte(id))
	default:
		return indexKey(valuePrefix(famMem, word(".mem", 1, 4)), []byte(id))
	}
}

// TestComparerShortKeysKeepSplit holds the comparer's Separator and
// Successor to Pebble's rules (its invariants build checks them on every
// comparison, and a separator cut inside a looked-up value broke them):
// a <= sep < b, a <= succ, and every produced key orders the same bytewise
// as prefix-then-suffix against every stored key.
func TestComparerShortKeysKeepSplit(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(2, 40).Draw(t, "n")
		keys := make([][]byte, 0, n)
		for i := 0; i < n; i++ {
			keys = append(keys, storedKey(t, "k"))
		}
		slices.SortFunc(keys, bytes.Compare)
		keys = slices.CompactFunc(keys, bytes.Equal)
		for _, k := range keys {
			for _, o := range keys {
				if bytes.Compare(k, o) != splitCompare(k, o) {
					t.Fatalf("stored keys %q and %q order differently by Split", k, o)
				}
			}
		}
		consistent := func(what string, s []byte) {
			for _, k := range keys {
				if bytes.Compare(s, k) != splitCompare(s, k) {
					t.Fatalf("%s %q against %q: bytewise %d, by Split %d", what, s, k, bytes.Compare(s, k), splitCompare(s, k))
				}
			}
		}
		for i := range keys {
			a := keys[i]
			succ := successor([]byte("junk"), a)[len("junk"):]
			if bytes.Compare(a, succ) > 0 {
				t.Fatalf("successor %q of %q is smaller", succ, a)
			}
			consistent("successor", succ)
			for j := i + 1; j < len(keys); j++ {
				b := keys[j]
				sep := separator([]byte("junk"), a, b)[len("junk"):]
				if bytes.Compare(a, sep) > 0 || bytes.Compare(sep, b) >= 0 {
					t.Fatalf("separator %q of %q and %q is out of range", sep, a, b)
				}
				consistent("separator", sep)
			}
		}
	})
}

// The case the race build met in CI: two document keys of one state.
func TestComparerSeparatorInsideValue(t *testing.T) {
	a := indexKey(docPrefix("AUS", "W5ZP3T0T9"), []byte("A1"))
	b := indexKey(docPrefix("AUS", "ZZ1"), []byte("B1"))
	sep := separator(nil, a, b)
	probe := docPrefix("AUS", "W5ZP3T0T9")
	if bytes.Compare(probe, sep) != splitCompare(probe, sep) {
		t.Fatalf("separator %q orders %q differently by Split", sep, probe)
	}
	if !bytes.HasPrefix(sep, docPrefix("AUS", "W5ZP3T0T9")) {
		t.Fatalf("separator %q should keep a's whole prefix", sep)
	}
}
