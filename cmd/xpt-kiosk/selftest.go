package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/accounts"
	"github.com/xpt-pilot/xpt-kiosk/agent/audit"
	"github.com/xpt-pilot/xpt-kiosk/agent/authz"
	"github.com/xpt-pilot/xpt-kiosk/agent/chipcheck"
	"github.com/xpt-pilot/xpt-kiosk/agent/config"
	"github.com/xpt-pilot/xpt-kiosk/agent/link"
	"github.com/xpt-pilot/xpt-kiosk/agent/outbox"
	"github.com/xpt-pilot/xpt-kiosk/drivers/serialdev"
	"github.com/xpt-pilot/xpt-kiosk/ui"
)

const selftestUsage = `Usage: xpt-kiosk selftest --config FILE [--offline | --start] [--json]

Checks a kiosk before (or while) it runs, and says plainly what is wrong:
the configuration (every problem, with its key), the trusted keys, the data
folder, the authorization replica (seq, records, staleness), the audit log's
hash chain, the serial readers (is the port there, does the USB ID resolve),
the camera and face verification, the consoles (their TLS certificate and
key; a warning when they listen beyond loopback without TLS; the accounts
file, and a warning for a console nobody can sign in to), and the
broker (a TCP connection, unless --offline). Exit status 0 when nothing failed, 1 otherwise; warnings do not
fail.

--start is the check before the service starts (systemd's ExecStartPre):
it fails only on what keeps the agent from running at all (the
configuration, the trusted keys, the data folder, the audit log). A missing
reader or camera is a warning there: the agent starts, reports the fault to
the central system and on the technician console, and closes the traveler
screen until the device is back. It implies --offline.

Flags:
`

type checkResult struct {
	Name   string `json:"name"`
	Status string `json:"status"` // ok | warn | fail
	Detail string `json:"detail"`
}

func runSelftest(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("selftest", selftestUsage, stderr)
	cfgPath := fs.String("config", "", "the kiosk configuration")
	offline := fs.Bool("offline", false, "do not try the broker")
	asJSON := fs.Bool("json", false, "print the checks as JSON")
	start := fs.Bool("start", false, "fail only on what keeps the agent from starting; devices warn (implies --offline)")
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}
	if *cfgPath == "" {
		return usageError(fs, "--config FILE is required")
	}
	if *start {
		*offline = true
	}
	return printChecks(stdout, selftestChecks(selftestEnv{path: *cfgPath, offline: *offline, start: *start}), *asJSON)
}

// selftestEnv is where the self-test runs: on the command line, or in the
// running agent for the technician console's "Run self-test".
type selftestEnv struct {
	path           string         // the configuration file to check
	cfg            *config.Config // without path: the running agent's configuration (the demo's has no file)
	offline, start bool
	// live, in the running agent, gives a device's checks from the live
	// device registry and the running driver instead of opening the
	// device, which the agent holds; nil on the command line.
	live func(check string) []checkResult
}

// liveDevice appends the running agent's checks of a device and says
// whether it did; on the command line it does nothing, and the caller
// opens the device itself.
func (e selftestEnv) liveDevice(checks *[]checkResult, check string) bool {
	if e.live == nil {
		return false
	}
	*checks = append(*checks, e.live(check)...)
	return true
}

