package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/accounts"
	"github.com/xpt-pilot/xpt-kiosk/agent/config"
	"github.com/xpt-pilot/xpt-kiosk/agent/kiosk"
	"github.com/xpt-pilot/xpt-kiosk/agent/outbox"
	"github.com/xpt-pilot/xpt-kiosk/agent/view"
	"github.com/xpt-pilot/xpt-kiosk/central"
	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
	"github.com/xpt-pilot/xpt-kiosk/internal/embedbroker"
	"github.com/xpt-pilot/xpt-kiosk/ui"
)

// The demo kiosk: a Canadian port of entry, so travelers come US>CA.
const (
	demoKioskID = "demo-yyz-k01"
	// demoCentralUser is the central simulator's account on the embedded
	// broker (its password is made at every start).
	demoCentralUser = "xpt-central"
	demoPort        = "YYZ"
	demoDirection   = "US>CA"
	demoKeyID       = "central-demo"
	demoOfficer     = "officer-demo-token" // API tokens: programs read, never decide
	demoTech        = "technician-demo-token"
)

// The demo's console accounts, made in its data folder at the first start.
var demoAccounts = []struct {
	id, name, password string
	role               accounts.Role
}{
	{"B1234", "Demo Officer", "officer-demo-password", accounts.Officer},
	{"B5678", "Second Officer", "officer2-demo-password", accounts.Officer},
	{"T100", "Demo Technician", "technician-demo-password", accounts.Technician},
	{"S1", "Demo Supervisor", "supervisor-demo-password", accounts.Supervisor},
}

// ensureDemoAccounts adds the demo accounts that are not there yet.
func ensureDemoAccounts(cfg *config.Config) error {
	st, err := accounts.Open(cfg.AccountsFile(), accounts.Options{})
	if err != nil {
		return err
	}
	for _, a := range demoAccounts {
		if _, ok := st.Get(a.id); ok {
			continue
		}
		if err := st.Add(a.id, a.name, a.role, a.password); err != nil {
			return err
		}
	}
	return nil
}

// demoEnv is what --demo runs around the kiosk: an embedded broker, the
// central simulator (publisher, sync server, listener) and the simulated
// readers on pseudo-terminals.
type demoEnv struct {
	dir       string
	broker    *embedbroker.Broker // nil when demoOptions.brokerURL is set
	brokerURL string
	client    *central.Client
	store     *central.Store // the central simulator's
	signer    central.Signer
	records   string // the population's records.jsonl
	ledger    *central.Ledger
	mrzSim    *sim.Sim
	cardSim   *sim.Sim
	// printerSim is the receipt printer; it renders each receipt to
	// var/demo/receipts/ and the technician console shows the last.
	printerSim *sim.Printer
	travelers  []central.Traveler
	// chips are the travelers' passport chips, in the reader's field when
	// presented; chipKinds[i] is traveler i's kind ("" genuine).
	chips     *demoChips
	chipKinds []string
	chipPath  string // how the kiosk reads them
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	published int64
}

func (e *demoEnv) Close() {
	e.cancel()
	e.wg.Wait()
	if e.client != nil {
		e.client.Close()
	}
	if e.mrzSim != nil {
		_ = e.mrzSim.Close()
	}
	if e.cardSim != nil {
		_ = e.cardSim.Close()
	}
	if e.printerSim != nil {
		_ = e.printerSim.Close()
	}
	if e.broker != nil {
		_ = e.broker.Close()
	}
}

// startDemo prepares var/demo (regenerated when its population is not of
// today: the expected outcomes hold for the day they were made) and starts
// everything but the kiosk.
func startDemo(ctx context.Context, dir string, count int, listen string) (*demoEnv, *config.Config, error) {
	return startDemoWith(ctx, demoOptions{dir: dir, count: count, listen: listen, documentTimeout: 90 * time.Second,
		cardTimeout: 15 * time.Second})
}

// demoOptions are the demo's knobs (tests shorten the timeouts).
type demoOptions struct {
	dir, listen                  string
	count                        int
	documentTimeout, cardTimeout time.Duration
	logLevel                     string
	// Tests: brokerURL replaces the embedded broker (a Mosquitto), and
	// noPublish leaves the central simulator's store empty, for the test
	// to publish the population itself.
	brokerURL string
	noPublish bool
	// inProcessChip: the in-process chip even when a pcscd with vpcd runs
	// (tests: the machine's pcscd is shared).
	inProcessChip bool
}

