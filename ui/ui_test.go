package ui_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/accounts"
	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/internal/logbuf"
	"github.com/xpt-pilot/xpt-kiosk/ui"
	"github.com/xpt-pilot/xpt-kiosk/ui/uitest"
)

const (
	officerToken = "officer-secret-1"
	techToken    = "tech-secret-1"
)

// reasons are every reason code of the central protocol: none may reach
// the traveler.
var reasons = []string{"MRZ_UNREADABLE", "MRZ_INVALID", "DOC_EXPIRED", "NOT_AUTHORIZED", "HOLDER_MISMATCH",
	"AUTH_SUSPENDED", "AUTH_REVOKED", "AUTH_NOT_YET_VALID", "AUTH_EXPIRED", "DIRECTION_NOT_ALLOWED",
	"CARD_MISSING", "CARD_MISMATCH", "FACE_CAPTURE_FAILED", "FACE_MISMATCH", "PREAPPROVAL_INVALID",
	"DATA_STALE", "DEVICE_FAULT", "RANDOM_SELECTION"}

// testHost is the Host of the fixture's requests: the default listen
// address, which the default allowed hosts accept.
const testHost = "127.0.0.1:8080"

type fixture struct {
	k      *uitest.Kiosk
	h      http.Handler
	log    *logbuf.Buffer
	accts  *accounts.Store
	peers  atomic.Int64
	mu     sync.Mutex
	access []ui.Access
}

// audited returns the console access facts the handler reported.
func (f *fixture) audited() []ui.Access {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ui.Access(nil), f.access...)
}

// The fixture's accounts: officers, a technician and a supervisor, each
// with passwordOf(id).
var testAccounts = []struct {
	id   string
	role accounts.Role
}{
	{"B1", accounts.Officer}, {"B2", accounts.Officer}, {"B9", accounts.Officer}, {"B1234", accounts.Officer},
	{"T1", accounts.Technician}, {"S1", accounts.Supervisor},
}

func passwordOf(id string) string { return id + " long password" }

// signIn is the login body of an account of the fixture.
func signIn(id string) string {
	return `{"account":"` + id + `","password":"` + passwordOf(id) + `"}`
}

// fastArgon keeps the tests quick; the production cost is tested in accounts.
var fastArgon = accounts.Options{Params: accounts.Params{Memory: 64, Time: 1, Threads: 1}}

func newAccounts(t testing.TB) *accounts.Store {
	t.Helper()
	st, err := accounts.Open(filepath.Join(t.TempDir(), "accounts.json"), fastArgon)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range testAccounts {
		if err := st.Add(a.id, "", a.role, passwordOf(a.id)); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func newFixture(t *testing.T, mod ...func(*ui.Options)) *fixture {
	t.Helper()
	k := uitest.New()
	buf := &logbuf.Buffer{}
	f := &fixture{k: k, log: buf, accts: newAccounts(t)}
	o := ui.Options{Kiosk: k, Sim: k, OfficerToken: officerToken, TechnicianToken: techToken, Accounts: f.accts,
		Logger: slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelInfo})),
		Audit: func(a ui.Access) {
			f.mu.Lock()
			f.access = append(f.access, a)
			f.mu.Unlock()
		}}
	for _, m := range mod {
		m(&o)
	}
	f.h = ui.New(o)
	return f
}

type req struct {
	method, path, body string
	bearer             string
	cookie             *http.Cookie
	header             map[string]string
	// host is the Host header (testHost when empty); remote the peer's
	// address (a new one for each request when empty, so that the token
	// limiter, per source, only holds back the tests that mean it to).
	host, remote string
}

func (f *fixture) do(t *testing.T, r req) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr := httptest.NewRequest(r.method, r.path, body)
	hr.Host = testHost
	if r.host != "" {
		hr.Host = r.host
	}
	hr.RemoteAddr = r.remote
	if r.remote == "" {
		n := f.peers.Add(1)
		hr.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:40000", n>>16&255, n>>8&255, n&255)
	}
	if r.body != "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if r.bearer != "" {
		hr.Header.Set("Authorization", "Bearer "+r.bearer)
	}
	if r.cookie != nil {
		hr.AddCookie(r.cookie)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, hr)
	return w
}

func wantStatus(t *testing.T, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body.String())
	}
}

func decode[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %q: %v", w.Body.String(), err)
	}
	return v
}

// driveToReferral takes the kiosk through a session that ends referred.
func driveToReferral(t *testing.T, f *fixture) view.Referral {
	t.Helper()
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/traveler/start", body: `{"lang":"fr"}`}), 200)
	// Demo traveler 2: expired passport, no authorization.
	if err := f.k.Present(2, false); err != nil {
		t.Fatal(err)
	}
	if err := f.k.PresentCard("0A1B2C3D4E"); err != nil {
		t.Fatal(err)
	}
	f.k.SetGuidance("move_closer")
	f.k.Complete()
	if s := f.k.Traveler().Screen; s != view.ScreenReferred {
		t.Fatalf("screen %q, want referred", s)
	}
	rs := f.k.Referrals()
	if len(rs) != 1 {
		t.Fatalf("%d referrals", len(rs))
	}
	return rs[0]
}

