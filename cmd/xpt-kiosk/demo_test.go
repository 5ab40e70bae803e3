package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/xpt-pilot/xpt-kiosk/agent/audit"
	"github.com/xpt-pilot/xpt-kiosk/agent/config"
	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/central"
	"github.com/xpt-pilot/xpt-kiosk/internal/demo"
	"github.com/xpt-pilot/xpt-kiosk/internal/logbuf"
	"github.com/xpt-pilot/xpt-kiosk/ui"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// TestDemoEndToEnd runs the whole kiosk as `run --demo` does: embedded
// broker, central simulator, pty readers opened by the real drivers, and
// walks every demo traveler through the technician console's simulator,
// comparing each outcome and its reasons with what the central simulator
// expects. Then it checks that the central listener received every event,
// gap-free, and that an officer's decision is reported.
func TestDemoEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end demo run")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	k := startTestKiosk(t, ctx, demo.Options{})
	env, base, c := k.env, k.base, k.c

	// The replica syncs from the central simulator first.
	waitFor(t, 15*time.Second, "replica sync", func() bool {
		var tech view.Technician
		c.get("/api/tech", &tech)
		return tech.Authz.Records > 0 && tech.Broker.Connected
	})

	presented, referred, seen := presentAll(t, c, &k.logs)
	presented += checkReceipts(t, c, env)
	for _, r := range []string{"MRZ_UNREADABLE", "MRZ_INVALID", "DOC_EXPIRED", "NOT_AUTHORIZED", "HOLDER_MISMATCH",
		"AUTH_SUSPENDED", "AUTH_REVOKED", "AUTH_NOT_YET_VALID", "AUTH_EXPIRED", "DIRECTION_NOT_ALLOWED",
		"CARD_MISSING", "CARD_MISMATCH", "PREAPPROVAL_INVALID",
		"CHIP_UNREADABLE", "CHIP_MRZ_MISMATCH", "CHIP_INVALID", "CHIP_UNTRUSTED"} {
		if !seen[r] {
			t.Errorf("no demo traveler was referred for %s", r)
		}
	}

	// An officer decides the first referral, signed in with the account:
	// the API token reads the queue but may not decide.
	o := &apiClient{t: t, base: base, token: demo.OfficerToken}
	var queue struct {
		Referrals []view.Referral `json:"referrals"`
	}
	o.get("/api/officer/referrals", &queue)
	if len(queue.Referrals) > 0 {
		o.post("/api/officer/referrals/"+queue.Referrals[0].ReferralID+"/decision", map[string]any{"decision": "admit"}, 403)
	}
	o.signIn("officer", "B1234", "officer-demo-password")
	refs := queue.Referrals
	if len(refs) != referred {
		t.Errorf("%d referrals open, want %d", len(refs), referred)
	}
	if len(refs) > 0 {
		o.post("/api/officer/referrals/"+refs[0].ReferralID+"/decision",
			map[string]any{"decision": "admit", "note": "checked the letter by phone"}, 0)
	}

	// The embedded broker refuses anonymous clients; an unsigned or forged
	// decision sent by an authenticated one is refused and counted; a
	// signed one decides, audited with its officer.
	decided := min(len(refs), 1)
	anon := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(env.BrokerURL).SetClientID("anon").SetAutoReconnect(false).SetConnectRetry(false))
	if tok := anon.Connect(); tok.WaitTimeout(5*time.Second) && tok.Error() == nil {
		anon.Disconnect(50)
		t.Error("the demo broker let an anonymous client in")
	}
	if len(refs) > 1 {
		d := wire.OfficerDecision{ReferralID: refs[1].ReferralID, KioskID: demo.KioskID, OfficerID: "nobody", Decision: wire.DecisionAdmit,
			At: wire.FormatTime(time.Now())}
		plain, _ := json.Marshal(d)
		if err := env.Client.Publish(wire.DecisionTopic(demo.Port, d.ReferralID), 1, false, plain); err != nil {
			t.Fatal(err)
		}
		forger, _ := central.GenerateSigner(demo.KeyID, nil)
		if _, err := central.SendDecision(env.Client, forger, demo.Port, d); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "forged decisions refused", func() bool {
			var tech view.Technician
			c.get("/api/tech", &tech)
			return tech.Counters["rejected_unsigned"] == 1 && tech.Counters["rejected_bad_signature"] == 1
		})
		d.OfficerID = "O-55"
		if _, err := central.SendDecision(env.Client, env.Signer, demo.Port, d); err != nil {
			t.Fatal(err)
		}
		decided++
		waitFor(t, 10*time.Second, "signed decision applied", func() bool {
			o.get("/api/officer/referrals", &queue)
			for _, r := range queue.Referrals {
				if r.ReferralID == d.ReferralID {
					return r.Decision == "admit" && r.DecidedBy == "O-55"
				}
			}
			return false
		})
	}

	// Every event reached the central listener, in a gap-free sequence.
	waitFor(t, 20*time.Second, "events delivered", func() bool {
		rep := env.Ledger.Report()
		k, ok := rep.Kiosk(demo.KioskID)
		return ok && rep.OK && k.Types["transaction.completed"] == presented && k.Types["referral.opened"] == referred &&
			k.Types["referral.decided"] == decided
	})
	rep := env.Ledger.Report()
	if !rep.OK || rep.Conflicts > 0 {
		var b strings.Builder
		rep.WriteText(&b)
		t.Fatalf("central ledger:\n%s", b.String())
	}
	stopAgent(t, cancel, k.done, &k.logs)
	// The audit log names the officer of the console decision, and holds
	// the sign-in, the API token's refused decision aside.
	checkConsoleAudit(t, filepath.Join(env.Dir, "kiosk", "audit.log"))
	// Nothing the agent wrote (replica, outbox, audit log, link state) is
	// readable by anyone but the kiosk's user.
	filepath.WalkDir(filepath.Join(env.Dir, "kiosk"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if info, err := d.Info(); err == nil && info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is %v: readable by others", path, info.Mode().Perm())
		}
		return nil
	})
}