func startDemoWith(ctx context.Context, o demoOptions) (*demoEnv, *config.Config, error) {
	dir, count, listen := o.dir, o.count, o.listen
	if o.logLevel == "" {
		o.logLevel = "info"
	}
	today := time.Now().UTC().Format("2006-01-02")
	stamp := filepath.Join(dir, "population-date")
	if b, err := os.ReadFile(stamp); err != nil || strings.TrimSpace(string(b)) != today {
		if err := os.RemoveAll(dir); err != nil {
			return nil, nil, err
		}
	}
	cdir := filepath.Join(dir, "central")
	if err := os.MkdirAll(cdir, 0o700); err != nil {
		return nil, nil, err
	}
	dctx, cancel := context.WithCancel(ctx)
	env := &demoEnv{dir: dir, cancel: cancel}
	fail := func(err error) (*demoEnv, *config.Config, error) {
		env.Close()
		return nil, nil, err
	}

	// The central system's signing key.
	keyPath := filepath.Join(cdir, demoKeyID+".key")
	signer, err := central.LoadSigner(keyPath)
	if err != nil {
		if signer, err = central.GenerateSigner(demoKeyID, nil); err != nil {
			return fail(err)
		}
		if _, err := central.WriteKeyFiles(cdir, signer); err != nil {
			return fail(err)
		}
	}

	// The population: records for the central system, travelers for the simulators.
	recPath, travPath := filepath.Join(cdir, "records.jsonl"), filepath.Join(cdir, "travelers.jsonl")
	if _, err := os.Stat(travPath); err != nil {
		var recs, travs bytes.Buffer
		if _, err := central.GeneratePopulation(central.PopulationOptions{Count: count, Seed: 20261127,
			Today: time.Now().UTC(), Signer: &signer}, &recs, &travs); err != nil {
			return fail(fmt.Errorf("population: %w", err))
		}
		if err := os.WriteFile(recPath, recs.Bytes(), 0o600); err != nil {
			return fail(err)
		}
		if err := os.WriteFile(travPath, travs.Bytes(), 0o600); err != nil {
			return fail(err)
		}
		if err := os.WriteFile(stamp, []byte(today+"\n"), 0o600); err != nil {
			return fail(err)
		}
	}
	if env.travelers, err = readTravelers(travPath); err != nil {
		return fail(err)
	}
	if env.travelers, env.chipKinds, err = addChipTravelers(env.travelers); err != nil {
		return fail(err)
	}
	if env.chips, err = newDemoChips(filepath.Join(dir, "csca"), env.travelers); err != nil {
		return fail(fmt.Errorf("demo chips: %w", err))
	}
	// The real PC/SC path when this machine runs pcscd with vsmartcard's
	// virtual reader; else the kiosk reads the chips in process.
	if !o.inProcessChip && env.chips.usePCSC(dctx) {
		env.chipPath = "pcscd, reader " + env.chips.reader + " (vsmartcard-vpcd), chips emulated by cardsim"
	} else {
		env.chipPath = "in-process emulated chip (no pcscd with vsmartcard-vpcd running; docs/chip.md)"
	}

	// The broker, on a free loopback port (a system Mosquitto may hold 1883).
	// The embedded broker takes only its two accounts, with passwords made
	// at every start: the central simulator (every topic) and the kiosk
	// (its own topics), so that an anonymous client can publish nothing,
	// least of all an officer decision.
	env.brokerURL = o.brokerURL
	var centralUser, centralPass, kioskMQTT string
	if env.brokerURL == "" {
		centralUser, centralPass = demoCentralUser, randomSecret()
		kioskPass := randomSecret()
		pwFile := filepath.Join(dir, "mqtt.password")
		if err := os.WriteFile(pwFile, []byte(kioskPass+"\n"), 0o600); err != nil {
			return fail(err)
		}
		if err := os.WriteFile(filepath.Join(cdir, "mqtt.password"), []byte(centralPass+"\n"), 0o600); err != nil {
			return fail(err)
		}
		kioskMQTT = fmt.Sprintf("username = %q\npasswordFile = %q\n", demoKioskID, pwFile)
		env.broker, err = embedbroker.Start(embedbroker.Options{Addr: "127.0.0.1:0", Users: []embedbroker.User{
			{Name: centralUser, Password: centralPass}, {Name: demoKioskID, Password: kioskPass, Kiosk: demoKioskID}}})
		if err != nil {
			return fail(fmt.Errorf("embedded broker: %w", err))
		}
		env.brokerURL = env.broker.URL()
	}
	env.client, err = central.Connect(dctx, central.MQTTOptions{Broker: env.brokerURL, Role: "demo", Username: centralUser, Password: centralPass})
	if err != nil {
		return fail(fmt.Errorf("central simulator: %w", err))
	}
	store, err := central.OpenStore(filepath.Join(cdir, "state"))
	if err != nil {
		return fail(err)
	}
	env.store, env.signer, env.records = store, signer, recPath
	switch {
	case o.noPublish:
	case store.State().Seq == 0:
		f, err := os.Open(recPath)
		if err != nil {
			return fail(err)
		}
		res, err := central.Publish(dctx, store, signer, f, env.client, central.PublishOptions{})
		f.Close()
		if err != nil {
			return fail(fmt.Errorf("publishing the population: %w", err))
		}
		env.published = res.Records
	default:
		if err := central.RepublishHead(store, env.client); err != nil {
			return fail(err)
		}
	}
	// The sync server answers the kiosk's SyncRequests; the listener plays
	// the central system's event consumer, with its gap and duplicate checks.
	quiet := slog.New(slog.DiscardHandler)
	env.ledger = central.NewLedger()
	srv := &central.SyncServer{Store: store, Broker: env.client, Logger: quiet}
	ln := &central.Listener{Broker: env.client, Ledger: env.ledger, Logger: quiet}
	for _, f := range []func(context.Context) error{srv.Serve, ln.Run} {
		env.wg.Add(1)
		go func(f func(context.Context) error) {
			defer env.wg.Done()
			_ = f(dctx)
		}(f)
	}

	// The readers, on pseudo-terminals, opened by the kiosk's real drivers.
	var docs [][]string
	for _, t := range env.travelers {
		if len(t.MRZ) > 0 {
			docs = append(docs, t.MRZ)
		}
	}
	if env.mrzSim, err = sim.New(sim.Options{Kind: sim.KindMRZ, Profile: "desko", Baud: 115200, Documents: docs,
		Link: filepath.Join(dir, "mrz-reader.tty")}); err != nil {
		return fail(fmt.Errorf("MRZ reader simulator: %w", err))
	}
	if env.cardSim, err = sim.New(sim.Options{Kind: sim.KindCard, Profile: "em4100",
		Link: filepath.Join(dir, "card-reader.tty")}); err != nil {
		return fail(fmt.Errorf("card reader simulator: %w", err))
	}
	if env.printerSim, err = sim.NewPrinter(sim.PrinterOptions{Link: filepath.Join(dir, "printer.tty"),
		Dir: filepath.Join(dir, "receipts")}); err != nil {
		return fail(fmt.Errorf("receipt printer simulator: %w", err))
	}

	cameraTOML, err := demoCameraTOML(dir)
	if err != nil {
		return fail(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "spool"), 0o700); err != nil {
		return fail(err)
	}
	// The storage key (it seals the outbox, the replica and the spool),
	// beside the data folder, not in it; made once.
	if _, err := os.Stat(filepath.Join(dir, "storage.key")); errors.Is(err, os.ErrNotExist) {
		if err := os.WriteFile(filepath.Join(dir, "storage.key"), outbox.NewKey(), 0o400); err != nil {
			return fail(err)
		}
	}
	// The kiosk's configuration, written where a technician can read it.
	if listen == "" {
		listen = "127.0.0.1:8080"
	}
	toml := fmt.Sprintf(`# Written by xpt-kiosk run --demo; regenerated at every start.
[kiosk]
id = %q
portCode = %q
direction = %q
dataDir = "kiosk"

[trust.keys]
%q = %q

[mqtt]
broker = %q
%stelemetryInterval = "10s"
backoffMin = "200ms"
backoffMax = "5s"

[storage]
keyFile = "storage.key"

[log]
level = %q

[policy]
maxStaleness = "24h"
documentTimeout = %q
cardTimeout = %q

[devices.mrzReader]
port = %q
baud = 115200
profile = "desko"

[devices.cardReader]
port = %q
baud = 9600
profile = "em4100"

[devices.printer]
enabled = true
port = %q
baud = 115200
profile = "escpos"
paperWidth = 80

%s
[devices.chip]
enabled = true
cscaDir = "csca"
timeout = "4s"

[devices.scanner]
enabled = true
spoolDir = "spool"

[ui]
listen = %q
officerToken = %q
technicianToken = %q
`, demoKioskID, demoPort, demoDirection, demoKeyID, signer.PublicBase64(), env.brokerURL, kioskMQTT,
		o.logLevel, o.documentTimeout.String(), o.cardTimeout.String(),
		env.mrzSim.Path(), env.cardSim.Path(), env.printerSim.Path(), cameraTOML, listen, demoOfficer, demoTech)
	cfgPath := filepath.Join(dir, "kiosk.toml")
	if err := os.WriteFile(cfgPath, []byte(toml), 0o600); err != nil {
		return fail(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return fail(fmt.Errorf("demo configuration: %w", err))
	}
	if err := ensureDemoAccounts(cfg); err != nil {
		return fail(fmt.Errorf("demo accounts: %w", err))
	}
	return env, cfg, nil
}

func readTravelers(path string) ([]central.Traveler, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []central.Traveler
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var t central.Traveler
		if err := json.Unmarshal(sc.Bytes(), &t); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, t)
	}
	return out, sc.Err()
}

