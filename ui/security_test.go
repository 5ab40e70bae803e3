package ui_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/internal/testbroker"
	"github.com/xpt-pilot/xpt-kiosk/ui"
)

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClockFixture(t *testing.T, mod ...func(*ui.Options)) (*fixture, *clock) {
	c := &clock{t: time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)}
	return newFixture(t, append([]func(*ui.Options){func(o *ui.Options) { ui.SetClock(o, c.Now) }}, mod...)...), c
}

// burst sends n requests at once and counts their answers by status.
func (f *fixture) burst(t *testing.T, n int, r func(i int) req) map[int]int {
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := f.do(t, r(i))
			mu.Lock()
			codes[w.Code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return codes
}

func TestTokenGuessesAreHeldBack(t *testing.T) {
	f, clk := newClockFixture(t)
	const guesser = "192.0.2.7:51000"
	referrals := req{method: "GET", path: "/api/officer/referrals", remote: guesser}

	// Many wrong guesses at once: only a few are even compared.
	codes := f.burst(t, 60, func(i int) req {
		r := referrals
		r.bearer = "guess-" + strconv.Itoa(i)
		return r
	})
	if codes[401] < 1 || codes[401] > 3 || codes[429] != 60-codes[401] {
		t.Fatalf("60 concurrent wrong guesses: %v, want at most 3 compared (401) and the rest held back (429)", codes)
	}

	// The right token is refused too until the back-off has passed.
	r := referrals
	r.bearer = officerToken
	w := f.do(t, r)
	wantStatus(t, w, 429)
	if ra, err := strconv.Atoi(w.Header().Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("Retry-After %q", w.Header().Get("Retry-After"))
	}
	if !strings.Contains(w.Body.String(), "too many attempts") {
		t.Errorf("body %s", w.Body.String())
	}
	// The login form is held back the same way, and so is the page.
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/officer/login", remote: guesser,
		body: signIn("B1")}), 429)
	wantStatus(t, f.do(t, req{method: "GET", path: "/officer", remote: guesser, bearer: officerToken}), 429)
	// Another source is not.
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/officer/referrals", bearer: officerToken}), 200)
	// Nor is the other console.
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/tech", remote: guesser, bearer: techToken}), 200)

	// Each failure past the free ones doubles the wait.
	clk.Add(time.Second)
	r.bearer = "wrong"
	wantStatus(t, f.do(t, r), 401)
	clk.Add(1500 * time.Millisecond)
	r.bearer = officerToken
	wantStatus(t, f.do(t, r), 429)
	clk.Add(500 * time.Millisecond)
	wantStatus(t, f.do(t, r), 200)
	// A success starts the count again.
	for range 3 {
		r.bearer = "wrong"
		wantStatus(t, f.do(t, r), 401)
	}
	wantStatus(t, f.do(t, r), 429)

	log := f.log.String()
	for _, want := range []string{
		`msg="ui: console API token refused" console=officer source=192.0.2.7`,
		`msg="ui: console sign-in attempts held back" console=officer account=api-token source=192.0.2.7`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("no %q in the log:\n%s", want, log)
		}
	}
	if strings.Contains(log, "guess-") || strings.Contains(log, officerToken) || strings.Contains(log, "wrong") {
		t.Errorf("a token reached the log:\n%s", log)
	}
	// Held-back attempts are logged once per back-off, not each.
	if n := strings.Count(log, "held back"); n > 5 {
		t.Errorf("%d held-back lines", n)
	}
}

func TestLoginGuessesAreHeldBack(t *testing.T) {
	f, clk := newClockFixture(t)
	const guesser = "[2001:db8::1]:51000"
	for range 3 {
		wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/login", remote: guesser, body: `{"account":"T1","password":"nope nope nope"}`}), 401)
	}
	// Another address of the same /64 is the same source.
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/login", remote: "[2001:db8::2]:51000",
		body: signIn("T1")}), 429)
	clk.Add(time.Second)
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/login", remote: guesser,
		body: signIn("T1")}), 200)
	if !strings.Contains(f.log.String(), "console=tech account=T1 source=2001:db8::/64") {
		t.Errorf("log:\n%s", f.log.String())
	}
}

func TestLogoutEndsTheSession(t *testing.T) {
	f, clk := newClockFixture(t)
	c1 := login(t, f, "officer", signIn("B1"))
	c2 := login(t, f, "officer", signIn("B2"))
	if c1.Value == c2.Value {
		t.Fatal("two sign-ins, one cookie")
	}
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/officer/referrals", cookie: c1}), 200)
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/officer/logout", body: `{}`, cookie: c1}), 204)
	// The old cookie, kept by whoever had it, no longer opens anything.
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/officer/referrals", cookie: c1}), 401)
	wantStatus(t, f.do(t, req{method: "GET", path: "/officer", cookie: c1}), 401)
	// The other officer's session goes on.
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/officer/referrals", cookie: c2}), 200)
	if !strings.Contains(f.log.String(), `msg="ui: console sign-out" console=officer user=B1`) {
		t.Errorf("no sign-out in the log:\n%s", f.log.String())
	}
	// A session ends on the server at its expiry, whatever the cookie says.
	clk.Add(12*time.Hour + time.Second)
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/officer/referrals", cookie: c2}), 401)
}