// selftestChecks is the self-test: one list of checks, for the command
// line and the running agent alike.
func selftestChecks(env selftestEnv) []checkResult {
	var checks []checkResult
	add := func(name, status, format string, a ...any) {
		checks = append(checks, checkResult{Name: name, Status: status, Detail: fmt.Sprintf(format, a...)})
	}
	cfg, where := env.cfg, "the running configuration"
	var err error
	if env.path != "" {
		where = env.path
		cfg, err = config.Load(env.path)
	}
	if err != nil {
		add("config", "fail", "%v", err)
		return checks
	}
	add("config", "ok", "%s: kiosk %s at %s, direction %s", where, cfg.Kiosk.ID, cfg.Kiosk.PortCode, cfg.Kiosk.Direction)
	if kr, err := cfg.KeyRing(); err != nil {
		add("trust", "fail", "%v", err)
	} else {
		add("trust", "ok", "%d trusted central key(s)", kr.Len())
	}
	selftestDataDir(cfg, add)
	for _, d := range []struct {
		name, profile string
		on            bool
		line          serialdev.Config
	}{{"mrzReader", cfg.Devices.MRZReader.Profile, cfg.Devices.MRZReader.On(), cfg.Devices.MRZReader.Config.Config},
		{"cardReader", cfg.Devices.CardReader.Profile, cfg.Devices.CardReader.On(), cfg.Devices.CardReader.Config.Config}} {
		if env.liveDevice(&checks, "devices."+d.name) {
			continue
		}
		if !d.on {
			add("devices."+d.name, "ok", "disabled")
			continue
		}
		path, err := serialdev.Resolve(d.line)
		switch {
		case err != nil:
			add("devices."+d.name, "fail", "%s (%s): %v", d.line.Where(), d.profile, err)
		default:
			if _, err := os.Stat(path); err != nil {
				add("devices."+d.name, "fail", "%s: %v (is the reader plugged in? xpt-kiosk devices list shows the ports)", path, err)
			} else {
				add("devices."+d.name, "ok", "%s, %d baud, profile %s", path, d.line.Baud, d.profile)
			}
		}
	}
	if !env.liveDevice(&checks, "devices.printer") {
		selftestPrinter(cfg, add)
	}
	if !env.liveDevice(&checks, "devices.chip") {
		chipcheck.Selftest(cfg, add)
	}
	selftestCredentials(cfg, time.Now(), add)
	selftestStorage(cfg, add)
	selftestUI(cfg, time.Now(), add)
	selftestAccounts(cfg, add)
	if !env.liveDevice(&checks, "camera") {
		checks = append(checks, selftestFace(cfg)...)
	}
	if !env.offline {
		selftestBroker(cfg, add)
	}
	if env.start {
		for i, c := range checks {
			if c.Status == "fail" && startTolerates(c.Name) {
				checks[i].Status = "warn"
				checks[i].Detail += " (the agent starts and reports it)"
			}
		}
	}
	return checks
}

// startTolerates says which failed checks the agent runs with: it reports
// a device fault and closes the traveler screen, but stays up to deliver
// the outbox and serve the consoles.
func startTolerates(check string) bool {
	return strings.HasPrefix(check, "devices.") || check == "camera" || check == "face.verify" || check == "accounts"
}

// selftestAccounts reads the console accounts as the agent will, and says
// which console nobody can sign in to.
func selftestAccounts(cfg *config.Config, add func(name, status, format string, a ...any)) {
	path := cfg.AccountsFile()
	st, err := accounts.Open(path, accounts.Options{})
	if err != nil {
		add("accounts", "fail", "%v: nobody can sign in to the consoles until it is fixed", err)
		return
	}
	list, _ := st.List()
	n := map[accounts.Role]int{}
	for _, a := range list {
		if !a.Disabled {
			n[a.Role]++
		}
	}
	var closed []string
	if n[accounts.Officer]+n[accounts.Supervisor] == 0 {
		closed = append(closed, "officer console")
	}
	if n[accounts.Technician]+n[accounts.Supervisor] == 0 {
		closed = append(closed, "technician console")
	}
	detail := fmt.Sprintf("%s: %d officer, %d technician, %d supervisor account(s) enabled", path,
		n[accounts.Officer], n[accounts.Technician], n[accounts.Supervisor])
	if len(closed) > 0 {
		add("accounts", "warn", "%s: nobody can sign in to the %s (xpt-kiosk users add ID --role officer|technician|supervisor --config …)",
			detail, strings.Join(closed, " and the "))
		return
	}
	add("accounts", "ok", "%s", detail)
}

