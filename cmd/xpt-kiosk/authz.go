package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/authz"
	"github.com/xpt-pilot/xpt-kiosk/agent/outbox"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

var authzCommands = map[string]command{
	"status": {"seq, record count, last sync and staleness of the replica", runAuthzStatus},
	"lookup": {"find authorizations by document, card tag, membership or ID (JSON)", runAuthzLookup},
	"import": {"apply signed batch envelopes from files (provisioning, tests)", runAuthzImport},
}

func runAuthz(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return subDispatch("authz", authzCommands, args, stdin, stdout, stderr)
}

// replicaPath is where the replica lives inside a data directory.
func replicaPath(dataDir string) string { return filepath.Join(dataDir, authz.DirName) }

func openReplicaForReading(dataDir, keyFile string, stderr io.Writer, cmd string) (*authz.Replica, bool) {
	if dataDir == "" {
		fmt.Fprintf(stderr, "xpt-kiosk authz %s: --data DIR is required (the kiosk's data directory, kiosk.dataDir in the configuration)\n", cmd)
		return nil, false
	}
	path := replicaPath(dataDir)
	if _, err := os.Stat(path); err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk authz %s: no replica at %s\n  Is --data the kiosk's data directory? The agent creates it at its first start.\n", cmd, path)
		return nil, false
	}
	key, err := cliStorageKey(keyFile)
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk authz %s: --key: %v\n", cmd, err)
		return nil, false
	}
	r, err := authz.Open(authz.Options{Path: path, ReadOnly: true, Key: key})
	if err != nil {
		if errors.Is(err, authz.ErrLocked) {
			fmt.Fprintf(stderr, "xpt-kiosk authz %s: %s is held by the running agent.\n  Use the technician console while the agent runs, or stop the agent and try again.\n", cmd, path)
		} else {
			fmt.Fprintf(stderr, "xpt-kiosk authz %s: %v\n", cmd, err)
		}
		return nil, false
	}
	return r, true
}

func runAuthzStatus(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("authz status", "Usage: xpt-kiosk authz status --data DIR [--key FILE] [--json] [--max-staleness 24h]\n\n"+
		"Prints the replica's seq, record count, last successful sync and staleness.\nExit status: 0 current, 1 stale or never synced, 2 usage or the replica cannot be opened.", stderr)
	dataDir := fs.String("data", "", "the kiosk's data directory (the replica is DIR/"+authz.DirName+")")
	keyFile := fs.String("key", "", "the storage key file ([storage] keyFile): a sealed replica needs it")
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	maxStale := fs.Duration("max-staleness", 24*time.Hour, "older than this counts as stale (policy.maxStaleness)")
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}
	r, ok := openReplicaForReading(*dataDir, *keyFile, stderr, "status")
	if !ok {
		return exitUsage
	}
	defer r.Close()
	st := r.Status()
	st.DiskBytes = r.DiskBytes()
	stale := st.LastSync.IsZero() || st.Staleness > *maxStale
	if *asJSON {
		out := struct {
			authz.Status
			StalenessText string `json:"stalenessText"`
			Stale         bool   `json:"stale"`
		}{st, stalenessText(st), stale}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(out)
	} else {
		seq := fmt.Sprint(st.Seq)
		if !st.HasSeq {
			seq = "none (no batch applied yet)"
		}
		last := "never"
		if !st.LastSync.IsZero() {
			last = wire.FormatTime(st.LastSync)
		}
		fmt.Fprintf(stdout, "Replica     %s (%s)\n", st.Path, humanBytes(st.DiskBytes))
		fmt.Fprintf(stdout, "Seq         %s\n", seq)
		fmt.Fprintf(stdout, "Records     %d\n", st.Records)
		fmt.Fprintf(stdout, "Last sync   %s\n", last)
		verdict := "current"
		if stale {
			verdict = fmt.Sprintf("STALE (limit %s): travelers are referred until the kiosk syncs", *maxStale)
		}
		fmt.Fprintf(stdout, "Staleness   %s, %s\n", stalenessText(st), verdict)
	}
	if stale {
		return exitFail
	}
	return exitOK
}