func TestUnknownHostRefused(t *testing.T) {
	f := newFixture(t)
	for _, host := range []string{"evil.example", "evil.example:8080", "127.0.0.1.evil.example", "0.0.0.0:8080"} {
		w := f.do(t, req{method: "POST", path: "/api/traveler/start", body: `{"lang":"en"}`, host: host,
			header: map[string]string{"Origin": "http://" + host}})
		wantStatus(t, w, 403)
		wantStatus(t, f.do(t, req{method: "GET", path: "/api/traveler", host: host}), 403)
		wantStatus(t, f.do(t, req{method: "GET", path: "/api/officer/referrals", host: host, bearer: officerToken}), 403)
	}
	if cmds := f.k.Commands(); len(cmds) != 0 {
		t.Fatalf("a request for another host reached the kiosk: %q", cmds)
	}
	if !strings.Contains(f.log.String(), `msg="ui: request for an unknown host refused" host=evil.example`) {
		t.Errorf("log:\n%s", f.log.String())
	}
	for _, host := range []string{"localhost:8080", "LOCALHOST", "[::1]:8080", "127.0.0.1"} {
		wantStatus(t, f.do(t, req{method: "GET", path: "/api/traveler", host: host}), 200)
	}

	f = newFixture(t, func(o *ui.Options) { o.AllowedHosts = []string{"kiosk-07.yyz.example", "10.1.2.3"} })
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/traveler", host: "kiosk-07.yyz.example:8443"}), 200)
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/traveler", host: "10.1.2.3:8080"}), 200)
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/traveler", host: "evil.example"}), 403)
}

func TestSecureCookies(t *testing.T) {
	f := newFixture(t)
	if c := login(t, f, "tech", signIn("T1")); c.Secure {
		t.Error("Secure cookie on plain HTTP without SecureCookies")
	}
	f = newFixture(t, func(o *ui.Options) { o.SecureCookies = true })
	if c := login(t, f, "tech", signIn("T1")); !c.Secure {
		t.Error("SecureCookies: cookie not Secure")
	}
	w := f.do(t, req{method: "POST", path: "/api/tech/logout", body: `{}`})
	if cs := w.Result().Cookies(); len(cs) != 1 || !cs[0].Secure {
		t.Errorf("logout cookies %+v", cs)
	}

	// Over TLS, Secure whatever the option says.
	f = newFixture(t)
	srv := httptest.NewTLSServer(f.h)
	defer srv.Close()
	resp, err := srv.Client().Post(srv.URL+"/api/officer/login", "application/json",
		strings.NewReader(signIn("B1")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(resp.Cookies()) != 1 || !resp.Cookies()[0].Secure {
		t.Errorf("over TLS: status %d, cookies %+v", resp.StatusCode, resp.Cookies())
	}
}

func TestLoadTLS(t *testing.T) {
	dir := t.TempDir()
	pki, err := testbroker.NewPKI(dir)
	if err != nil {
		t.Fatal(err)
	}
	cert, key, err := pki.Server("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	tc, notAfter, err := ui.LoadTLS(cert, key)
	if err != nil {
		t.Fatal(err)
	}
	if notAfter.Before(time.Now()) || tc.MinVersion < tls.VersionTLS12 {
		t.Errorf("notAfter %v, MinVersion %x", notAfter, tc.MinVersion)
	}
	// The kiosk's way: a TLS listener with it, and Secure cookies.
	f := newFixture(t, func(o *ui.Options) { o.SecureCookies = true })
	srv := httptest.NewUnstartedServer(f.h)
	srv.TLS = tc
	srv.StartTLS()
	defer srv.Close()
	client, err := pki.ClientConfig("console")
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: client}}
	resp, err := hc.Get(srv.URL + "/api/traveler")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Errorf("status %d, TLS %v", resp.StatusCode, resp.TLS != nil)
	}

	for _, c := range [][2]string{{filepath.Join(dir, "gone.pem"), key}, {cert, filepath.Join(dir, "gone.key")}, {cert, cert}} {
		if _, _, err := ui.LoadTLS(c[0], c[1]); err == nil || !strings.Contains(err.Error(), c[0]) {
			t.Errorf("LoadTLS(%s, %s): %v", c[0], c[1], err)
		}
	}
}