func TestSecurityHeadersOnEveryPage(t *testing.T) {
	f := newFixture(t)
	for _, p := range []string{"/", "/officer", "/tech", "/api/traveler", "/assets/kiosk.js", "/api/officer/referrals", "/api/tech", "/nope"} {
		w := f.do(t, req{method: "GET", path: p})
		csp := w.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "default-src 'none'") ||
			strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		for h, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
			if got := w.Header().Get(h); got != v {
				t.Errorf("%s: %s = %q, want %q", p, h, got, v)
			}
		}
	}
}

var inlineHandler = regexp.MustCompile(`\son[a-z]+\s*=`)

// TestNoInlineScriptOrStyle keeps the pages within the CSP: scripts and
// styles are files, and no page loads anything from outside.
func TestNoInlineScriptOrStyle(t *testing.T) {
	err := fs.WalkDir(os.DirFS("assets"), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		b, _ := os.ReadFile(filepath.Join("assets", p))
		s := strings.ToLower(string(b))
		if strings.Contains(s, "<style") || strings.Contains(s, " style=") || inlineHandler.MatchString(s) {
			t.Errorf("%s: inline style or handler", p)
		}
		for i := 0; ; {
			j := strings.Index(s[i:], "<script")
			if j < 0 {
				break
			}
			tag := s[i+j : i+j+strings.Index(s[i+j:], ">")]
			if !strings.Contains(tag, "src=\"/assets/") {
				t.Errorf("%s: inline or foreign script %s", p, tag)
			}
			i += j + 1
		}
		if strings.Contains(s, "http://") || strings.Contains(s, "https://") || strings.Contains(s, "//cdn") {
			t.Errorf("%s: refers to another site", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTravelerPageAndAssets(t *testing.T) {
	f := newFixture(t)
	w := f.do(t, req{method: "GET", path: "/"})
	wantStatus(t, w, 200)
	body := w.Body.String()
	for _, want := range []string{`<html lang="en">`, `src="/assets/kiosk.js"`, `aria-live`, `data-lang="fr"`} {
		if !strings.Contains(body, want) {
			t.Errorf("traveler page lacks %s", want)
		}
	}
	for _, p := range []string{"/assets/kiosk.js", "/assets/kiosk.css", "/assets/messages.json", "/assets/icons/passport.svg"} {
		w := f.do(t, req{method: "GET", path: p})
		wantStatus(t, w, 200)
	}
	if ct := f.do(t, req{method: "GET", path: "/assets/kiosk.js"}).Header().Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("kiosk.js served as %q", ct)
	}
	js := f.do(t, req{method: "GET", path: "/assets/kiosk.js"})
	if tag := js.Header().Get("ETag"); tag == "" {
		t.Error("no ETag on assets")
	} else {
		wantStatus(t, f.do(t, req{method: "GET", path: "/assets/kiosk.js", header: map[string]string{"If-None-Match": tag}}), 304)
	}
	wantStatus(t, f.do(t, req{method: "GET", path: "/assets/nope.js"}), 404)
	wantStatus(t, f.do(t, req{method: "GET", path: "/assets/officer.html"}), 404)
	wantStatus(t, f.do(t, req{method: "GET", path: "/nope"}), 404)
}

func TestTravelerCommandsReachTheKiosk(t *testing.T) {
	f := newFixture(t)
	w := f.do(t, req{method: "GET", path: "/api/traveler"})
	wantStatus(t, w, 200)
	if s := decode[view.Traveler](t, w); s.Screen != view.ScreenWelcome {
		t.Fatalf("screen %q", s.Screen)
	}
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/traveler/language", body: `{"lang":"fr"}`}), 200)
	w = f.do(t, req{method: "POST", path: "/api/traveler/start", body: `{"lang":"fr"}`})
	wantStatus(t, w, 200)
	var got struct {
		view.Traveler
		RemainingMs int64 `json:"remainingMs"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Screen != view.ScreenDocument || got.Lang != "fr" || got.Step != 1 || got.Steps != 4 {
		t.Errorf("after start: %+v", got)
	}
	if got.RemainingMs <= 0 || got.RemainingMs > uitest.DocumentTimeout.Milliseconds() {
		t.Errorf("remainingMs %d", got.RemainingMs)
	}
	// Start again on the document screen: refused, with the fresh snapshot.
	w = f.do(t, req{method: "POST", path: "/api/traveler/start", body: `{"lang":"en"}`})
	wantStatus(t, w, 409)
	if !strings.Contains(w.Body.String(), `"screen":"document"`) {
		t.Errorf("409 without snapshot: %s", w.Body.String())
	}
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/traveler/cancel", body: `{}`}), 200)
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/traveler/finish", body: `{}`}), 200)
	want := []string{"language fr", "start fr", "start en", "cancel", "finish"}
	if c := f.k.Commands(); !slices.Equal(c, want) {
		t.Errorf("commands %q, want %q", c, want)
	}
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/traveler/start", body: `{"lang":"de"}`}), 400)
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/traveler/start", body: `{"lang":`}), 400)
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/traveler/start", body: `{"lang":"en","x":1}`}), 400)
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/traveler/start"}), 405)
}

func TestPostNeedsJSONAndSameOrigin(t *testing.T) {
	f := newFixture(t)
	// A form post (what a cross-site page can send without a preflight).
	r := httptest.NewRequest("POST", "/api/traveler/start", strings.NewReader("lang=en"))
	r.Host = testHost
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	wantStatus(t, w, 415)
	r = httptest.NewRequest("POST", "/api/traveler/start", strings.NewReader(`{"lang":"en"}`))
	r.Host = testHost
	r.Header.Set("Content-Type", "text/plain")
	w = httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	wantStatus(t, w, 415)

	for _, h := range []map[string]string{
		{"Origin": "http://evil.example"},
		{"Origin": "null"},
		{"Sec-Fetch-Site": "cross-site"},
		{"Sec-Fetch-Site": "same-site"},
	} {
		w := f.do(t, req{method: "POST", path: "/api/traveler/start", body: `{"lang":"en"}`, header: h})
		wantStatus(t, w, 403)
		w = f.do(t, req{method: "POST", path: "/api/officer/login", body: signIn("B1"), header: h})
		wantStatus(t, w, 403)
	}
	// Same origin passes.
	w = f.do(t, req{method: "POST", path: "/api/traveler/start", body: `{"lang":"en"}`,
		header: map[string]string{"Origin": "http://" + testHost, "Sec-Fetch-Site": "same-origin"}})
	wantStatus(t, w, 200)
	if len(f.k.Commands()) != 1 {
		t.Errorf("refused requests reached the kiosk: %q", f.k.Commands())
	}
	// A big body is refused.
	w = f.do(t, req{method: "POST", path: "/api/traveler/cancel", body: `{"lang":"` + strings.Repeat("x", 70<<10) + `"}`})
	wantStatus(t, w, 413)
}

func TestTravelerLongPoll(t *testing.T) {
	f := newFixture(t)
	v := f.k.Traveler().Version
	// A different version answers at once.
	w := f.do(t, req{method: "GET", path: "/api/traveler?since=0&wait=5"})
	wantStatus(t, w, 200)
	done := make(chan *httptest.ResponseRecorder)
	go func() {
		done <- f.do(t, req{method: "GET", path: "/api/traveler?since=" + itoa(v) + "&wait=10"})
	}()
	select {
	case <-done:
		t.Fatal("long poll answered before any change")
	case <-time.After(100 * time.Millisecond):
	}
	f.k.Start("en")
	select {
	case w := <-done:
		wantStatus(t, w, 200)
		if s := decode[view.Traveler](t, w); s.Screen != view.ScreenDocument {
			t.Errorf("long poll answered %q", s.Screen)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("long poll did not answer the change")
	}
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/traveler?since=x"}), 400)
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/traveler?since=1&wait=600"}), 400)
	// wait=0 answers at once even without a change.
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/traveler?since=" + itoa(f.k.Traveler().Version) + "&wait=0"}), 200)
}

func itoa(v uint64) string { return strings.TrimSpace(strings.Trim(mustJSON(v), `"`)) }

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// sseReader reads server-sent events from a live server.
type sseReader struct {
	resp *http.Response
	sc   *bufio.Scanner
}

func openSSE(t *testing.T, url string, hdr map[string]string) *sseReader {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	r, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 {
		t.Fatalf("events: status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("events: content type %q", ct)
	}
	return &sseReader{resp: resp, sc: bufio.NewScanner(resp.Body)}
}

// next returns the data of the next snapshot event.
func (s *sseReader) next(t *testing.T) string {
	t.Helper()
	type res struct {
		data string
		err  error
	}
	ch := make(chan res, 1)
	go func() {
		event := ""
		for s.sc.Scan() {
			line := s.sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "snapshot":
				ch <- res{data: strings.TrimPrefix(line, "data: ")}
				return
			}
		}
		ch <- res{err: io.ErrUnexpectedEOF}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r.data
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5 s")
	}
	return ""
}

func TestTravelerEventsSendAnUpdateOnChange(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(f.h)
	t.Cleanup(srv.Close) // after the event streams close (cleanups run last first)
	ev := openSSE(t, srv.URL+"/api/traveler/events", nil)
	if d := ev.next(t); !strings.Contains(d, `"screen":"welcome"`) {
		t.Fatalf("first event %s", d)
	}
	if err := f.k.Start("fr"); err != nil {
		t.Fatal(err)
	}
	if d := ev.next(t); !strings.Contains(d, `"screen":"document"`) || !strings.Contains(d, `"lang":"fr"`) {
		t.Fatalf("event after start: %s", d)
	}
	f.k.SetGuidance("hold_still")
	f.k.Present(0, true)
	for {
		d := ev.next(t)
		if strings.Contains(d, `"screen":"face"`) {
			if !strings.Contains(d, `"guidance":"no_face"`) {
				t.Errorf("face event without guidance: %s", d)
			}
			break
		}
	}
}

func TestNoReasonReachesTheTraveler(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(f.h)
	t.Cleanup(srv.Close) // after the event streams close (cleanups run last first)
	ev := openSSE(t, srv.URL+"/api/traveler/events", nil)
	ev.next(t)
	ref := driveToReferral(t, f)
	if len(ref.Reasons) == 0 {
		t.Fatal("referral without reasons")
	}
	var seen []string
	for i := 0; i < 20; i++ {
		d := ev.next(t)
		seen = append(seen, d)
		if strings.Contains(d, `"screen":"referred"`) {
			break
		}
	}
	seen = append(seen, f.do(t, req{method: "GET", path: "/api/traveler"}).Body.String())
	seen = append(seen, f.do(t, req{method: "GET", path: "/api/traveler?since=0"}).Body.String())
	seen = append(seen, f.do(t, req{method: "POST", path: "/api/traveler/start", body: `{"lang":"en"}`}).Body.String())
	for _, p := range []string{"/", "/assets/kiosk.js", "/assets/kiosk.css", "/assets/messages.json", "/assets/kiosk.html"} {
		seen = append(seen, f.do(t, req{method: "GET", path: p}).Body.String())
	}
	personal := []string{ref.Surname, ref.GivenNames, ref.DocumentNo, ref.BirthDate, ref.ReferralID}
	for _, s := range seen {
		for _, r := range reasons {
			if strings.Contains(s, r) {
				t.Errorf("traveler sees reason %s in %.200s", r, s)
			}
		}
		for _, p := range personal {
			if strings.Contains(s, p) {
				t.Errorf("traveler sees %q in %.200s", p, s)
			}
		}
		if strings.Contains(strings.ToLower(s), `"reasons"`) {
			t.Errorf("traveler JSON has a reasons field: %.200s", s)
		}
	}
	// Nor does the log, above debug.
	for _, p := range personal[:4] {
		if strings.Contains(f.log.String(), p) {
			t.Errorf("log holds %q", p)
		}
	}
}

func TestMessageCatalogue(t *testing.T) {
	b, err := os.ReadFile("assets/messages.json")
	if err != nil {
		t.Fatal(err)
	}
	var cat map[string]map[string]string
	if err := json.Unmarshal(b, &cat); err != nil {
		t.Fatal(err)
	}
	en, fr := cat["en"], cat["fr"]
	if len(cat) != 2 || en == nil || fr == nil {
		t.Fatalf("catalogue languages: %v", len(cat))
	}
	var want []string
	for _, s := range []string{view.ScreenWelcome, view.ScreenDocument, view.ScreenChip, view.ScreenCard, view.ScreenFace, view.ScreenProcessing,
		view.ScreenAdmitted, view.ScreenReferred, view.ScreenAborted, view.ScreenClosed, "unknown"} {
		want = append(want, "screen."+s+".title", "screen."+s+".body")
	}
	for _, g := range []string{"move_closer", "move_back", "center_face", "one_person", "hold_still", "more_light",
		"less_light", "look_at_camera", "no_face", "multiple_faces", "ok", "camera_unavailable", "chip_waiting", "chip_reading", "unknown"} {
		want = append(want, "guidance."+g)
	}
	for _, m := range []string{"document_unreadable", "remove_document", "card_unreadable", "device_unavailable",
		"card_held", "letter_held", "card_letter_held", "not_travel_document", "unknown"} {
		want = append(want, "message."+m)
	}
	want = append(want, "button.cancel", "button.done", "button.again", "start.in", "progress.label", "countdown.label", "countdown.closes")
	for _, k := range want {
		if en[k] == "" {
			t.Errorf("en lacks %s", k)
		}
		if fr[k] == "" {
			t.Errorf("fr lacks %s", k)
		}
	}
	for k := range en {
		if _, ok := fr[k]; !ok {
			t.Errorf("fr lacks %s (en has it)", k)
		}
	}
	for k, v := range fr {
		if _, ok := en[k]; !ok {
			t.Errorf("en lacks %s (fr has it)", k)
		}
		if v == en[k] && !slices.Contains([]string{"progress.face"}, k) && !strings.HasPrefix(k, "lang.") {
			t.Errorf("fr %s is the English text %q", k, v)
		}
		// French punctuation: a space before a colon is non-breaking.
		if strings.Contains(v, " :") || strings.Contains(v, "« ") || strings.Contains(v, " »") {
			t.Errorf("fr %s: use a non-breaking space around : and « »: %q", k, v)
		}
	}
	// Written with its accents.
	for k, w := range map[string]string{"screen.face.title": "caméra", "progress.label": "Étape", "screen.card.body": "jusqu’à"} {
		if !strings.Contains(fr[k], w) {
			t.Errorf("fr %s = %q, want %q in it", k, fr[k], w)
		}
	}
	// The referral screen never says why.
	for _, l := range []map[string]string{en, fr} {
		for k, v := range l {
			for _, r := range reasons {
				if strings.Contains(v, r) {
					t.Errorf("%s names reason %s", k, r)
				}
			}
		}
		for _, w := range []string{"expir", "authori", "mismatch", "refus", "random", "aléatoire", "correspond"} {
			if strings.Contains(strings.ToLower(l["screen.referred.body"]+l["screen.referred.title"]), w) {
				t.Errorf("referral text hints at a reason (%s): %q", w, l["screen.referred.body"])
			}
		}
	}
}

func login(t *testing.T, f *fixture, role, body string) *http.Cookie {
	t.Helper()
	w := f.do(t, req{method: "POST", path: "/api/" + role + "/login", body: body})
	wantStatus(t, w, 200)
	for _, c := range w.Result().Cookies() {
		if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" {
			t.Errorf("cookie %s: HttpOnly %v SameSite %v Path %q", c.Name, c.HttpOnly, c.SameSite, c.Path)
		}
		if strings.Contains(c.Value, officerToken) || strings.Contains(c.Value, techToken) {
			t.Error("cookie holds the token")
		}
		return c
	}
	t.Fatal("login set no cookie")
	return nil
}

func TestOfficerAuth(t *testing.T) {
	f := newFixture(t)
	ref := driveToReferral(t, f)
	id := ref.ReferralID
	endpoints := []req{
		{method: "GET", path: "/api/officer/referrals"},
		{method: "GET", path: "/api/officer/events"},
		{method: "GET", path: "/api/officer/referrals/" + id},
		{method: "GET", path: "/api/officer/referrals/" + id + "/photo"},
		{method: "POST", path: "/api/officer/referrals/" + id + "/decision", body: `{"decision":"admit","officerId":"B1"}`},
	}
	for _, e := range endpoints {
		w := f.do(t, e)
		wantStatus(t, w, 401)
		if w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", e.path, w.Header().Get("Cache-Control"))
		}
		for _, bad := range []string{"wrong", techToken} {
			e.bearer = bad
			wantStatus(t, f.do(t, e), 401)
		}
		e.bearer = ""
		e.cookie = &http.Cookie{Name: "xpt_officer", Value: "QjF8OTk5OTk5OTk5OQ.forged"}
		wantStatus(t, f.do(t, e), 401)
	}
	if len(f.k.Decisions()) != 0 {
		t.Fatal("an unauthenticated decision reached the kiosk")
	}
	// The page itself: the login form with 401.
	w := f.do(t, req{method: "GET", path: "/officer"})
	wantStatus(t, w, 401)
	if !strings.Contains(w.Body.String(), `id="login"`) || !strings.Contains(w.Body.String(), `id="password"`) {
		t.Error("no login form")
	}
	if strings.Contains(w.Body.String(), ref.Surname) {
		t.Error("login page shows personal data")
	}
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/officer/login", body: `{"account":"B1","password":"nope nope nope"}`}), 401)
	// A malformed ID is a wrong one: the same answer, and it is not logged.
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/officer/login", body: signIn("B 1<script>")}), 401)
	if strings.Contains(f.log.String(), "<script>") {
		t.Error("a malformed account ID reached the log")
	}
	// A technician's account does not open the officer console.
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/officer/login", body: signIn("T1")}), 401)
	c := login(t, f, "officer", signIn("B1234"))
	w = f.do(t, req{method: "GET", path: "/officer", cookie: c})
	wantStatus(t, w, 200)
	if !strings.Contains(w.Body.String(), "/assets/officer.js") {
		t.Error("console page not served after login")
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("officer page Cache-Control %q", w.Header().Get("Cache-Control"))
	}
	// The technician's cookie does not open the officer console.
	tc := login(t, f, "tech", signIn("T1"))
	tc.Name = "xpt_officer"
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/officer/referrals", cookie: tc}), 401)
	// Logout clears the cookie.
	w = f.do(t, req{method: "POST", path: "/api/officer/logout", body: `{}`, cookie: c})
	wantStatus(t, w, 204)
	if cs := w.Result().Cookies(); len(cs) != 1 || cs[0].MaxAge >= 0 {
		t.Errorf("logout cookies %+v", cs)
	}
}

func TestOfficerSessionExpires(t *testing.T) {
	f := newFixture(t)
	c := login(t, f, "officer", signIn("B1"))
	if time.Until(c.Expires) > 13*time.Hour || time.Until(c.Expires) < 11*time.Hour {
		t.Errorf("session lasts until %v", c.Expires)
	}
}

func TestOfficerReferralsAndDecision(t *testing.T) {
	f := newFixture(t)
	ref := driveToReferral(t, f)
	id := ref.ReferralID
	c := login(t, f, "officer", signIn("B1234"))

	w := f.do(t, req{method: "GET", path: "/api/officer/referrals", cookie: c})
	wantStatus(t, w, 200)
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", w.Header().Get("Cache-Control"))
	}
	list := decode[struct {
		Referrals []view.Referral `json:"referrals"`
		Open      int             `json:"open"`
		Officer   string          `json:"officer"`
	}](t, w)
	if list.Open != 1 || len(list.Referrals) != 1 || list.Officer != "B1234" {
		t.Fatalf("queue %+v", list)
	}
	r := list.Referrals[0]
	if r.Surname != "SPECIMEN" || !slices.Contains(r.Reasons, "DOC_EXPIRED") || len(r.Checks) == 0 {
		t.Errorf("referral %+v", r)
	}
	// With the bearer token too.
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/officer/referrals", bearer: officerToken}), 200)

	w = f.do(t, req{method: "GET", path: "/api/officer/referrals/" + id, cookie: c})
	wantStatus(t, w, 200)
	if got := decode[view.Referral](t, w); got.DocumentNo != ref.DocumentNo {
		t.Errorf("detail %+v", got)
	}
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/officer/referrals/R-9999", cookie: c}), 404)

	w = f.do(t, req{method: "GET", path: "/api/officer/referrals/" + id + "/photo", cookie: c})
	wantStatus(t, w, 200)
	if w.Header().Get("Content-Type") != "image/jpeg" || w.Header().Get("Cache-Control") != "no-store" || w.Body.Len() < 100 ||
		!strings.HasPrefix(w.Body.String(), "\xff\xd8") {
		t.Errorf("photo: %q %q %d bytes", w.Header().Get("Content-Type"), w.Header().Get("Cache-Control"), w.Body.Len())
	}
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/officer/referrals/R-9999/photo", cookie: c}), 404)

	dec := "/api/officer/referrals/" + id + "/decision"
	wantStatus(t, f.do(t, req{method: "POST", path: dec, cookie: c, body: `{"decision":"deport"}`}), 400)
	wantStatus(t, f.do(t, req{method: "POST", path: dec, cookie: c, body: `{"decision":"admit","note":"` + strings.Repeat("é", 1001) + `"}`}), 400)
	wantStatus(t, f.do(t, req{method: "POST", path: dec, cookie: c, body: `{"decision":"admit","officerId":"OTHER"}`}), 403)
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/officer/referrals/R-9999/decision", cookie: c, body: `{"decision":"admit"}`}), 404)
	// The API token reads but never decides: a decision is a person's.
	wantStatus(t, f.do(t, req{method: "POST", path: dec, bearer: officerToken, body: `{"decision":"admit"}`}), 403)
	wantStatus(t, f.do(t, req{method: "POST", path: dec, bearer: officerToken, body: `{"decision":"admit","officerId":"B1234"}`}), 403)

	w = f.do(t, req{method: "POST", path: dec, cookie: c, body: `{"decision":"secondary","note":"  Counter 3  "}`})
	wantStatus(t, w, 200)
	if got := decode[view.Referral](t, w); got.Decision != "secondary" || got.DecidedBy != "B1234" {
		t.Errorf("after decision %+v", got)
	}
	want := []uitest.Decision{{ReferralID: id, OfficerID: "B1234", Decision: "secondary", Note: "Counter 3"}}
	if d := f.k.Decisions(); !slices.Equal(d, want) {
		t.Errorf("decisions %+v, want %+v", d, want)
	}
	// Decided referrals stay in the queue, shown as decided.
	w = f.do(t, req{method: "GET", path: "/api/officer/referrals", cookie: c})
	if !strings.Contains(w.Body.String(), `"decision":"secondary"`) || !strings.Contains(w.Body.String(), `"open":0`) {
		t.Errorf("queue after decision %s", w.Body.String())
	}
	// A second decision conflicts.
	w = f.do(t, req{method: "POST", path: dec, cookie: login(t, f, "officer", signIn("B9")), body: `{"decision":"admit"}`})
	wantStatus(t, w, 409)
	if len(f.k.Decisions()) != 1 {
		t.Error("second decision reached the kiosk")
	}
	// The note (possibly personal) is not logged above debug.
	if strings.Contains(f.log.String(), "Counter 3") {
		t.Error("note logged at info")
	}
	if !strings.Contains(f.log.String(), "officer decision") {
		t.Error("decision not logged")
	}
}

func TestOfficerQueueOrder(t *testing.T) {
	f := newFixture(t)
	now := time.Now()
	f.k.AddReferral(view.Referral{ReferralID: "R-new", OpenedAt: now}, nil)
	f.k.AddReferral(view.Referral{ReferralID: "R-old", OpenedAt: now.Add(-time.Hour)}, nil)
	f.k.AddReferral(view.Referral{ReferralID: "R-done", OpenedAt: now.Add(-2 * time.Hour), Decision: "admit"}, nil)
	w := f.do(t, req{method: "GET", path: "/api/officer/referrals", bearer: officerToken})
	var list struct{ Referrals []view.Referral }
	json.Unmarshal(w.Body.Bytes(), &list)
	var ids []string
	for _, r := range list.Referrals {
		ids = append(ids, r.ReferralID)
	}
	if want := []string{"R-old", "R-new", "R-done"}; !slices.Equal(ids, want) {
		t.Errorf("order %q, want %q", ids, want)
	}
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/officer/referrals/R-old/photo", bearer: officerToken}), 404)
}

func TestOfficerEventsLiveUpdate(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(f.h)
	t.Cleanup(srv.Close) // after the event streams close (cleanups run last first)
	ev := openSSE(t, srv.URL+"/api/officer/events", map[string]string{"Authorization": "Bearer " + officerToken})
	if d := ev.next(t); !strings.Contains(d, `"open":0`) {
		t.Fatalf("first event %s", d)
	}
	f.k.AddReferral(view.Referral{ReferralID: "R-live", OpenedAt: time.Now(), Reasons: []string{"RANDOM_SELECTION"}}, nil)
	if d := ev.next(t); !strings.Contains(d, `"R-live"`) || !strings.Contains(d, `"open":1`) {
		t.Fatalf("event after referral %s", d)
	}
	if ev.resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("officer events Cache-Control %q", ev.resp.Header.Get("Cache-Control"))
	}
	f.k.SetGuidance("move_back") // a traveler-only change sends nothing new
	f.k.Decide(context.Background(), "R-live", "B1", "admit", "")
	if d := ev.next(t); !strings.Contains(d, `"decision":"admit"`) {
		t.Fatalf("event after decision %s", d)
	}
}

func TestTechnicianConsole(t *testing.T) {
	f := newFixture(t, func(o *ui.Options) {
		o.Preview = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary=frame")
			io.WriteString(w, "--frame\r\n")
		})
	})
	endpoints := []req{
		{method: "GET", path: "/api/tech"},
		{method: "GET", path: "/api/tech/events"},
		{method: "GET", path: "/api/tech/preview"},
		{method: "POST", path: "/api/tech/sim/present", body: `{"index":0}`},
		{method: "POST", path: "/api/tech/sim/card", body: `{"tag":"0A1B2C3D4E"}`},
		{method: "POST", path: "/api/tech/sim/fault", body: `{"kind":"lock"}`},
	}
	for _, e := range endpoints {
		wantStatus(t, f.do(t, e), 401)
		e.bearer = officerToken
		wantStatus(t, f.do(t, e), 401)
	}
	if len(f.k.Commands()) != 0 {
		t.Fatalf("unauthenticated commands reached the kiosk: %q", f.k.Commands())
	}
	wantStatus(t, f.do(t, req{method: "GET", path: "/tech"}), 401)
	c := login(t, f, "tech", signIn("T1"))
	wantStatus(t, f.do(t, req{method: "GET", path: "/tech", cookie: c}), 200)

	w := f.do(t, req{method: "GET", path: "/api/tech", cookie: c})
	wantStatus(t, w, 200)
	var got struct {
		view.Technician
		StalenessText  string `json:"stalenessText"`
		TravelerScreen string `json:"travelerScreen"`
		Preview        bool   `json:"preview"`
		Simulator      *struct {
			Travelers []ui.SimTraveler `json:"travelers"`
			Faults    []string         `json:"faults"`
		} `json:"simulator"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.KioskID != "yyz-t1-k07" || len(got.Devices) != 5 || !got.Preview || got.Simulator == nil ||
		len(got.Simulator.Travelers) != 3 || !slices.Contains(got.Simulator.Faults, "lock") ||
		got.Face.Verification != "not_supported: no face model configured" || got.StalenessText == "" || got.TravelerScreen != "welcome" {
		t.Errorf("tech snapshot %s", w.Body.String())
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", w.Header().Get("Cache-Control"))
	}

	// The simulator's commands reach it.
	f.k.Start("en")
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/sim/present", cookie: c, body: `{"index":1,"withCard":false}`}), 204)
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/sim/card", bearer: techToken, body: `{"tag":"0A1B2C3D4F"}`}), 204)
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/sim/fault", bearer: techToken, body: `{"kind":"card-noise"}`}), 204)
	want := []string{"start en", "present 1 false", "card 0A1B2C3D4F", "fault card-noise"}
	if c := f.k.Commands(); !slices.Equal(c, want) {
		t.Errorf("commands %q, want %q", c, want)
	}
	// Bad input.
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/sim/present", bearer: techToken, body: `{"index":7}`}), 400)
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/sim/present", bearer: techToken, body: `{}`}), 400)
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/sim/present", bearer: techToken, body: `{"index":0}`}), 409) // not on the document screen
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/sim/card", bearer: techToken, body: `{"tag":"xyz"}`}), 400)
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/sim/fault", bearer: techToken, body: `{"kind":"Rm -rf"}`}), 400)
	wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/sim/fault", bearer: techToken, body: `{"kind":"no-such"}`}), 400)

	w = f.do(t, req{method: "GET", path: "/api/tech", bearer: techToken})
	if !strings.Contains(w.Body.String(), `"state":"degraded"`) || !strings.Contains(w.Body.String(), "cardReader: protocol") {
		t.Errorf("fault not shown: %s", w.Body.String())
	}
	// Recent transactions carry no personal data.
	f.k.Complete()
	w = f.do(t, req{method: "GET", path: "/api/tech", bearer: techToken})
	for _, p := range []string{"TREMBLAY", "PIERRE", "GA123456", "1981-02-03"} {
		if strings.Contains(w.Body.String(), p) {
			t.Errorf("technician snapshot holds %q", p)
		}
	}
	if !strings.Contains(w.Body.String(), `"outcome":"referred"`) {
		t.Errorf("recent transactions: %s", w.Body.String())
	}

	w = f.do(t, req{method: "GET", path: "/api/tech/preview", cookie: c})
	wantStatus(t, w, 200)
	if !strings.HasPrefix(w.Header().Get("Content-Type"), "multipart/x-mixed-replace") {
		t.Errorf("preview content type %q", w.Header().Get("Content-Type"))
	}
}

func TestTechnicianWithoutSimulatorOrPreview(t *testing.T) {
	f := newFixture(t, func(o *ui.Options) { o.Sim = nil })
	w := f.do(t, req{method: "GET", path: "/api/tech", bearer: techToken})
	wantStatus(t, w, 200)
	if strings.Contains(w.Body.String(), `"simulator"`) || !strings.Contains(w.Body.String(), `"preview":false`) {
		t.Errorf("snapshot %s", w.Body.String())
	}
	for _, p := range []string{"present", "card", "fault"} {
		wantStatus(t, f.do(t, req{method: "POST", path: "/api/tech/sim/" + p, bearer: techToken, body: `{}`}), 404)
	}
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/tech/preview", bearer: techToken}), 404)
}

func TestTechnicianEvents(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(f.h)
	t.Cleanup(srv.Close) // after the event streams close (cleanups run last first)
	ev := openSSE(t, srv.URL+"/api/tech/events", map[string]string{"Authorization": "Bearer " + techToken})
	if d := ev.next(t); !strings.Contains(d, `"state":"online"`) {
		t.Fatalf("first event %s", d)
	}
	f.k.Fault("mrz-disconnect")
	if d := ev.next(t); !strings.Contains(d, `"state":"degraded"`) || !strings.Contains(d, "not_found") {
		t.Fatalf("event after fault %s", d)
	}
}

func TestConsolesClosedWithoutToken(t *testing.T) {
	f := newFixture(t, func(o *ui.Options) { o.OfficerToken, o.TechnicianToken, o.Accounts = "", "", nil })
	for _, r := range []req{
		{method: "GET", path: "/officer"},
		{method: "GET", path: "/tech"},
		{method: "GET", path: "/api/officer/referrals"},
		{method: "GET", path: "/api/officer/referrals", bearer: " "},
		{method: "GET", path: "/api/tech"},
		{method: "POST", path: "/api/officer/login", body: `{"account":"B1","password":""}`},
		{method: "POST", path: "/api/tech/login", body: `{"account":"T1","password":""}`},
	} {
		wantStatus(t, f.do(t, r), 503)
	}
	// The traveler screen works without them.
	wantStatus(t, f.do(t, req{method: "GET", path: "/"}), 200)
}

func TestNewNeedsAKiosk(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("ui.New without a Kiosk did not panic")
		}
	}()
	ui.New(ui.Options{})
}

type receiptsStub struct{ r *ui.Receipt }

func (s receiptsStub) LastReceipt() (ui.Receipt, bool) {
	if s.r == nil {
		return ui.Receipt{}, false
	}
	return *s.r, true
}

// The last receipt printed, text and image, for technicians only.
func TestTechnicianLastReceipt(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n...")
	at := time.Date(2026, 12, 7, 9, 41, 0, 0, time.UTC)
	f := newFixture(t, func(o *ui.Options) {
		o.Receipts = receiptsStub{&ui.Receipt{At: at, Text: "ADMITTED\nReference: K7Q-4MZ\n[QR K7Q-4MZ]\n", PNG: png}}
	})
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/tech/receipt.png"}), 401)
	wantStatus(t, f.do(t, req{method: "GET", path: "/api/tech/receipt.png", bearer: officerToken}), 401)
	w := f.do(t, req{method: "GET", path: "/api/tech/receipt.png", bearer: techToken})
	wantStatus(t, w, 200)
	if w.Header().Get("Content-Type") != "image/png" || !bytes.Equal(w.Body.Bytes(), png) {
		t.Fatalf("%q %q", w.Header().Get("Content-Type"), w.Body.Bytes())
	}
	w = f.do(t, req{method: "GET", path: "/api/tech", bearer: techToken})
	var got struct {
		LastReceipt *struct {
			At    time.Time `json:"at"`
			Text  string    `json:"text"`
			Image string    `json:"image"`
		} `json:"lastReceipt"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.LastReceipt == nil || !got.LastReceipt.At.Equal(at) || !strings.Contains(got.LastReceipt.Text, "K7Q-4MZ") ||
		!strings.HasPrefix(got.LastReceipt.Image, "/api/tech/receipt.png?") {
		t.Fatalf("%s", w.Body.String())
	}
	// None printed yet, or no source: no receipt, and 404.
	for _, o := range []func(*ui.Options){func(o *ui.Options) { o.Receipts = receiptsStub{} }, func(o *ui.Options) {}} {
		f := newFixture(t, o)
		wantStatus(t, f.do(t, req{method: "GET", path: "/api/tech/receipt.png", bearer: techToken}), 404)
		if w := f.do(t, req{method: "GET", path: "/api/tech", bearer: techToken}); strings.Contains(w.Body.String(), "lastReceipt") {
			t.Fatalf("%s", w.Body.String())
		}
	}
}