func stalenessText(st authz.Status) string {
	if st.LastSync.IsZero() {
		return "never synced"
	}
	return st.Staleness.Round(time.Second).String()
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func runAuthzLookup(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("authz lookup", "Usage: xpt-kiosk authz lookup --data DIR [--key FILE] (--doc STATE:NUMBER | --card TAG | --membership ID | --auth ID)\n\n"+
		"Prints the matching authorization records as JSON. They hold personal data: for the\ntechnician's terminal only. Exit status: 0 found, 1 none found, 2 usage.", stderr)
	dataDir := fs.String("data", "", "the kiosk's data directory (the replica is DIR/"+authz.DirName+")")
	keyFile := fs.String("key", "", "the storage key file ([storage] keyFile): a sealed replica needs it")
	doc := fs.String("doc", "", "issuing state and document number, e.g. CAN:L898902C3 (fillers < are ignored)")
	card := fs.String("card", "", "trusted-traveler card tag, e.g. 0A1B2C3D4E")
	member := fs.String("membership", "", "trusted-traveler membership ID")
	auth := fs.String("auth", "", "authorization ID, e.g. XPT-2026-0000123")
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}
	n := 0
	for _, s := range []string{*doc, *card, *member, *auth} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return usageError(fs, "give exactly one of --doc STATE:NUMBER, --card TAG, --membership ID, --auth ID")
	}
	var state, number string
	if *doc != "" {
		var found bool
		state, number, found = strings.Cut(*doc, ":")
		if !found || strings.TrimSpace(state) == "" || strings.TrimSpace(number) == "" {
			return usageError(fs, "--doc wants STATE:NUMBER, e.g. CAN:L898902C3 (got %q)", *doc)
		}
	}
	r, ok := openReplicaForReading(*dataDir, *keyFile, stderr, "lookup")
	if !ok {
		return exitUsage
	}
	defer r.Close()
	var recs []wire.AuthzRecord
	var err error
	switch {
	case *doc != "":
		recs, err = r.ByDocument(state, number)
	case *card != "":
		recs, err = r.ByCard(*card)
	case *member != "":
		recs, err = r.ByMembership(*member)
	default:
		var rec *wire.AuthzRecord
		rec, err = r.ByID(strings.TrimSpace(*auth))
		if rec != nil {
			recs = []wire.AuthzRecord{*rec}
		}
		if errors.Is(err, authz.ErrNotFound) {
			err = nil
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk authz lookup: %v\n", err)
		return exitUsage
	}
	if recs == nil {
		recs = []wire.AuthzRecord{}
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(recs)
	if len(recs) == 0 {
		fmt.Fprintln(stderr, "xpt-kiosk authz lookup: no authorization found")
		return exitFail
	}
	return exitOK
}

// trustFlag collects --trust files.
type trustFlag []string

func (t *trustFlag) String() string     { return strings.Join(*t, ",") }
func (t *trustFlag) Set(v string) error { *t = append(*t, v); return nil }

func runAuthzImport(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("authz import", "Usage: xpt-kiosk authz import --data DIR --trust KEYFILE [--trust KEYFILE…] ENVELOPE_FILE...\n\n"+
		`Applies signed AuthzBatch envelopes (one JSON envelope per file, or one per line)
with the same checks and rules as the running agent: signature, seq order, version
rule, removals. Give the files in seq order; a batch ahead of a gap is held until
the gap closes (up to 8), and reported if it never does. The agent must be stopped.

KEYFILE is a trusted central key: a .pub file (standard-base64 public key, the
key ID is the file name), a .trust.toml snippet ("keyId" = "base64"), or lines
"keyId base64". Exit status: 0 all applied, 1 some rejected or left pending, 2 usage.`, stderr)
	dataDir := fs.String("data", "", "the kiosk's data directory (the replica is DIR/"+authz.DirName+", created if missing)")
	keyFile := fs.String("key", "", "the storage key file ([storage] keyFile): the replica is sealed with it")
	var trust trustFlag
	fs.Var(&trust, "trust", "a file with trusted central public keys (repeatable)")
	quiet := fs.Bool("q", false, "print only the summary")
	files, code := parseArgs(fs, args, stdout, 0, -1)
	if code >= 0 {
		return code
	}
	if *dataDir == "" || len(trust) == 0 || len(files) == 0 {
		return usageError(fs, "needs --data DIR, at least one --trust KEYFILE and envelope files")
	}
	kr := &wire.KeyRing{}
	for _, f := range trust {
		if err := loadTrustFile(kr, f); err != nil {
			fmt.Fprintf(stderr, "xpt-kiosk authz import: --trust %s: %v\n", f, err)
			return exitUsage
		}
	}
	if err := os.MkdirAll(*dataDir, 0o750); err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk authz import: %v\n", err)
		return exitUsage
	}
	key, err := cliStorageKey(*keyFile)
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk authz import: --key: %v\n", err)
		return exitUsage
	}
	var rejected []string
	r, err := authz.Open(authz.Options{Path: replicaPath(*dataDir), Keys: kr, Key: key,
		OnReject: func(e wire.SecurityEvent) { rejected = append(rejected, e.Topic+": "+e.Reason) }})
	if err != nil {
		if errors.Is(err, authz.ErrLocked) {
			fmt.Fprintf(stderr, "xpt-kiosk authz import: %s is held by the running agent; stop the agent first.\n", replicaPath(*dataDir))
		} else {
			fmt.Fprintf(stderr, "xpt-kiosk authz import: %v\n", err)
		}
		return exitUsage
	}
	defer r.Close()
	start := time.Now()
	before := r.Status()
	ctx := context.Background()
	envelopes, failed := 0, 0
	for _, f := range files {
		err := eachEnvelope(f, func(where string, raw []byte) {
			envelopes++
			if err := r.Import(ctx, where, raw); err != nil {
				failed++
				if !*quiet {
					fmt.Fprintf(stderr, "%s: not applied: %v\n", where, err)
				}
			}
		})
		if err != nil {
			fmt.Fprintf(stderr, "xpt-kiosk authz import: %v\n", err)
			return exitUsage
		}
	}
	st := r.Status()
	fmt.Fprintf(stdout, "read %d envelopes in %s: %d batches applied, %d not applied; replica at seq %d with %d records (%+d)\n",
		envelopes, time.Since(start).Round(time.Millisecond), st.Stats.BatchesApplied, failed, st.Seq, st.Records, st.Records-before.Records)
	if len(st.Pending) > 0 {
		fmt.Fprintf(stdout, "held back, waiting for seq %d: %v (not applied; import the missing batches)\n", st.Seq+1, st.Pending)
	}
	if failed > 0 || len(st.Pending) > 0 {
		return exitFail
	}
	return exitOK
}

