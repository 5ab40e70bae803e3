package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/accounts"
	"github.com/xpt-pilot/xpt-kiosk/agent/audit"
	"github.com/xpt-pilot/xpt-kiosk/agent/authz"
	"github.com/xpt-pilot/xpt-kiosk/agent/chipcheck"
	"github.com/xpt-pilot/xpt-kiosk/agent/config"
	"github.com/xpt-pilot/xpt-kiosk/agent/kiosk"
	"github.com/xpt-pilot/xpt-kiosk/agent/link"
	"github.com/xpt-pilot/xpt-kiosk/agent/outbox"
	"github.com/xpt-pilot/xpt-kiosk/agent/session"
	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/cardreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/mrzreader"
	"github.com/xpt-pilot/xpt-kiosk/internal/demo"
	"github.com/xpt-pilot/xpt-kiosk/ui"
)

const runUsage = `Usage: xpt-kiosk run --config FILE
       xpt-kiosk run --demo [--data DIR] [--listen HOST:PORT]

Runs the kiosk agent: the devices, the traveler session and decision, the
authorization replica, the durable event outbox and the MQTT link, and the
three consoles over HTTP (traveler /, officer /officer, technician /tech).

--demo runs everything on this machine with nothing else needed: an
embedded MQTT broker, a central-system simulator publishing a synthetic
population, and simulated MRZ and card readers on pseudo-terminals that the
kiosk opens through its real serial drivers. The technician console's
simulator panel presents the demo travelers.

Flags:
`

func runRun(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("run", runUsage, stderr)
	cfgPath := fs.String("config", "", "the kiosk configuration (TOML; docs/config.md)")
	demoMode := fs.Bool("demo", false, "run the single-machine demo (simulated devices, embedded broker, central simulator)")
	dataDir := fs.String("data", "", "override kiosk.dataDir (demo: var/demo)")
	listen := fs.String("listen", "", "override ui.listen, e.g. 127.0.0.1:8080")
	travelers := fs.Int("travelers", 60, "demo: how many synthetic travelers the central simulator enrols")
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}
	if (*cfgPath == "") == !*demoMode {
		return usageError(fs, "give either --config FILE or --demo")
	}
	ctx, stop := signalContext()
	defer stop()

	var cfg *config.Config
	var env *demo.Env
	var err error
	if *demoMode {
		dir := *dataDir
		if dir == "" {
			dir = filepath.Join("var", "demo")
		}
		env, cfg, err = demo.Start(ctx, dir, *travelers, *listen)
		if err != nil {
			fmt.Fprintf(stderr, "xpt-kiosk run --demo: %v\n", err)
			return exitFail
		}
		defer env.Close()
	} else {
		cfg, err = config.Load(*cfgPath)
		if err != nil {
			fmt.Fprintf(stderr, "xpt-kiosk run: %v\n", err)
			return exitFail
		}
		if *dataDir != "" {
			cfg.Kiosk.DataDir = *dataDir
		}
		if *listen != "" {
			cfg.UI.Listen = *listen
		}
	}
	if err := runAgent(ctx, cfg, env, nil, stdout, stderr); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "xpt-kiosk run: %v\n", err)
		return exitFail
	}
	return exitOK
}

func newLogger(level string, w io.Writer) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// syncProxy lets the replica ask the link for a sync before the link exists.
type syncProxy struct {
	mu sync.Mutex
	l  *link.Link
}

func (p *syncProxy) RequestSync(ctx context.Context, from uint64) error {
	p.mu.Lock()
	l := p.l
	p.mu.Unlock()
	if l == nil {
		return link.ErrNotConnected
	}
	return l.RequestSync(ctx, from)
}

// agentParts is everything runAgent opened, closed in reverse order.
type agentParts struct {
	closers []func() error
}

func (a *agentParts) add(f func() error) { a.closers = append(a.closers, f) }

func (a *agentParts) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		_ = a.closers[i]()
	}
}

// tightenPermissions makes every file under dir 0600 (keeping the owner's
// execute bit off) and every folder 0700, and says how many it changed.
func tightenPermissions(dir string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if info.Mode().Perm()&0o077 == 0 {
			return nil
		}
		n++
		return os.Chmod(path, want)
	})
	return n, err
}