// checkReceipts: every admitted and referred demo traveler got a receipt
// on the simulated printer, rendered to var/demo/receipts with its
// reference as text and as a QR code, and no personal data; out of paper,
// the printer is a fault on the technician console while a traveler is
// still admitted. It returns how many more travelers it presented.
func checkReceipts(t *testing.T, c *apiClient, env *demo.Env) int {
	t.Helper()
	var tech struct {
		view.Technician
		LastReceipt *struct {
			Text  string `json:"text"`
			Image string `json:"image"`
		} `json:"lastReceipt"`
		Simulator struct {
			Travelers []ui.SimTraveler `json:"travelers"`
		} `json:"simulator"`
	}
	n := len(env.Travelers)
	waitFor(t, 10*time.Second, "every receipt printed", func() bool {
		c.get("/api/tech", &tech)
		return tech.Receipts != nil && tech.Receipts.Printed+tech.Receipts.Failed >= int64(n)
	})
	if tech.Receipts.Printed != int64(n) || tech.LastReceipt == nil || tech.LastReceipt.Image == "" {
		t.Fatalf("receipts %+v, last %+v", tech.Receipts, tech.LastReceipt)
	}
	last, ok := env.PrinterSim.Last()
	if !ok {
		t.Fatal("the simulated printer printed nothing")
	}
	ref := regexp.MustCompile(`Reference: ([0-9A-Z]{3}-[0-9A-Z]{3})`).FindStringSubmatch(last.Text)
	if ref == nil || !strings.Contains(last.Text, "[QR "+ref[1]+"]") || !strings.Contains(tech.LastReceipt.Text, ref[1]) {
		t.Fatalf("last receipt:\n%s", last.Text)
	}
	img, err := png.Decode(bytes.NewReader(last.PNG))
	if err != nil {
		t.Fatal(err)
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil || res.GetText() != ref[1] {
		t.Fatalf("the receipt's QR code: %v %v", res, err)
	}
	files, _ := filepath.Glob(filepath.Join(env.Dir, "receipts", "receipt-*.txt"))
	if len(files) == 0 {
		t.Fatal("no receipt rendered to var/demo/receipts")
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, tr := range env.Travelers {
			for _, w := range strings.Fields(tr.DisplayName) {
				if len(w) > 3 && strings.Contains(strings.ToUpper(string(b)), strings.ToUpper(w)) {
					t.Errorf("%s names the traveler (%q):\n%s", f, w, b)
				}
			}
			if len(tr.MRZ) > 1 && strings.Contains(string(b), tr.MRZ[1][:9]) {
				t.Errorf("%s holds a document number", f)
			}
		}
	}
	// Out of paper: a fault on the console, never a referral.
	admitted := slices.IndexFunc(tech.Simulator.Travelers, func(tr ui.SimTraveler) bool { return tr.Expected == "admitted" && !tr.HasCard })
	if admitted < 0 {
		t.Fatal("no admitted demo traveler without a card")
	}
	c.post("/api/tech/sim/fault", map[string]any{"kind": "printer-paper-out"}, http.StatusNoContent)
	printer := func() view.Device {
		c.get("/api/tech", &tech)
		for _, d := range tech.Devices {
			if d.Name == "printer" {
				return d
			}
		}
		return view.Device{}
	}
	waitFor(t, 15*time.Second, "printer out of paper", func() bool { return printer().Code == "paper_out" })
	lastTx := tech.Recent[0].ID
	c.post("/api/tech/sim/present", map[string]any{"index": admitted, "withCard": false}, http.StatusNoContent)
	waitFor(t, 20*time.Second, "an outcome without paper", func() bool {
		c.get("/api/tech", &tech)
		return tech.Recent[0].ID != lastTx && tech.Receipts.Failed == 1
	})
	if tx := tech.Recent[0]; tx.Outcome != "admitted" || len(tx.Reasons) != 0 || tech.State != "online" {
		t.Fatalf("without paper: %+v, kiosk %s %v", tx, tech.State, tech.Reasons)
	}
	c.post("/api/tech/sim/fault", map[string]any{"kind": "printer-ok"}, http.StatusNoContent)
	waitFor(t, 15*time.Second, "printer back", func() bool { return printer().State == "ok" })
	return 1
}

// stopAgent stops the agent startAgent started and checks that it ended
// cleanly and that no document number reached its logs above debug level.
func stopAgent(t *testing.T, cancel context.CancelFunc, done chan error, logs *logbuf.Buffer) {
	t.Helper()
	cancel()
	select {
	case err := <-done:
		if err != nil && err != context.Canceled {
			t.Fatalf("agent: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("agent did not stop")
	}
	if strings.Contains(logs.String(), "L898902C3") {
		t.Error("a document number reached the logs above debug level")
	}
}

// testKiosk is a demo environment with the kiosk agent running in it.
type testKiosk struct {
	env  *demo.Env
	base string     // the consoles' URL
	c    *apiClient // as the technician
	done chan error // the agent's result
	logs logbuf.Buffer
}

// startTestKiosk starts the demo environment (forty travelers, short
// device timeouts, o's broker and publishing choices) and the agent in
// it, until ctx ends.
func startTestKiosk(t *testing.T, ctx context.Context, o demo.Options) *testKiosk {
	t.Helper()
	o.Dir, o.Listen, o.Count, o.LogLevel = t.TempDir(), "127.0.0.1:0", 40, "warn"
	o.DocumentTimeout, o.CardTimeout = 3*time.Second, 2*time.Second
	o.InProcessChip = true
	env, cfg, err := demo.StartWith(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	k := &testKiosk{env: env}
	k.base, k.done = startAgent(t, ctx, cfg, env, &k.logs)
	k.c = &apiClient{t: t, base: k.base, token: demo.TechnicianToken}
	return k
}

// startAgent runs the kiosk agent around env until ctx ends; it returns
// the console's base URL once it serves, and the agent's result.
func startAgent(t *testing.T, ctx context.Context, cfg *config.Config, env *demo.Env, logs *logbuf.Buffer) (string, chan error) {
	t.Helper()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- runAgent(ctx, cfg, env, ready, io.Discard, logs) }()
	select {
	case base := <-ready:
		return base, done
	case err := <-done:
		t.Fatalf("agent stopped: %v\n%s", err, logs.String())
	case <-time.After(20 * time.Second):
		t.Fatal("agent not ready")
	}
	return "", nil
}

// presentAll walks every demo traveler through the technician console's
// simulator, with their card, and compares each outcome and its reasons
// with what the central simulator expects. It returns how many were
// presented and referred, and every reason seen.
func presentAll(t *testing.T, c *apiClient, logs *logbuf.Buffer) (int, int, map[string]bool) {
	t.Helper()
	var tech struct {
		Simulator struct {
			Travelers []struct {
				Label    string   `json:"label"`
				Expected string   `json:"expected"`
				Reasons  []string `json:"reasons"`
			} `json:"travelers"`
		} `json:"simulator"`
		Recent []view.Transaction `json:"recent"`
	}
	c.get("/api/tech", &tech)
	travelers := tech.Simulator.Travelers
	if len(travelers) < 25 {
		t.Fatalf("only %d demo travelers", len(travelers))
	}
	referred, seen := 0, map[string]bool{}
	for i, tr := range travelers {
		last := ""
		if len(tech.Recent) > 0 {
			last = tech.Recent[0].ID
		}
		c.post("/api/tech/sim/present", map[string]any{"index": i, "withCard": true}, http.StatusNoContent)
		waitFor(t, 40*time.Second, "outcome of "+tr.Label, func() bool {
			c.get("/api/tech", &tech)
			return len(tech.Recent) > 0 && tech.Recent[0].ID != last
		})
		got := tech.Recent[0]
		if got.Outcome != tr.Expected || !slices.Equal(got.Reasons, tr.Reasons) {
			var faults []string
			for _, line := range strings.Split(logs.String(), "\n") {
				if strings.Contains(line, "fault") {
					faults = append(faults, line)
				}
			}
			t.Errorf("traveler %d %s: got %s %v, want %s %v\ndevice faults logged:\n%s", i, tr.Label, got.Outcome, got.Reasons,
				tr.Expected, tr.Reasons, strings.Join(faults, "\n"))
		}
		for _, r := range got.Reasons {
			seen[r] = true
		}
		if got.Outcome == "referred" {
			referred++
		}
	}
	return len(travelers), referred, seen
}

type apiClient struct {
	t      *testing.T
	base   string
	token  string
	cookie *http.Cookie // a person's session, once signed in
}

// signIn opens a console session with an account; the client then uses it
// instead of the API token.
func (c *apiClient) signIn(console, account, password string) {
	c.t.Helper()
	b, _ := json.Marshal(map[string]string{"account": account, "password": password})
	resp, err := http.Post(c.base+"/api/"+console+"/login", "application/json", bytes.NewReader(b))
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(resp.Cookies()) != 1 {
		c.t.Fatalf("sign-in as %s: %d, cookies %v", account, resp.StatusCode, resp.Cookies())
	}
	c.cookie = resp.Cookies()[0]
}

func (c *apiClient) do(method, path string, body any, want int, out any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if c.cookie != nil {
		req.AddCookie(c.cookie)
	} else {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if (want != 0 && resp.StatusCode != want) || (want == 0 && resp.StatusCode >= 300) {
		c.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
}

func (c *apiClient) get(path string, out any) { c.t.Helper(); c.do("GET", path, nil, 200, out) }
func (c *apiClient) post(path string, body any, want int) {
	c.t.Helper()
	c.do("POST", path, body, want, nil)
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func checkConsoleAudit(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var signIn, decided bool
	audit.Scan(f, func(_ int, rec audit.Record, err error) bool {
		var e audit.Entry
		if err != nil || json.Unmarshal(rec.Entry, &e) != nil {
			t.Errorf("audit record: %v", err)
			return false
		}
		switch {
		case e.Kind == "console.sign-in" && e.Account == "B1234" && e.Console == "officer" && e.Role == "officer" && e.Source == "127.0.0.1":
			signIn = true
		case e.Kind == "referral.decided" && e.Via == "console":
			decided = e.Officer == "B1234"
		}
		return true
	})
	if !signIn || !decided {
		t.Errorf("audit log: officer sign-in %v, console decision by B1234 %v", signIn, decided)
	}
}