func (e *demoEnv) printIntro(w io.Writer, cfg *config.Config) {
	fmt.Fprintf(w, "\nDemo (data in %s, configuration %s):\n", e.dir, filepath.Join(e.dir, "kiosk.toml"))
	fmt.Fprintf(w, "  console accounts (%s):\n", cfg.AccountsFile())
	for _, a := range demoAccounts {
		fmt.Fprintf(w, "    %-6s %-11s password %s\n", a.id, a.role, a.password)
	}
	fmt.Fprintf(w, "  API tokens (read only for the officer's): officer %s, technician %s\n", cfg.UI.OfficerToken, cfg.UI.TechnicianToken)
	if e.broker != nil {
		fmt.Fprintf(w, "  embedded broker:     %s (user %s, password in %s; anonymous clients are refused)\n",
			e.brokerURL, demoCentralUser, filepath.Join(e.dir, "central", "mqtt.password"))
	} else {
		fmt.Fprintf(w, "  broker:              %s\n", e.brokerURL)
	}
	fmt.Fprintf(w, "  MRZ reader (desko):  %s\n  card reader (em4100): %s\n", e.mrzSim.Path(), e.cardSim.Path())
	fmt.Fprintf(w, "  receipt printer (ESC/POS): %s (receipts rendered to %s)\n", e.printerSim.Path(), filepath.Join(e.dir, "receipts"))
	fmt.Fprintf(w, "  camera (file source): %s\n", filepath.Join(e.dir, "face.png"))
	fmt.Fprintf(w, "  passport chips:      %s; demo CSCAs in %s\n", e.chipPath, filepath.Join(e.dir, "csca"))
	fmt.Fprintf(w, "  scanner spool:       %s (drop a letter from 'xpt-kiosk central letter --key %s --records %s ...')\n",
		filepath.Join(e.dir, "spool"), filepath.Join(e.dir, "central", demoKeyID+".key"), filepath.Join(e.dir, "central", "records.jsonl"))
	fmt.Fprintf(w, "  %d demo travelers; present them from the technician console's simulator panel.\n", len(e.travelers))
	fmt.Fprintf(w, "Stop with Ctrl-C.\n")
}