func selftestDataDir(cfg *config.Config, add func(name, status, format string, a ...any)) {
	dir := cfg.Kiosk.DataDir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		add("dataDir", "fail", "%s: %v", dir, err)
		return
	}
	f, err := os.CreateTemp(dir, ".selftest-*")
	if err == nil {
		_, err = f.Write([]byte("x"))
		if err == nil {
			err = f.Sync()
		}
		f.Close()
		os.Remove(f.Name())
	}
	if err != nil {
		add("dataDir", "fail", "%s is not writable with fsync: %v", dir, err)
		return
	}
	add("dataDir", "ok", "%s writable", dir)

	key, _ := storageKey(cfg)
	rep, err := authz.Open(authz.Options{Path: filepath.Join(dir, authz.DirName), ReadOnly: true, Key: key})
	switch {
	case key != nil && err != nil && strings.Contains(err.Error(), "in clear"):
		add("storage.authz", "warn", "the replica is in clear: the agent seals it with the storage key at its next start")
	case errors.Is(err, authz.ErrKey):
		add("storage.authz", "fail", "%v", err)
	case err == nil && rep.Sealed():
		add("storage.authz", "ok", "the replica is sealed at rest (every file of its store, AES-256-CTR below Pebble)")
	case err == nil:
		add("storage.authz", "warn", "the replica is in clear (no storage key)")
	}
	switch {
	case errors.Is(err, authz.ErrLocked):
		add("authz", "ok", "in use by the running agent; its status is on the technician console (/tech)")
	case errors.Is(err, os.ErrNotExist):
		add("authz", "warn", "no replica yet: the kiosk syncs from the central system at first start")
	case err != nil:
		add("authz", "fail", "%v", err)
	default:
		st := rep.Status()
		rep.Close()
		switch {
		case !st.HasSeq:
			add("authz", "warn", "empty replica: the kiosk syncs from the central system at first start")
		case st.Staleness < 0 || st.Staleness > cfg.Policy.MaxStaleness.Duration:
			add("authz", "warn", "seq %d, %d records, last sync %s ago: stale (travelers are referred with DATA_STALE until it syncs)", st.Seq, st.Records, st.Staleness.Round(time.Second))
		default:
			add("authz", "ok", "seq %d, %d records, last sync %s ago", st.Seq, st.Records, st.Staleness.Round(time.Second))
		}
	}

	auditPath := filepath.Join(dir, audit.FileName)
	if f, err := os.Open(auditPath); err == nil {
		res, err := audit.Verify(f)
		f.Close()
		switch {
		case err != nil:
			add("audit", "fail", "%s: %v", auditPath, err)
		case !res.Intact():
			add("audit", "fail", "%s: chain broken at line %d: %s", auditPath, res.BadLine, res.Reason)
		default:
			add("audit", "ok", "%d entries, chain intact", res.Entries)
		}
	} else {
		add("audit", "ok", "no audit log yet")
	}
}

// selftestCredentials loads the broker's CA, the kiosk's client certificate
// and key, and the password file, as the agent will: a missing or wrong one
// is named here rather than surfacing as "connection refused".
func selftestCredentials(cfg *config.Config, now time.Time, add func(name, status, format string, a ...any)) {
	m := cfg.MQTT
	if m.Broker == "embedded" || (m.CAFile == "" && m.CertFile == "" && m.KeyFile == "" && m.PasswordFile == "") {
		return
	}
	notAfter, err := link.CheckCredentials(m.CAFile, m.CertFile, m.KeyFile, m.PasswordFile)
	switch {
	case err != nil:
		add("mqtt.credentials", "fail", "%v", err)
	case notAfter.IsZero():
		add("mqtt.credentials", "ok", "loaded")
	case !now.Before(notAfter):
		add("mqtt.credentials", "fail", "the client certificate %s expired on %s", m.CertFile, notAfter.UTC().Format(time.DateOnly))
	case notAfter.Sub(now) < 30*24*time.Hour:
		add("mqtt.credentials", "warn", "the client certificate %s expires on %s: renew it (xpt-kiosk provision csr)", m.CertFile, notAfter.UTC().Format(time.DateOnly))
	default:
		add("mqtt.credentials", "ok", "client certificate valid until %s", notAfter.UTC().Format(time.DateOnly))
	}
}

