package ui_test

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzConsoleBodies sends arbitrary request bodies, signed in, to every
// console endpoint that reads one: the answer is a 4xx or 2xx with a JSON
// body, never a 5xx or a panic, and never an echo of a token.
func FuzzConsoleBodies(f *testing.F) {
	endpoints := []struct{ role, path string }{
		{"", "/api/traveler/start"}, {"", "/api/traveler/language"},
		{"", "/api/officer/login"}, {"", "/api/tech/login"},
		{"officer", "/api/officer/referrals/R-1/decision"},
		{"tech", "/api/tech/sim/present"}, {"tech", "/api/tech/sim/card"}, {"tech", "/api/tech/sim/fault"},
	}
	for i := range endpoints {
		for _, b := range []string{`{}`, `{"lang":"fr"}`, `{"decision":"admit","note":"x","officerId":"B1"}`,
			`{"index":0,"withCard":true}`, `{"tag":"0A1B2C3D4E"}`, `{"fault":"unplug"}`, `{"account":"B1","password":"x"}`,
			`[`, `{"index":-1}`, `{"index":1e400}`, `{"lang":null}`, "\x00\xff", strings.Repeat(`{"a":`, 200)} {
			f.Add(uint8(i), b)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		e := endpoints[int(which)%len(endpoints)]
		fx := newFixture(t)
		var c *http.Cookie
		switch e.role {
		case "officer":
			c = login(t, fx, "officer", signIn("B1234"))
		case "tech":
			c = login(t, fx, "tech", signIn("T1"))
		}
		w := fx.do(t, req{method: "POST", path: e.path, body: body, cookie: c, header: map[string]string{"Content-Type": "application/json"}})
		if w.Code >= 500 {
			t.Fatalf("%s with %q: status %d: %s", e.path, body, w.Code, w.Body.String())
		}
		if ct := w.Header().Get("Content-Type"); w.Body.Len() > 0 && !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("%s: answer of type %q: %s", e.path, ct, w.Body.String())
		}
		if strings.Contains(w.Body.String(), officerToken) || strings.Contains(w.Body.String(), techToken) {
			t.Fatalf("%s: a token in the answer", e.path)
		}
	})
}