// eachEnvelope calls fn for the envelope in path, or for each line of it
// when the file holds one envelope per line.
func eachEnvelope(path string, fn func(where string, raw []byte)) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return fmt.Errorf("%s is empty", path)
	}
	if bytes.Count(trimmed, []byte("\n")) == 0 || json.Valid(trimmed) {
		fn(path, trimmed)
		return nil
	}
	sc := bufio.NewScanner(bytes.NewReader(trimmed))
	sc.Buffer(make([]byte, 0, 1<<20), wire.MaxEnvelopeBytes+1)
	line := 0
	for sc.Scan() {
		line++
		if l := bytes.TrimSpace(sc.Bytes()); len(l) > 0 {
			fn(fmt.Sprintf("%s:%d", path, line), append([]byte(nil), l...))
		}
	}
	return sc.Err()
}

// loadTrustFile adds the keys of a trust file (wire.ReadTrustFile) to kr.
func loadTrustFile(kr *wire.KeyRing, path string) error {
	keys, err := wire.ReadTrustFile(path)
	if err != nil {
		return err
	}
	for id, k := range keys {
		pk, _ := wire.ParsePublicKey(k) // parsed by ReadTrustFile
		kr.Add(id, pk)
	}
	return nil
}

// cliStorageKey loads --key FILE (nil when not given).
func cliStorageKey(file string) ([]byte, error) {
	if file == "" {
		return nil, nil
	}
	return outbox.LoadKey(file)
}