// selftestUI loads the consoles' TLS certificate and key as the agent
// will, and warns when the consoles are reachable from the network in
// clear (tokens and session cookies would cross it readable).
func selftestUI(cfg *config.Config, now time.Time, add func(name, status, format string, a ...any)) {
	u := cfg.UI
	if !u.TLS() {
		if u.ListenLoopback() {
			add("ui", "ok", "consoles on %s (loopback only), without TLS", u.Listen)
		} else {
			add("ui", "warn", "ui.listen %s is reachable from the network without TLS: the console tokens and session cookies cross it in clear (set ui.certFile and ui.keyFile, or listen on 127.0.0.1)", u.Listen)
		}
		return
	}
	_, notAfter, err := ui.LoadTLS(u.CertFile, u.KeyFile)
	switch {
	case err != nil:
		add("ui", "fail", "%v", err)
	case !notAfter.IsZero() && !now.Before(notAfter):
		add("ui", "fail", "the consoles' certificate %s expired on %s", u.CertFile, notAfter.UTC().Format(time.DateOnly))
	case !notAfter.IsZero() && notAfter.Sub(now) < 30*24*time.Hour:
		add("ui", "warn", "the consoles' certificate %s expires on %s: renew it", u.CertFile, notAfter.UTC().Format(time.DateOnly))
	default:
		add("ui", "ok", "consoles on https://%s, certificate valid until %s", u.Listen, notAfter.UTC().Format(time.DateOnly))
	}
}

func selftestBroker(cfg *config.Config, add func(name, status, format string, a ...any)) {
	if cfg.MQTT.Broker == "embedded" {
		add("broker", "ok", "embedded broker on %s (demo only)", cfg.MQTT.EmbeddedListen)
		return
	}
	u, _ := url.Parse(cfg.MQTT.Broker)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		add("broker", "fail", "%s: %v (check the network, the broker, or use --offline)", cfg.MQTT.Broker, err)
		return
	}
	c.Close()
	add("broker", "ok", "%s reachable", cfg.MQTT.Broker)
}

func printChecks(w io.Writer, checks []checkResult, asJSON bool) int {
	failed := false
	for _, c := range checks {
		failed = failed || c.Status == "fail"
	}
	if asJSON {
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": !failed, "checks": checks})
	} else {
		for _, c := range checks {
			fmt.Fprintf(w, "%-4s  %-18s %s\n", c.Status, c.Name, c.Detail)
		}
		if failed {
			fmt.Fprintln(w, "selftest: FAILED")
		} else {
			fmt.Fprintln(w, "selftest: ok")
		}
	}
	if failed {
		return exitFail
	}
	return exitOK
}

// storageKey loads the configured storage key (nil when none is set).
func storageKey(cfg *config.Config) ([]byte, error) {
	if kf := cfg.StorageKeyFile(); kf != "" {
		return outbox.LoadKey(kf)
	}
	return nil, nil
}

// selftestStorage says whether each store that holds travelers' data is
// sealed at rest: the outbox and the scanner spool (the replica's state is
// checked with the data folder).
func selftestStorage(cfg *config.Config, add func(name, status, format string, a ...any)) {
	kf := cfg.StorageKeyFile()
	stores := "the outbox, the authorization replica and the scanner spool"
	switch _, err := storageKey(cfg); {
	case kf == "":
		add("storage.keyFile", "warn", "not set: %s (names, document numbers) are kept in clear in their folders (0700); xpt-kiosk provision storage-key makes a key", stores)
		return
	case err != nil:
		add("storage.keyFile", "fail", "%v", err)
		return
	}
	add("storage.keyFile", "ok", "%s: %s sealed at rest (AES-256)", kf, stores)
	add("storage.outbox", "ok", "undelivered events sealed at rest")
	if cfg.Devices.Scanner.On() {
		add("storage.spool", "ok", "scanned files and their results sealed once claimed from %s", cfg.Devices.Scanner.SpoolDir)
	}
}
