package mrz

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// peerCase is one entry of testdata/peers.json: a case from another MRZ
// library's public test suite, with the verdict and fields that library's
// suite expects (in this package's JSON names). Where this package decides
// otherwise on purpose, note says why (docs/mrz.md, "Where the peers
// disagree").
type peerCase struct {
	Peer    string         `json:"peer"`
	Source  string         `json:"source"`
	Format  string         `json:"format"`
	Lines   []string       `json:"lines"`
	Correct bool           `json:"correct"`
	Valid   *bool          `json:"valid"` // nil: the suite asserts fields only
	Fields  map[string]any `json:"fields"`
	Differs string         `json:"differs"`
}

// peerMismatch says where a result differs from a peer's expectation, or
// "" when it agrees on the verdict, the format and every field given.
func peerMismatch(c peerCase, got map[string]any) string {
	var d []string
	if c.Valid != nil && got["valid"] != *c.Valid {
		d = append(d, fmt.Sprintf("valid %v, peer %v", got["valid"], *c.Valid))
	}
	if c.Format != "" && got["format"] != c.Format {
		d = append(d, fmt.Sprintf("format %v, peer %v", got["format"], c.Format))
	}
	keys := make([]string, 0, len(c.Fields))
	for k := range c.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !reflect.DeepEqual(got[k], c.Fields[k]) {
			d = append(d, fmt.Sprintf("%s %#v, peer %#v", k, got[k], c.Fields[k]))
		}
	}
	return strings.Join(d, "; ")
}

// TestPeers measures agreement with the peers' suites. A case marked
// differs must disagree (for the reason given); every other case must agree.
func TestPeers(t *testing.T) {
	var cs []peerCase
	path := "testdata/peers.json"
	if p := os.Getenv("MRZ_PEERS"); p != "" {
		path = p // a table being built: go test ./mrz -run TestPeers -v with MRZ_PEERS=FILE
	}
	readJSON(t, path, &cs)
	type tally struct{ n, agree int }
	byPeer := map[string]*tally{}
	byFormat := map[string]*tally{}
	count := func(m map[string]*tally, k string) *tally {
		if m[k] == nil {
			m[k] = &tally{}
		}
		return m[k]
	}
	agree := 0
	for _, c := range cs {
		r := Parse(c.Lines, Options{Today: today, Correct: c.Correct})
		jb, _ := json.Marshal(r)
		var got map[string]any
		if err := json.Unmarshal(jb, &got); err != nil {
			t.Fatal(err)
		}
		m := peerMismatch(c, got)
		format := c.Format
		if format == "" {
			format = "(none)"
		}
		for _, tl := range []*tally{count(byPeer, c.Peer), count(byFormat, format)} {
			tl.n++
			if m == "" {
				tl.agree++
			}
		}
		switch {
		case m == "":
			agree++
			if c.Differs != "" {
				t.Errorf("%s %s: agrees now, but is marked as differing (%s)", c.Peer, c.Source, c.Differs)
			}
		case c.Differs == "":
			t.Errorf("%s %s: %s", c.Peer, c.Source, m)
		default:
			t.Logf("differs on purpose: %s %s: %s (%s)", c.Peer, c.Source, m, c.Differs)
		}
	}
	report := func(name string, m map[string]*tally) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			t.Logf("%s %-24s %3d/%3d", name, k, m[k].agree, m[k].n)
		}
	}
	report("peer", byPeer)
	report("format", byFormat)
	t.Logf("agreement: %d/%d = %.1f%%", agree, len(cs), 100*float64(agree)/float64(len(cs)))
}