// demoSim is the technician console's simulator panel.
type demoSim struct {
	e *demoEnv
	k *kiosk.Kiosk
}

func (e *demoEnv) simulator(k *kiosk.Kiosk) ui.Simulator { return &demoSim{e: e, k: k} }

func (d *demoSim) Travelers() []ui.SimTraveler {
	out := make([]ui.SimTraveler, 0, len(d.e.travelers))
	for _, t := range d.e.travelers {
		exp := t.Expect[demoDirection]
		label := t.DisplayName
		if t.Scenario != "" && t.Scenario != "admit" {
			label += " (" + t.Scenario + ")"
		}
		out = append(out, ui.SimTraveler{Label: label, Expected: exp.Outcome, Reasons: exp.Reasons, HasCard: t.Card != nil})
	}
	return out
}

// randomSecret is a 128-bit random password, hex.
func randomSecret() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return hex.EncodeToString(b)
}

// endOutcome acknowledges an outcome still on the screen and waits for the
// welcome screen.
func (d *demoSim) endOutcome() error {
	showsOutcome := func() bool {
		sc := d.k.Traveler().Screen
		return sc == view.ScreenAdmitted || sc == view.ScreenReferred || sc == view.ScreenAborted
	}
	if !showsOutcome() {
		return nil
	}
	if err := d.k.Finish(); err != nil {
		return err
	}
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if !showsOutcome() {
			return nil
		}
	}
	return errors.New("the previous traveler's outcome did not close")
}

