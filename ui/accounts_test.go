package ui_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/accounts"
	"github.com/xpt-pilot/xpt-kiosk/ui"
)

// One account guessed at from many places at once: the account's own
// back-off holds, whatever the sources, and the attempt counter is taken
// before the hash is checked.
func TestAccountGuessesFromManySourcesAreHeldBack(t *testing.T) {
	f, clk := newClockFixture(t)
	codes := f.burst(t, 60, func(i int) req {
		return req{method: "POST", path: "/api/officer/login", remote: fmt.Sprintf("198.51.100.%d:5000", i),
			body: `{"account":"B1","password":"guess number ` + fmt.Sprint(i) + `"}`}
	})
	if codes[401] < 1 || codes[401] > 3 || codes[429] != 60-codes[401] {
		t.Fatalf("60 concurrent wrong passwords from 60 sources: %v, want at most 3 checked (401), the rest held back (429)", codes)
	}
	// The right password, from a new place, waits for the back-off too.
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/officer/login", body: signIn("B1")}), 429)
	// Another officer's account is not held back.
	login(t, f, "officer", signIn("B2"))
	clk.Add(2 * time.Second)
	login(t, f, "officer", signIn("B1"))

	log := f.log.String()
	if !strings.Contains(log, `msg="ui: console sign-in refused" console=officer account=B1 source=198.51.100.`) {
		t.Errorf("no refusal line naming the account and the source:\n%s", log)
	}
	if strings.Contains(log, "guess number") || strings.Contains(log, passwordOf("B1")) {
		t.Errorf("a password reached the log:\n%s", log)
	}
	var refusedN, heldN, signIns int
	for _, a := range f.audited() {
		switch a.Kind {
		case "console.refused":
			refusedN++
			if a.Account != "B1" || a.Console != "officer" || !strings.HasPrefix(a.Source, "198.51.100.") {
				t.Errorf("refusal audited as %+v", a)
			}
		case "console.held-back":
			heldN++
		case "console.sign-in":
			signIns++
		}
	}
	if refusedN != codes[401] || heldN == 0 || signIns != 2 {
		t.Errorf("audited %d refusals (want %d), %d held back, %d sign-ins (want 2): %+v", refusedN, codes[401], heldN, signIns, f.audited())
	}
}

func TestIdleLockAndLifetime(t *testing.T) {
	f, clk := newClockFixture(t, func(o *ui.Options) { o.IdleLock = 5 * time.Minute; o.SessionLifetime = time.Hour })
	c := login(t, f, "officer", signIn("B1"))
	referrals := req{method: "GET", path: "/api/officer/referrals", cookie: c}
	w := f.do(t, req{method: "GET", path: "/api/officer/session", cookie: c})
	wantStatus(t, w, 200)
	if !strings.Contains(w.Body.String(), `"idleLockSeconds":300`) || !strings.Contains(w.Body.String(), `"user":"B1"`) {
		t.Errorf("session %s", w.Body.String())
	}
	// The console refreshing itself is no sign of a person.
	for range 4 {
		clk.Add(time.Minute)
		wantStatus(t, f.do(t, referrals), 200)
	}
	// A click is.
	clk.Add(time.Minute)
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/officer/session", cookie: c, header: map[string]string{"X-XPT-Activity": "1"}}), 200)
	clk.Add(4*time.Minute + 59*time.Second)
	wantStatus(t, f.do(t, referrals), 200)
	clk.Add(2 * time.Second)
	wantStatus(t, f.do(t, referrals), 401)
	wantStatus(t, f.do(t, req{method: "GET", path: "/officer", cookie: c}), 401)
	if !strings.Contains(f.log.String(), `msg="ui: console sign-out" console=officer user=B1 why=idle`) {
		t.Errorf("idle lock not logged:\n%s", f.log.String())
	}

	// The lifetime ends a session however busy it is.
	c = login(t, f, "officer", signIn("B2"))
	for range 13 {
		clk.Add(4 * time.Minute)
		wantStatus(t, f.do(t, req{method: "GET", path: "/api/officer/session", cookie: c, header: map[string]string{"X-XPT-Activity": "1"}}), 200)
	}
	clk.Add(9 * time.Minute)
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/officer/session", cookie: c, header: map[string]string{"X-XPT-Activity": "1"}}), 401)

	var whys []string
	for _, a := range f.audited() {
		if a.Kind == "console.sign-out" {
			whys = append(whys, a.Account+":"+a.Detail)
		}
	}
	if strings.Join(whys, " ") != "B1:idle B2:lifetime" {
		t.Errorf("sign-outs audited: %q", whys)
	}
}

func TestAccountChangesEndSessions(t *testing.T) {
	f := newFixture(t)
	c := login(t, f, "officer", signIn("B1"))
	other := login(t, f, "officer", signIn("B2"))
	if err := f.accts.SetDisabled("B1", true); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/officer/referrals", cookie: c}), 401)
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/officer/login", body: signIn("B1")}), 401)
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/officer/referrals", cookie: other}), 200)
	// A role change ends the session too: an officer made a technician.
	if err := f.accts.SetRole("B2", accounts.Technician); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/officer/referrals", cookie: other}), 401)
	if !strings.Contains(f.log.String(), "why=account-changed") {
		t.Errorf("log:\n%s", f.log.String())
	}
}

func TestSupervisorOpensBothConsoles(t *testing.T) {
	f := newFixture(t)
	oc := login(t, f, "officer", signIn("S1"))
	tc := login(t, f, "tech", signIn("S1"))
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/officer/referrals", cookie: oc}), 200)
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/tech", cookie: tc}), 200)
	// An officer may not use the technician console, nor a technician the officer's.
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/login", body: signIn("B1")}), 401)
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/officer/login", body: signIn("T1")}), 401)
}

func TestNoAccountsNoSignIn(t *testing.T) {
	f := newFixture(t, func(o *ui.Options) { o.Accounts = nil })
	w := f.do(t, req{method: "POST", path: "/api/officer/login", body: signIn("B1")})
	wantStatus(t, w, 503)
	if !strings.Contains(w.Body.String(), "xpt-kiosk users add") {
		t.Errorf("body %s", w.Body.String())
	}
	// The API token still reads.
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/officer/referrals", bearer: officerToken}), 200)
}

func TestSignOutIsAudited(t *testing.T) {
	f := newFixture(t)
	c := login(t, f, "tech", signIn("T1"))
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/logout", body: `{}`, cookie: c}), 204)
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/tech", cookie: c}), 401)
	got := f.audited()
	if len(got) != 2 || got[0].Kind != "console.sign-in" || got[1].Kind != "console.sign-out" ||
		got[1].Account != "T1" || got[1].Role != "technician" || got[1].Detail != "signed-out" || got[1].Console != "tech" {
		t.Errorf("audited %+v", got)
	}
}
