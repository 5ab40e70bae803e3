// Package demo is the single-machine demo that `xpt-kiosk run --demo`
// runs around the kiosk agent: an embedded MQTT broker, a central-system
// simulator publishing a synthetic population of the day (with its sync
// server and event listener), the MRZ reader, card reader and receipt
// printer simulated on pseudo-terminals (opened by the kiosk's real
// drivers), a file camera playing the demo face, the travelers' passport
// chips (emulated, played to pcscd's virtual reader when one runs), the
// scanner spool, the console accounts, and the technician console's
// simulator panel. It writes the kiosk's configuration; cmd runs the
// agent on it. Only cmd imports it.
package demo

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
	"github.com/xpt-pilot/xpt-kiosk/agent/outbox"
	"github.com/xpt-pilot/xpt-kiosk/central"
	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
	"github.com/xpt-pilot/xpt-kiosk/internal/embedbroker"
)

// The demo kiosk: a Canadian port of entry, so travelers come US>CA. Its
// API tokens let programs read the consoles, never decide.
const (
	KioskID = "demo-yyz-k01"
	// centralAccount is the central simulator's account on the embedded
	// broker (its password is made at every start).
	centralAccount  = "xpt-central"
	Port            = "YYZ"
	direction       = "US>CA"
	KeyID           = "central-demo"
	OfficerToken    = "officer-demo-token"
	TechnicianToken = "technician-demo-token"
)

// The demo's console accounts, made in its data folder at the first start.
var consoleAccounts = []struct {
	id, name, password string
	role               accounts.Role
}{
	{"B1234", "Demo Officer", "officer-demo-password", accounts.Officer},
	{"B5678", "Second Officer", "officer2-demo-password", accounts.Officer},
	{"T100", "Demo Technician", "technician-demo-password", accounts.Technician},
	{"S1", "Demo Supervisor", "supervisor-demo-password", accounts.Supervisor},
}

// ensureAccounts adds the demo accounts that are not there yet.
func ensureAccounts(cfg *config.Config) error {
	st, err := accounts.Open(cfg.AccountsFile(), accounts.Options{})
	if err != nil {
		return err
	}
	for _, a := range consoleAccounts {
		if _, ok := st.Get(a.id); ok {
			continue
		}
		if err := st.Add(a.id, a.name, a.role, a.password); err != nil {
			return err
		}
	}
	return nil
}

// Env is what --demo runs around the kiosk: an embedded broker, the
// central simulator (publisher, sync server, listener) and the simulated
// readers on pseudo-terminals. Its fields are for the caller to read (the
// tests drive the central simulator and the devices through them).
type Env struct {
	Dir       string
	broker    *embedbroker.Broker // nil when Options.BrokerURL is set
	BrokerURL string
	Client    *central.Client
	Store     *central.Store // the central simulator's
	Signer    central.Signer
	Records   string // the population's records.jsonl
	Ledger    *central.Ledger
	MRZSim    *sim.Sim
	CardSim   *sim.Sim
	// PrinterSim is the receipt printer; it renders each receipt to
	// var/demo/receipts/ and the technician console shows the last.
	PrinterSim *sim.Printer
	Travelers  []central.Traveler
	// chips are the travelers' passport chips, in the reader's field when
	// presented; chipKinds[i] is traveler i's kind ("" genuine).
	chips     *Chips
	chipKinds []string
	chipPath  string // how the kiosk reads them
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	published int64
}

func (e *Env) Close() {
	e.cancel()
	e.wg.Wait()
	if e.Client != nil {
		e.Client.Close()
	}
	if e.MRZSim != nil {
		_ = e.MRZSim.Close()
	}
	if e.CardSim != nil {
		_ = e.CardSim.Close()
	}
	if e.PrinterSim != nil {
		_ = e.PrinterSim.Close()
	}
	if e.broker != nil {
		_ = e.broker.Close()
	}
}

// Start prepares var/demo (regenerated when its population is not of
// today: the expected outcomes hold for the day they were made) and starts
// everything but the kiosk.
func Start(ctx context.Context, dir string, count int, listen string) (*Env, *config.Config, error) {
	return StartWith(ctx, Options{Dir: dir, Count: count, Listen: listen, DocumentTimeout: 90 * time.Second,
		CardTimeout: 15 * time.Second})
}