func (d *demoSim) Present(i int, withCard bool) error {
	if i < 0 || i >= len(d.e.travelers) {
		return fmt.Errorf("no demo traveler %d", i)
	}
	t := d.e.travelers[i]
	// The previous traveler leaves first: a card tapped while their outcome
	// still shows would belong to their session and be dropped.
	if err := d.endOutcome(); err != nil {
		return err
	}
	// The traveler taps the card and shows the letter first, then puts the
	// passport on the reader; the pause lets the card reader report the tap
	// before the passport starts the session.
	if withCard && t.Card != nil {
		if err := d.e.cardSim.PresentCard(t.Card.Tag, 0, sim.Faults{}); err != nil {
			return err
		}
	}
	if t.Letter != "" {
		if err := d.k.Letter(t.Letter); err != nil {
			return err
		}
	}
	if (withCard && t.Card != nil) || t.Letter != "" {
		time.Sleep(400 * time.Millisecond)
	}
	if len(t.MRZ) == 0 {
		// An unreadable document: the reader sends half a frame and falls
		// silent (a misread: the screen asks to place it again), and the
		// kiosk times out with MRZ_UNREADABLE. Noise alone is no
		// presentation: a session with nothing read is aborted instead.
		_ = d.k.Start("")
		frame, err := sim.EncodeMRZ(d.e.mrzSim.Profile(), sim.Specimens[0])
		if err != nil {
			return err
		}
		_, err = d.e.mrzSim.Send(frame[:len(frame)/2])
		return err
	}
	// The passport's chip comes into the reader's field with it.
	if err := d.e.chips.present(t.MRZ, d.e.chipKinds[i]); err != nil {
		return err
	}
	_, err := d.e.mrzSim.PresentDocument(t.MRZ, sim.Faults{})
	return err
}

func (d *demoSim) PresentCard(tag string) error {
	return d.e.cardSim.PresentCard(tag, 0, sim.Faults{})
}

func (d *demoSim) Fault(kind string) error {
	switch kind {
	case "mrz-disconnect", "card-disconnect":
		s := d.e.mrzSim
		if kind == "card-disconnect" {
			s = d.e.cardSim
		}
		if err := s.Disconnect(); err != nil {
			return err
		}
		go func() {
			time.Sleep(5 * time.Second)
			_ = s.Reconnect()
		}()
		return nil
	case "mrz-noise":
		return d.e.mrzSim.Noise(128)
	case "card-noise":
		return d.e.cardSim.Noise(128)
	}
	if cmd, ok := printerFaults[kind]; ok && d.e.printerSim != nil {
		p := d.e.printerSim
		if _, err := p.Exec(cmd); err != nil {
			return err
		}
		switch kind {
		case "printer-unplug": // plugged back after 5 s, like the readers
			go func() {
				time.Sleep(5 * time.Second)
				_ = p.Reconnect()
			}()
		case "printer-ok":
			return p.Reconnect()
		}
		return nil
	}
	return errors.New("unknown fault: want one of " + strings.Join(d.Faults(), ", "))
}

// printerFaults are the simulated printer's faults the technician console
// offers, as simulator commands.
var printerFaults = map[string]string{
	"printer-paper-out": "paper out", "printer-paper-low": "paper low", "printer-cover-open": "cover open",
	"printer-offline": "offline", "printer-unplug": "disconnect", "printer-ok": "ok",
}

// Faults are the faults the simulator panel offers.
func (d *demoSim) Faults() []string {
	out := append([]string(nil), ui.DefaultFaults...)
	if d.e.printerSim != nil {
		out = append(out, "printer-paper-out", "printer-paper-low", "printer-cover-open", "printer-offline", "printer-unplug", "printer-ok")
	}
	return out
}