// runAgent wires the kiosk from its configuration and runs it until ctx ends,
// around the demo's environment when env is set. ready, when set, receives
// the consoles' base URL once they listen.
func runAgent(ctx context.Context, cfg *config.Config, env *demo.Env, ready chan<- string, stdout, stderr io.Writer) error {
	log := newLogger(cfg.Log.Level, stderr)
	var parts agentParts
	defer parts.close()
	// Everything the agent writes holds personal data or the enrolled
	// population: files 0600, folders 0700, whatever creates them (the
	// replica's Pebble uses 0666 and 0755 before the umask).
	syscall.Umask(0o077)
	if err := os.MkdirAll(cfg.Kiosk.DataDir, 0o700); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	if n, err := tightenPermissions(cfg.Kiosk.DataDir); err != nil {
		return fmt.Errorf("data folder: %w", err)
	} else if n > 0 {
		log.Warn("data folder: files readable by others made private (an earlier version or a copy left them so)", "files", n)
	}
	keys, err := cfg.KeyRing()
	if err != nil {
		return fmt.Errorf("trust.keys: %w", err)
	}
	var storageKey []byte
	if kf := cfg.StorageKeyFile(); kf != "" {
		if storageKey, err = outbox.LoadKey(kf); err != nil {
			return fmt.Errorf("storage.keyFile: %w", err)
		}
	}
	ob, err := outbox.Open(outbox.Options{Dir: filepath.Join(cfg.Kiosk.DataDir, "outbox"), KioskID: cfg.Kiosk.ID,
		PortCode: cfg.Kiosk.PortCode, MaxEvents: cfg.Outbox.MaxEvents, Key: storageKey, Logger: log})
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	parts.add(ob.Close)
	auditPath := filepath.Join(cfg.Kiosk.DataDir, audit.FileName)
	al, err := audit.Open(auditPath)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	if n := al.Damaged(); n > 0 {
		log.Error("run: the audit log holds lines that are not records (damaged or tampered): kept in place, the chain continues after them",
			"lines", n, "check", "xpt-kiosk audit verify "+auditPath)
	}
	parts.add(al.Close)
	sp := &syncProxy{}
	rep, err := authz.Open(authz.Options{Path: filepath.Join(cfg.Kiosk.DataDir, authz.DirName), Keys: keys, Sync: sp,
		Log: log, MaxBatchRecords: cfg.Authz.MaxBatchRecords, Key: storageKey})
	if err != nil {
		return fmt.Errorf("authorization replica: %w", err)
	}
	parts.add(rep.Close)

	devs, descs, err := openSerialDevices(cfg, log)
	for _, d := range devs {
		parts.add(d.Close)
	}
	if err != nil {
		return err
	}
	prn, prnDesc, err := openPrinter(cfg, log)
	if err != nil {
		return err
	}
	if prn != nil {
		parts.add(prn.Close)
	}
	face, faceDesc := openFace(cfg, log)
	if face != nil {
		parts.add(face.Close)
		devs = append(devs, face.Device())
	}
	var chipSrc chipcheck.Source
	if env != nil {
		chipSrc = demoChipSource(env)
	}
	chipDev, err := openChip(cfg, chipSrc, log)
	if err != nil {
		return err
	}
	if chipDev != nil {
		parts.add(chipDev.Close)
		devs = append(devs, chipDev)
	}
	// Fail closed: a face check that is configured but cannot run refers
	// every traveler (requireFace) until it is fixed, never admits them
	// unchecked.
	requireFace := cfg.Policy.RequireFace
	why := faceMisconfigured(cfg, face, faceDesc)
	if why != "" {
		log.Error("face check configured but unavailable: every traveler is referred until it is fixed", "why", why)
		requireFace = true
	}

	k, err := kiosk.New(kiosk.Options{
		KioskID: cfg.Kiosk.ID, PortCode: cfg.Kiosk.PortCode, Direction: cfg.Kiosk.Direction, Version: version,
		Session: session.Config{SessionTimeout: cfg.Policy.SessionTimeout.Duration, DocumentTimeout: cfg.Policy.DocumentTimeout.Duration,
			CardTimeout: cfg.Policy.CardTimeout.Duration, FaceTimeout: cfg.Policy.FaceTimeout.Duration + 2*time.Second,
			ChipTimeout: cfg.Devices.Chip.Timeout.Duration + 2*time.Second,
			HoldWindow:  cfg.Policy.PresentWindow.Duration, MoreTimePrompt: cfg.Policy.MoreTimePrompt.Duration,
			MoreTimeExtensions: *cfg.Policy.MoreTimeExtensions},
		Policy: kiosk.Policy{RequireCard: cfg.Policy.RequireCard, MaxStaleness: cfg.Policy.MaxStaleness.Duration,
			RandomReferralRate: cfg.Policy.RandomReferralRate, RequireFace: requireFace, FaceUnavailable: why},
		Replica: rep, Outbox: ob, Audit: al, Keys: keys, Devices: devs, Face: faceOrNil(face), Printer: receiptPrinterOrNil(prn),
		Chip: chipReaderOrNil(chipDev), ChipPolicy: kiosk.ChipPolicy{OnInvalid: cfg.Devices.Chip.OnInvalid, OnNoTrustAnchor: cfg.Devices.Chip.OnNoTrustAnchor},
		InlinePhoto: cfg.Face.InlinePhoto, OutboxCapacity: cfg.Outbox.MaxEvents, TelemetryInterval: cfg.MQTT.TelemetryInterval.Duration, Logger: log,
		StatePath: filepath.Join(cfg.Kiosk.DataDir, "kiosk-state.json"),
	})
	if err != nil {
		return err
	}
	for _, d := range descs {
		k.DescribeDevice(d.name, d.kind, d.path, env != nil)
	}
	if face == nil {
		k.SetDeviceState(faceDesc.name, faceDesc.kind, faceDesc.state, faceDesc.code, faceDesc.message)
	} else {
		k.DescribeDevice(faceDesc.name, faceDesc.kind, faceDesc.path, env != nil)
	}
	if chipDev != nil {
		k.DescribeDevice("chipReader", chipDev.Source().Kind(), chipDev.Source().Path(), env != nil)
	}
	if prn == nil {
		k.SetDeviceState(prnDesc.name, prnDesc.kind, prnDesc.state, "", prnDesc.message)
	} else {
		k.DescribeDevice(prnDesc.name, prnDesc.kind, prnDesc.path, env != nil)
	}
	scan, err := openScanner(ctx, cfg, k, log)
	if err != nil {
		return err
	}
	if scan != nil {
		parts.add(scan.Close)
	}

	lk, err := link.New(link.Options{KioskID: cfg.Kiosk.ID, PortCode: cfg.Kiosk.PortCode, Version: version,
		Broker: cfg.MQTT.Broker, CAFile: cfg.MQTT.CAFile, CertFile: cfg.MQTT.CertFile, KeyFile: cfg.MQTT.KeyFile,
		Username: cfg.MQTT.Username, PasswordFile: cfg.MQTT.PasswordFile,
		KeepAlive: cfg.MQTT.KeepAlive.Duration, BackoffBase: cfg.MQTT.BackoffMin.Duration, BackoffMax: cfg.MQTT.BackoffMax.Duration,
		Keys: keys, StateDir: filepath.Join(cfg.Kiosk.DataDir, "link"), Outbox: ob,
		Commands: k, Decisions: k.OfficerDecisions(), Authz: rep, Logger: log})
	if err != nil {
		return fmt.Errorf("mqtt link: %w", err)
	}
	sp.mu.Lock()
	sp.l = lk
	sp.mu.Unlock()
	k.AttachLink(lk)
	k.SetBroker(cfg.MQTT.Broker)

	var sim ui.Simulator
	var receipts ui.Receipts
	if env != nil {
		sim, receipts = env.Simulator(k), env.Receipts()
	}
	// The consoles' accounts. A broken file closes the consoles to people
	// (every sign-in refused, the error logged) but not the kiosk: the
	// store reads the file again at each sign-in, so fixing it is enough.
	accts, err := accounts.Open(cfg.AccountsFile(), accounts.Options{})
	if err != nil {
		log.Error("run: console accounts unreadable: nobody can sign in until the file is fixed", "err", err)
	} else if list, _ := accts.List(); len(list) == 0 {
		log.Warn("run: no console accounts: nobody can sign in (xpt-kiosk users add ID --role officer --config …)",
			"file", cfg.AccountsFile())
	}
	diag := newLiveDiag(cfg, k, devs, face)
	handler := ui.New(ui.Options{Kiosk: k, Sim: sim, Receipts: receipts, Preview: previewOf(face), Accounts: accts,
		IdleLock: cfg.UI.IdleLock.Duration, SessionLifetime: cfg.UI.SessionLifetime.Duration,
		OfficerToken: cfg.UI.OfficerToken, TechnicianToken: cfg.UI.TechnicianToken,
		SecureCookies: cfg.UI.TLS(), AllowedHosts: cfg.UI.Hosts(), Logger: log, Audit: auditAccess(al, log),
		Diagnostics: diag})
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	scheme := "http"
	if cfg.UI.TLS() {
		tc, _, err := ui.LoadTLS(cfg.UI.CertFile, cfg.UI.KeyFile)
		if err != nil {
			return fmt.Errorf("ui.certFile: %w", err)
		}
		srv.TLSConfig, scheme = tc, "https"
	}
	ln, err := net.Listen("tcp", cfg.UI.Listen)
	if err != nil {
		return fmt.Errorf("ui.listen %s: %w (is another kiosk or demo running? use --listen)", cfg.UI.Listen, err)
	}
	if srv.TLSConfig != nil {
		ln = tls.NewListener(ln, srv.TLSConfig)
	}

	var wg sync.WaitGroup
	errc := make(chan error, 4)
	run := func(name string, f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(ctx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	run("replica", rep.Start)
	run("link", lk.Run)
	run("kiosk", k.Run)
	run("ui", func(context.Context) error { return srv.Serve(ln) })
	base := scheme + "://" + ln.Addr().String()
	fmt.Fprintf(stdout, "xpt-kiosk %s: kiosk %s at %s (%s), broker %s\n", version, cfg.Kiosk.ID, cfg.Kiosk.PortCode, cfg.Kiosk.Direction, cfg.MQTT.Broker)
	fmt.Fprintf(stdout, "  traveler screen:     %s/\n  officer console:     %s/officer\n  technician console:  %s/tech\n", base, base, base)
	if env != nil {
		env.PrintIntro(stdout, cfg)
	}
	log.Info("kiosk running", "kiosk", cfg.Kiosk.ID, "ui", base)
	if ready != nil {
		ready <- base
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	if runErr != nil {
		return runErr
	}
	wg.Wait()
	return nil
}

// deviceDesc says what the technician console shows of a device.
type deviceDesc struct{ name, kind, path, state, code, message string }

// openSerialDevices opens the MRZ and card readers the configuration enables.
func openSerialDevices(cfg *config.Config, log *slog.Logger) ([]drivers.Device, []deviceDesc, error) {
	var devs []drivers.Device
	var descs []deviceDesc
	if c := cfg.Devices.MRZReader; c.On() {
		r, err := mrzreader.Open("mrzReader", c.Config, log)
		if err != nil {
			return devs, descs, fmt.Errorf("devices.mrzReader: %w", err)
		}
		devs = append(devs, r)
		descs = append(descs, deviceDesc{name: "mrzReader", kind: c.Profile, path: c.Where()})
	}
	if c := cfg.Devices.CardReader; c.On() {
		r, err := cardreader.Open("cardReader", c.Config, log)
		if err != nil {
			return devs, descs, fmt.Errorf("devices.cardReader: %w", err)
		}
		devs = append(devs, r)
		descs = append(descs, deviceDesc{name: "cardReader", kind: c.Profile, path: c.Where()})
	}
	return devs, descs, nil
}

// auditAccess writes the consoles' access facts (sign-in, sign-out,
// refusals) to the audit log, with the account and the source.
func auditAccess(al *audit.Log, log *slog.Logger) func(ui.Access) {
	return func(a ui.Access) {
		e := audit.Entry{Kind: a.Kind, Console: a.Console, Account: a.Account, Role: a.Role, Source: a.Source, Detail: a.Detail}
		if _, _, err := al.Append(e); err != nil {
			log.Error("run: audit log append failed (console access)", "err", err)
		}
	}
}