// Options are the demo's knobs (tests shorten the timeouts).
type Options struct {
	Dir, Listen                  string
	Count                        int
	DocumentTimeout, CardTimeout time.Duration
	LogLevel                     string
	// Tests: BrokerURL replaces the embedded broker (a Mosquitto), and
	// NoPublish leaves the central simulator's store empty, for the test
	// to publish the population itself.
	BrokerURL string
	NoPublish bool
	// InProcessChip: the in-process chip even when a pcscd with vpcd runs
	// (tests: the machine's pcscd is shared).
	InProcessChip bool
}

// StartWith is Start with every knob of the demo.
func StartWith(ctx context.Context, o Options) (*Env, *config.Config, error) {
	dir, count, listen := o.Dir, o.Count, o.Listen
	if o.LogLevel == "" {
		o.LogLevel = "info"
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
	env := &Env{Dir: dir, cancel: cancel}
	fail := func(err error) (*Env, *config.Config, error) {
		env.Close()
		return nil, nil, err
	}

	// The central system's signing key.
	keyPath := filepath.Join(cdir, KeyID+".key")
	signer, err := central.LoadSigner(keyPath)
	if err != nil {
		if signer, err = central.GenerateSigner(KeyID, nil); err != nil {
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
	if env.Travelers, err = readTravelers(travPath); err != nil {
		return fail(err)
	}
	if env.Travelers, env.chipKinds, err = addChipTravelers(env.Travelers); err != nil {
		return fail(err)
	}
	if env.chips, err = NewChips(filepath.Join(dir, "csca"), env.Travelers); err != nil {
		return fail(fmt.Errorf("demo chips: %w", err))
	}
	// The real PC/SC path when this machine runs pcscd with vsmartcard's
	// virtual reader; else the kiosk reads the chips in process.
	if !o.InProcessChip && env.chips.usePCSC(dctx) {
		env.chipPath = "pcscd, reader " + env.chips.reader + " (vsmartcard-vpcd), chips emulated by cardsim"
	} else {
		env.chipPath = "in-process emulated chip (no pcscd with vsmartcard-vpcd running; docs/chip.md)"
	}

	// The broker, on a free loopback port (a system Mosquitto may hold 1883).
	// The embedded broker takes only its two accounts, with passwords made
	// at every start: the central simulator (every topic) and the kiosk
	// (its own topics), so that an anonymous client can publish nothing,
	// least of all an officer decision.
	env.BrokerURL = o.BrokerURL
	var centralUser, centralPass, kioskMQTT string
	if env.BrokerURL == "" {
		centralUser, centralPass = centralAccount, randomSecret()
		kioskPass := randomSecret()
		pwFile := filepath.Join(dir, "mqtt.password")
		if err := os.WriteFile(pwFile, []byte(kioskPass+"\n"), 0o600); err != nil {
			return fail(err)
		}
		if err := os.WriteFile(filepath.Join(cdir, "mqtt.password"), []byte(centralPass+"\n"), 0o600); err != nil {
			return fail(err)
		}
		kioskMQTT = fmt.Sprintf("username = %q\npasswordFile = %q\n", KioskID, pwFile)
		env.broker, err = embedbroker.Start(embedbroker.Options{Addr: "127.0.0.1:0", Users: []embedbroker.User{
			{Name: centralUser, Password: centralPass}, {Name: KioskID, Password: kioskPass, Kiosk: KioskID}}})
		if err != nil {
			return fail(fmt.Errorf("embedded broker: %w", err))
		}
		env.BrokerURL = env.broker.URL()
	}
	env.Client, err = central.Connect(dctx, central.MQTTOptions{Broker: env.BrokerURL, Role: "demo", Username: centralUser, Password: centralPass})
	if err != nil {
		return fail(fmt.Errorf("central simulator: %w", err))
	}
	store, err := central.OpenStore(filepath.Join(cdir, "state"))
	if err != nil {
		return fail(err)
	}
	env.Store, env.Signer, env.Records = store, signer, recPath
	switch {
	case o.NoPublish:
	case store.State().Seq == 0:
		f, err := os.Open(recPath)
		if err != nil {
			return fail(err)
		}
		res, err := central.Publish(dctx, store, signer, f, env.Client, central.PublishOptions{})
		f.Close()
		if err != nil {
			return fail(fmt.Errorf("publishing the population: %w", err))
		}
		env.published = res.Records
	default:
		if err := central.RepublishHead(store, env.Client); err != nil {
			return fail(err)
		}
	}
	// The sync server answers the kiosk's SyncRequests; the listener plays
	// the central system's event consumer, with its gap and duplicate checks.
	quiet := slog.New(slog.DiscardHandler)
	env.Ledger = central.NewLedger()
	srv := &central.SyncServer{Store: store, Broker: env.Client, Logger: quiet}
	ln := &central.Listener{Broker: env.Client, Ledger: env.Ledger, Logger: quiet}
	for _, f := range []func(context.Context) error{srv.Serve, ln.Run} {
		env.wg.Add(1)
		go func(f func(context.Context) error) {
			defer env.wg.Done()
			_ = f(dctx)
		}(f)
	}

	// The readers, on pseudo-terminals, opened by the kiosk's real drivers.
	var docs [][]string
	for _, t := range env.Travelers {
		if len(t.MRZ) > 0 {
			docs = append(docs, t.MRZ)
		}
	}
	if env.MRZSim, err = sim.New(sim.Options{Kind: sim.KindMRZ, Profile: "desko", Baud: 115200, Documents: docs,
		Link: filepath.Join(dir, "mrz-reader.tty")}); err != nil {
		return fail(fmt.Errorf("MRZ reader simulator: %w", err))
	}
	if env.CardSim, err = sim.New(sim.Options{Kind: sim.KindCard, Profile: "em4100",
		Link: filepath.Join(dir, "card-reader.tty")}); err != nil {
		return fail(fmt.Errorf("card reader simulator: %w", err))
	}
	if env.PrinterSim, err = sim.NewPrinter(sim.PrinterOptions{Link: filepath.Join(dir, "printer.tty"),
		Dir: filepath.Join(dir, "receipts")}); err != nil {
		return fail(fmt.Errorf("receipt printer simulator: %w", err))
	}

	cameraTOML, err := CameraTOML(dir)
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
`, KioskID, Port, direction, KeyID, signer.PublicBase64(), env.BrokerURL, kioskMQTT,
		o.LogLevel, o.DocumentTimeout.String(), o.CardTimeout.String(),
		env.MRZSim.Path(), env.CardSim.Path(), env.PrinterSim.Path(), cameraTOML, listen, OfficerToken, TechnicianToken)
	cfgPath := filepath.Join(dir, "kiosk.toml")
	if err := os.WriteFile(cfgPath, []byte(toml), 0o600); err != nil {
		return fail(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return fail(fmt.Errorf("demo configuration: %w", err))
	}
	if err := ensureAccounts(cfg); err != nil {
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

// PrintIntro says where the demo's pieces are and how to sign in.
func (e *Env) PrintIntro(w io.Writer, cfg *config.Config) {
	fmt.Fprintf(w, "\nDemo (data in %s, configuration %s):\n", e.Dir, filepath.Join(e.Dir, "kiosk.toml"))
	fmt.Fprintf(w, "  console accounts (%s):\n", cfg.AccountsFile())
	for _, a := range consoleAccounts {
		fmt.Fprintf(w, "    %-6s %-11s password %s\n", a.id, a.role, a.password)
	}
	fmt.Fprintf(w, "  API tokens (read only for the officer's): officer %s, technician %s\n", cfg.UI.OfficerToken, cfg.UI.TechnicianToken)
	if e.broker != nil {
		fmt.Fprintf(w, "  embedded broker:     %s (user %s, password in %s; anonymous clients are refused)\n",
			e.BrokerURL, centralAccount, filepath.Join(e.Dir, "central", "mqtt.password"))
	} else {
		fmt.Fprintf(w, "  broker:              %s\n", e.BrokerURL)
	}
	fmt.Fprintf(w, "  MRZ reader (desko):  %s\n  card reader (em4100): %s\n", e.MRZSim.Path(), e.CardSim.Path())
	fmt.Fprintf(w, "  receipt printer (ESC/POS): %s (receipts rendered to %s)\n", e.PrinterSim.Path(), filepath.Join(e.Dir, "receipts"))
	fmt.Fprintf(w, "  camera (file source): %s\n", filepath.Join(e.Dir, "face.png"))
	fmt.Fprintf(w, "  passport chips:      %s; demo CSCAs in %s\n", e.chipPath, filepath.Join(e.Dir, "csca"))
	fmt.Fprintf(w, "  scanner spool:       %s (drop a letter from 'xpt-kiosk central letter --key %s --records %s ...')\n",
		filepath.Join(e.Dir, "spool"), filepath.Join(e.Dir, "central", KeyID+".key"), filepath.Join(e.Dir, "central", "records.jsonl"))
	fmt.Fprintf(w, "  %d demo travelers; present them from the technician console's simulator panel.\n", len(e.Travelers))
	fmt.Fprintf(w, "Stop with Ctrl-C.\n")
}

// randomSecret is a 128-bit random password, hex.
func randomSecret() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return hex.EncodeToString(b)
}
