package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/central"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// centralCommands are the central-system stand-in's subcommands
// (docs/central.md).
var centralCommands = map[string]command{
	"keygen":     {"make an Ed25519 signing key and the public key for kiosk configs", runCentralKeygen},
	"publish":    {"publish signed authorization batches and the retained head; --serve answers sync requests", runCentralPublish},
	"replay":     {"send stored batches to one kiosk's authz topic, as a sync answer would", runCentralReplay},
	"population": {"generate synthetic travelers and authorization records", runCentralPopulation},
	"letter":     {"make a pre-approval letter PDF with its signed QR code", runCentralLetter},
	"command":    {"send a signed command to one kiosk (or replay a captured one)", runCentralCommand},
	"decide":     {"officer console stand-in: publish an officer decision on a referral", runCentralDecide},
	"listen":     {"receive, store and check every kiosk's events, state and telemetry", runCentralListen},
	"probe":      {"act as a kiosk once: read the head, send a SyncRequest, verify what comes back", runCentralProbe},
	"emit":       {"test: publish synthetic kiosk events (with gaps, duplicates, disorder) for listen", runCentralEmit},
}

func runCentral(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return subDispatch("central", centralCommands, args, stdin, stdout, stderr)
}

type centralBrokerFlags struct {
	url, clientID, ca, cert, keyFile, user, pass string
}

func centralAddBrokerFlags(fs *flag.FlagSet) *centralBrokerFlags {
	b := &centralBrokerFlags{}
	fs.StringVar(&b.url, "broker", "", "MQTT broker URL, e.g. tcp://127.0.0.1:1883 or ssl://broker:8883")
	fs.StringVar(&b.clientID, "client-id", "", "MQTT client ID (default xpt-central-{role}-{random})")
	fs.StringVar(&b.ca, "ca", "", "TLS: CA certificate bundle (PEM)")
	fs.StringVar(&b.cert, "cert", "", "TLS: client certificate (PEM)")
	fs.StringVar(&b.keyFile, "key-file", "", "TLS: client certificate's private key (PEM)")
	fs.StringVar(&b.user, "username", "", "MQTT username")
	fs.StringVar(&b.pass, "password", "", "MQTT password (or $XPT_MQTT_PASSWORD)")
	return b
}

func (b *centralBrokerFlags) options(role string) central.MQTTOptions {
	pass := b.pass
	if pass == "" {
		pass = os.Getenv("XPT_MQTT_PASSWORD")
	}
	return central.MQTTOptions{Broker: b.url, ClientID: b.clientID, Role: role, CA: b.ca, Cert: b.cert, KeyFile: b.keyFile, Username: b.user, Password: pass}
}

func (b *centralBrokerFlags) connect(ctx context.Context, role string) (*central.Client, error) {
	return central.Connect(ctx, b.options(role))
}

func centralFail(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "xpt-kiosk central %s: %v\n", cmd, err)
	return exitFail
}

func centralLogger(stderr io.Writer, verbose bool) *slog.Logger {
	lvl := slog.LevelInfo
	if verbose {
		lvl = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))
}

func runCentralKeygen(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("central keygen", "Usage: xpt-kiosk central keygen [--id central-2026-a] [--out DIR]\n", stderr)
	id := fs.String("id", central.DefaultKeyID, "key ID kiosks will know the key by")
	out := fs.String("out", ".", "directory for {id}.key (0600), {id}.pub and {id}.trust.toml")
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}
	s, err := central.GenerateSigner(*id, nil)
	if err != nil {
		return centralFail(stderr, "keygen", err)
	}
	files, err := central.WriteKeyFiles(*out, s)
	if err != nil {
		return centralFail(stderr, "keygen", err)
	}
	fmt.Fprintf(stdout, "# private key (keep secret): %s\n# public key: %s\n# for the kiosk configuration (%s):\n%s", files.Private, files.Public, files.TOML, s.TrustSnippet())
	return exitOK
}

func runCentralPublish(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("central publish", "Usage: xpt-kiosk central publish --broker URL --key FILE [--records FILE.jsonl] [--state DIR] [--serve] [test flags]\n", stderr)
	bf := centralAddBrokerFlags(fs)
	keyFile := fs.String("key", "", "central signing key file (from central keygen)")
	records := fs.String("records", "", "JSON lines of AuthzRecords and {\"remove\":ID} lines ('-' = stdin); none: publish nothing new")
	batchSize := fs.Int("batch-size", central.DefaultBatchSize, "records per batch")
	stateDir := fs.String("state", "central-state", "state directory: last seq, head, every published batch (for replay)")
	serve := fs.Bool("serve", false, "keep running and answer sync requests from the stored batches")
	serveFor := fs.Duration("serve-for", 0, "with --serve: stop after this long (default: at SIGINT)")
	noBroker := fs.Bool("offline", false, "only sign and store the batches (no broker)")
	noValidate := fs.Bool("no-validate", false, "test: publish records that break the schema")
	forge := fs.Bool("forge", false, "test: sign with a random key under the real key ID (bad signature); nothing stored")
	unknownKey := fs.Bool("unknown-key", false, "test: sign with a random key under key ID central-unknown; nothing stored")
	skip := fs.Uint64("skip-seq", 0, "test: leave a gap of N seqs before this run's first batch")
	startSeq := fs.Uint64("start-seq", 0, "test: first seq of this run (at or below the state's seq: published but not stored)")
	reverse := fs.Bool("reverse", false, "test: publish this run's batches in reverse seq order")
	noHead := fs.Bool("no-head", false, "test: do not publish the head")
	replaySeq := fs.Uint64("replay-seq", 0, "test: publish stored batch N again, byte for byte, on the broadcast topic")
	verbose := fs.Bool("v", false, "verbose log")
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}
	if *keyFile == "" && (*records != "" || *forge || *unknownKey) {
		return usageError(fs, "--key is required to sign")
	}
	if bf.url == "" && !*noBroker {
		return usageError(fs, "--broker is required (or --offline)")
	}
	log := centralLogger(stderr, *verbose)
	st, err := central.OpenStore(*stateDir)
	if err != nil {
		return centralFail(stderr, "publish", err)
	}
	var signer central.Signer
	if *keyFile != "" {
		if signer, err = central.LoadSigner(*keyFile); err != nil {
			return centralFail(stderr, "publish", err)
		}
	}
	ctx, cancel := signalContext()
	defer cancel()
	var client *central.Client
	var sink central.Sink
	if !*noBroker {
		if client, err = bf.connect(ctx, "publisher"); err != nil {
			return centralFail(stderr, "publish", err)
		}
		defer client.Close()
		sink = client
	}
	if *replaySeq != 0 {
		if sink == nil {
			return centralFail(stderr, "publish", errors.New("--replay-seq needs a broker"))
		}
		if err := central.Republish(st, sink, *replaySeq); err != nil {
			return centralFail(stderr, "publish", err)
		}
		fmt.Fprintf(stdout, "replayed batch %d on %s\n", *replaySeq, wire.TopicAuthzBatches)
	}
	if *records != "" {
		var in io.Reader = os.Stdin
		if *records != "-" {
			f, err := os.Open(*records)
			if err != nil {
				return centralFail(stderr, "publish", err)
			}
			defer f.Close()
			in = f
		}
		res, err := central.Publish(ctx, st, signer, in, sink, central.PublishOptions{
			BatchSize: *batchSize, NoValidate: *noValidate, StartSeq: *startSeq, SkipSeq: *skip,
			Forge: *forge, UnknownKey: *unknownKey, Reverse: *reverse, NoHead: *noHead})
		if err != nil {
			return centralFail(stderr, "publish", err)
		}
		what := "published"
		if sink == nil {
			what = "stored"
		}
		fmt.Fprintf(stdout, "%s %d batches (seq %d..%d): %d records, %d removals in %s (%.0f records/s)",
			what, res.Batches, res.FirstSeq, res.LastSeq, res.Records, res.Removed, res.Elapsed.Round(time.Millisecond), float64(res.Records)/res.Elapsed.Seconds())
		if !res.Stored {
			fmt.Fprint(stdout, " [test traffic: not stored]")
		}
		fmt.Fprintln(stdout)
		if res.Head.Seq != 0 {
			fmt.Fprintf(stdout, "head: seq %d, %d records (retained on %s)\n", res.Head.Seq, res.Head.Records, wire.TopicAuthzHead)
		}
	} else if sink != nil && !*serve && *replaySeq == 0 {
		if err := central.RepublishHead(st, sink); err != nil {
			return centralFail(stderr, "publish", err)
		}
		fmt.Fprintf(stdout, "head: seq %d republished\n", st.State().Seq)
	}
	if *serve {
		if client == nil {
			return centralFail(stderr, "publish", errors.New("--serve needs a broker"))
		}
		if *serveFor > 0 {
			var c2 context.CancelFunc
			ctx, c2 = context.WithTimeout(ctx, *serveFor)
			defer c2()
		}
		srv := &central.SyncServer{Store: st, Broker: client, Logger: log}
		fmt.Fprintf(stdout, "serving sync requests on %s (seq %d); Ctrl-C to stop\n", wire.KioskTopic("+", "sync"), st.State().Seq)
		if err := srv.Serve(ctx); err != nil {
			return centralFail(stderr, "publish", err)
		}
		s := srv.Stats()
		fmt.Fprintf(stdout, "sync requests %d, answered %d, batches sent %d, rejected %d\n", s.Requests, s.Replies, s.Batches, s.Rejected)
	}
	return exitOK
}

func runCentralReplay(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("central replay", "Usage: xpt-kiosk central replay --broker URL --kiosk ID [--from SEQ] [--state DIR]\n", stderr)
	bf := centralAddBrokerFlags(fs)
	kiosk := fs.String("kiosk", "", "kiosk ID")
	from := fs.Uint64("from", 0, "first seq to send (0 = everything)")
	stateDir := fs.String("state", "central-state", "state directory of central publish")
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}
	if !wire.ValidKioskID(*kiosk) {
		return usageError(fs, "--kiosk must match ^[a-z0-9][a-z0-9-]{2,39}$")
	}
	st, err := central.OpenStore(*stateDir)
	if err != nil {
		return centralFail(stderr, "replay", err)
	}
	ctx, cancel := signalContext()
	defer cancel()
	c, err := bf.connect(ctx, "replay")
	if err != nil {
		return centralFail(stderr, "replay", err)
	}
	defer c.Close()
	n, err := central.Replay(ctx, st, c, *kiosk, *from)
	if err != nil {
		return centralFail(stderr, "replay", err)
	}
	fmt.Fprintf(stdout, "sent %d batches to %s\n", n, wire.KioskTopic(*kiosk, "authz"))
	return exitOK
}

func runCentralPopulation(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("central population", "Usage: xpt-kiosk central population --count N [--seed S] [--out DIR] [--today YYYY-MM-DD] [--key FILE]\n", stderr)
	count := fs.Int("count", 1000, "travelers (at least one per scenario)")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same files")
	out := fs.String("out", ".", "directory for records.jsonl and travelers.jsonl")
	today := fs.String("today", "", "date the expected outcomes hold for (default today, UTC)")
	keyFile := fs.String("key", "", "sign the letters with this central key (default: a key derived from the seed, written to DIR)")
	letterRate := fs.Float64("letter-rate", 0.02, "share of ordinary travelers carrying a letter")
	troubleRate := fs.Float64("trouble-rate", 0.05, "share of ordinary travelers given a random data problem (negative: none)")
	recordsOnly := fs.Bool("records-only", false, "write only records.jsonl (no travelers: about twice as fast, for replica benchmarks)")
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}
	day := time.Now().UTC()
	if *today != "" {
		t, err := time.Parse(wire.DateFormat, *today)
		if err != nil {
			return usageError(fs, "--today %q is not YYYY-MM-DD", *today)
		}
		day = t
	}
	opt := central.PopulationOptions{Count: *count, Seed: *seed, Today: day, LetterRate: *letterRate, TroubleRate: *troubleRate, RecordsOnly: *recordsOnly}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return centralFail(stderr, "population", err)
	}
	if *keyFile != "" {
		s, err := central.LoadSigner(*keyFile)
		if err != nil {
			return centralFail(stderr, "population", err)
		}
		opt.Signer = &s
	} else {
		s := central.PopulationSigner(*seed)
		if _, err := os.Stat(filepath.Join(*out, s.KeyID+".key")); err != nil {
			if _, err := central.WriteKeyFiles(*out, s); err != nil {
				return centralFail(stderr, "population", err)
			}
		}
	}
	start := time.Now()
	rf, err := os.Create(filepath.Join(*out, "records.jsonl"))
	if err != nil {
		return centralFail(stderr, "population", err)
	}
	defer rf.Close()
	var tw io.Writer
	tclose := func() error { return nil }
	if !*recordsOnly {
		tf, err := os.Create(filepath.Join(*out, "travelers.jsonl"))
		if err != nil {
			return centralFail(stderr, "population", err)
		}
		defer tf.Close()
		tw, tclose = tf, tf.Close
	}
	stats, err := central.GeneratePopulation(opt, rf, tw)
	if err == nil {
		err = errors.Join(rf.Close(), tclose())
	}
	if err != nil {
		return centralFail(stderr, "population", err)
	}
	el := time.Since(start)
	if *recordsOnly {
		fmt.Fprintf(stdout, "%d records in %s (%s/records.jsonl)\n", stats.Records, el.Round(time.Millisecond), *out)
		return exitOK
	}
	fmt.Fprintf(stdout, "%d travelers, %d records in %s (%s/records.jsonl, %s/travelers.jsonl), expectations for %s\n",
		stats.Travelers, stats.Records, el.Round(time.Millisecond), *out, *out, day.Format(wire.DateFormat))
	fmt.Fprintf(stdout, "at a CA>US kiosk: %d admitted, %d referred; reasons:", stats.Outcomes[wire.OutcomeAdmitted], stats.Outcomes[wire.OutcomeReferred])
	for _, r := range wire.AllReasons {
		if n := stats.Reasons[r]; n > 0 {
			fmt.Fprintf(stdout, " %s=%d", r, n)
		}
	}
	fmt.Fprintln(stdout)
	if opt.Signer == nil {
		fmt.Fprintf(stdout, "letters signed with %s/central-population.key: trust %s/central-population.trust.toml or pass --key\n", *out, *out)
	}
	return exitOK
}

func runCentralLetter(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("central letter", "Usage: xpt-kiosk central letter --auth ID --records FILE.jsonl --key FILE --out letter.pdf [--purpose TEXT] [--valid-until YYYY-MM-DD] [--png qr.png]\n", stderr)
	auth := fs.String("auth", "", "authorization ID")
	records := fs.String("records", "", "records file (JSON lines of AuthzRecords)")
	keyFile := fs.String("key", "", "central signing key file")
	out := fs.String("out", "", "letter PDF to write")
	png := fs.String("png", "", "also write the QR code alone as a PNG")
	docNum := fs.String("document", "", "document number the letter is for (default the record's first)")
	purpose := fs.String("purpose", "", "purpose of the visit")
	validUntil := fs.String("valid-until", "", "YYYY-MM-DD (default 90 days, within the authorization)")
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}
	if *auth == "" || *records == "" || *keyFile == "" || (*out == "" && *png == "") {
		return usageError(fs, "--auth, --records, --key and --out (or --png) are required")
	}
	s, err := central.LoadSigner(*keyFile)
	if err != nil {
		return centralFail(stderr, "letter", err)
	}
	f, err := os.Open(*records)
	if err != nil {
		return centralFail(stderr, "letter", err)
	}
	rec, err := central.FindRecord(f, *auth)
	f.Close()
	if err != nil {
		return centralFail(stderr, "letter", err)
	}
	in := &central.LetterInput{Record: *rec, Purpose: *purpose, ValidUntil: *validUntil}
	if *docNum != "" {
		for i := range rec.Documents {
			if rec.Documents[i].Number == *docNum {
				in.Document = &rec.Documents[i]
			}
		}
		if in.Document == nil {
			in.Document = &wire.Document{Code: "P", IssuingState: rec.Holder.Nationality, Number: *docNum}
			fmt.Fprintf(stderr, "note: %s is not in the record: the letter will not match any document of it\n", *docNum)
		}
	}
	l, text, err := central.MakeLetter(s, in)
	if err != nil {
		return centralFail(stderr, "letter", err)
	}
	if *out != "" {
		pf, err := os.Create(*out)
		if err != nil {
			return centralFail(stderr, "letter", err)
		}
		if err := central.LetterPDF(pf, in, l, text); err != nil {
			pf.Close()
			return centralFail(stderr, "letter", err)
		}
		if err := pf.Close(); err != nil {
			return centralFail(stderr, "letter", err)
		}
		fmt.Fprintf(stdout, "letter: %s\n", *out)
	}
	if *png != "" {
		b, err := central.QRPNG(text, 8)
		if err != nil {
			return centralFail(stderr, "letter", err)
		}
		if err := os.WriteFile(*png, b, 0o644); err != nil {
			return centralFail(stderr, "letter", err)
		}
		fmt.Fprintf(stdout, "qr: %s\n", *png)
	}
	fmt.Fprintf(stdout, "for %s, document %s %s, valid until %s\n%s\n", l.AuthorizationID, l.Document.IssuingState, l.Document.Number, l.ValidUntil, text)
	return exitOK
}

func runCentralCommand(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("central command", "Usage: xpt-kiosk central command --broker URL --key FILE --kiosk ID --type lock|unlock|resync|set-referral-rate [--rate R] [--ttl 5m] | --replay FILE\n", stderr)
	bf := centralAddBrokerFlags(fs)
	keyFile := fs.String("key", "", "central signing key file")
	kiosk := fs.String("kiosk", "", "kiosk ID")
	typ := fs.String("type", "", "lock, unlock, resync or set-referral-rate")
	rate := fs.Float64("rate", -1, "set-referral-rate: the rate, 0..1")
	ttl := fs.Duration("ttl", 5*time.Minute, "validity: notAfter = now + ttl (negative: already expired, for tests)")
	save := fs.String("save", "", "write the signed envelope as sent to FILE (to replay it later)")
	replay := fs.String("replay", "", "test: resend the captured envelope in FILE unchanged")
	forge := fs.Bool("forge", false, "test: sign with a random key under the real key ID (bad signature)")
	unknownKey := fs.Bool("unknown-key", false, "test: sign with a random key under key ID central-unknown")
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}
	if bf.url == "" {
		return usageError(fs, "--broker is required")
	}
	ctx, cancel := signalContext()
	defer cancel()
	if *replay != "" {
		env, err := os.ReadFile(*replay)
		if err != nil {
			return centralFail(stderr, "command", err)
		}
		c, err := bf.connect(ctx, "command")
		if err != nil {
			return centralFail(stderr, "command", err)
		}
		defer c.Close()
		cmd, err := central.ResendEnvelope(c, env)
		if err != nil {
			return centralFail(stderr, "command", err)
		}
		fmt.Fprintf(stdout, "replayed command %s (%s) to %s\n", cmd.CommandID, cmd.Type, wire.KioskTopic(cmd.KioskID, "commands"))
		return exitOK
	}
	if *keyFile == "" || *kiosk == "" || *typ == "" {
		return usageError(fs, "--key, --kiosk and --type are required")
	}
	s, err := central.LoadSigner(*keyFile)
	if err != nil {
		return centralFail(stderr, "command", err)
	}
	if *forge || *unknownKey {
		id := s.KeyID
		if *unknownKey {
			id = "central-unknown"
		}
		if s, err = central.GenerateSigner(id, nil); err != nil {
			return centralFail(stderr, "command", err)
		}
	}
	var cargs map[string]any
	if *typ == wire.CommandSetReferralRate {
		cargs = map[string]any{"rate": *rate}
	}
	cmd, err := central.NewCommand(*kiosk, *typ, cargs, *ttl, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk central command: %v\n", err)
		return exitUsage
	}
	c, err := bf.connect(ctx, "command")
	if err != nil {
		return centralFail(stderr, "command", err)
	}
	defer c.Close()
	env, err := central.SendCommand(c, s, cmd)
	if err != nil {
		return centralFail(stderr, "command", err)
	}
	if *save != "" {
		if err := os.WriteFile(*save, env, 0o644); err != nil {
			return centralFail(stderr, "command", err)
		}
	}
	b, _ := json.Marshal(cmd)
	fmt.Fprintf(stdout, "sent to %s: %s\n", wire.KioskTopic(cmd.KioskID, "commands"), b)
	return exitOK
}

func runCentralDecide(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("central decide", "Usage: xpt-kiosk central decide --broker URL --key FILE --port YYZ --referral ID --kiosk ID --decision admit|refuse|secondary --officer ID [--note TEXT] [--unsigned]\n", stderr)
	bf := centralAddBrokerFlags(fs)
	keyFile := fs.String("key", "", "central signing key file: kiosks accept only signed decisions")
	unsigned := fs.Bool("unsigned", false, "test: publish the plain decision JSON, which kiosks refuse (unsigned)")
	port := fs.String("port", "", "port code of the kiosk")
	referral := fs.String("referral", "", "referral ID (from the referral.opened event)")
	kiosk := fs.String("kiosk", "", "kiosk ID")
	decision := fs.String("decision", "", "admit, refuse or secondary")
	officer := fs.String("officer", "", "officer ID")
	note := fs.String("note", "", "free text")
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}
	if bf.url == "" || *port == "" || *referral == "" || *kiosk == "" || *decision == "" || *officer == "" || (*keyFile == "" && !*unsigned) {
		return usageError(fs, "--broker, --key, --port, --referral, --kiosk, --decision and --officer are required")
	}
	ctx, cancel := signalContext()
	defer cancel()
	d := wire.OfficerDecision{ReferralID: *referral, KioskID: *kiosk, OfficerID: *officer, Decision: *decision, Note: *note, At: wire.FormatTime(time.Now())}
	c, err := bf.connect(ctx, "officer")
	if err != nil {
		return centralFail(stderr, "decide", err)
	}
	defer c.Close()
	if *unsigned {
		b, _ := json.Marshal(d)
		if err := c.Publish(wire.DecisionTopic(*port, *referral), 1, false, b); err != nil {
			return centralFail(stderr, "decide", err)
		}
		if err := c.Flush(30 * time.Second); err != nil {
			return centralFail(stderr, "decide", err)
		}
		fmt.Fprintf(stdout, "sent unsigned (kiosks refuse it) to %s\n", wire.DecisionTopic(*port, *referral))
		return exitOK
	}
	s, err := central.LoadSigner(*keyFile)
	if err != nil {
		return centralFail(stderr, "decide", err)
	}
	if _, err := central.SendDecision(c, s, *port, d); err != nil {
		return centralFail(stderr, "decide", err)
	}
	fmt.Fprintf(stdout, "sent to %s\n", wire.DecisionTopic(*port, *referral))
	return exitOK
}

func runCentralListen(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("central listen", "Usage: xpt-kiosk central listen --broker URL [--store DIR] [--json] [--duration D]\n", stderr)
	bf := centralAddBrokerFlags(fs)
	store := fs.String("store", "", "directory for events.jsonl (durable, de-duplicated); none: memory only")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	duration := fs.Duration("duration", 0, "stop after this long (default: at SIGINT)")
	every := fs.Duration("report-every", 0, "also print a report this often")
	quiet := fs.Bool("quiet", false, "do not print each event")
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}
	if bf.url == "" {
		return usageError(fs, "--broker is required")
	}
	ctx, cancel := signalContext()
	defer cancel()
	if *duration > 0 {
		var c2 context.CancelFunc
		ctx, c2 = context.WithTimeout(ctx, *duration)
		defer c2()
	}
	ledger := central.NewLedger()
	opts := bf.options("listener")
	var es *central.EventStore
	if *store != "" {
		var err error
		if es, err = central.OpenEventStore(*store, ledger); err != nil {
			return centralFail(stderr, "listen", err)
		}
		defer es.Close()
		// A durable store goes with a persistent session: the broker keeps
		// events while the listener is away.
		opts.Persistent, opts.ManualAck = true, true
		if opts.ClientID == "" {
			opts.ClientID = "xpt-central-listener"
		}
	}
	ln := &central.Listener{Ledger: ledger, Store: es, Logger: centralLogger(stderr, false)}
	opts.OnMessage = ln.Handle
	c, err := central.Connect(ctx, opts)
	if err != nil {
		return centralFail(stderr, "listen", err)
	}
	defer c.Close()
	ln.Broker = c
	if !*quiet && !*asJSON {
		ln.OnEvent = func(ev *wire.Event, res central.AddResult) {
			tag := ""
			switch {
			case res.Duplicate:
				tag = " [duplicate]"
			case res.OutOfOrder:
				tag = " [out of order]"
			}
			if res.Conflict != "" {
				tag += " [conflict: " + res.Conflict + "]"
			}
			extra := ""
			if t := ev.Transaction; t != nil {
				extra = " " + t.Outcome
				if len(t.Reasons) > 0 {
					extra += " " + strings.Join(t.Reasons, ",")
				}
			}
			fmt.Fprintf(stdout, "%s %s seq %d %s%s%s\n", ev.At, ev.KioskID, ev.Seq, ev.Type, extra, tag)
		}
	}
	if *every > 0 {
		go func() {
			t := time.NewTicker(*every)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					ledger.Report().WriteText(stdout)
				}
			}
		}()
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "listening on %s, %s, %s\n", wire.KioskTopic("+", "events"), wire.KioskTopic("+", "state"), wire.KioskTopic("+", "telemetry"))
	}
	if err := ln.Run(ctx); err != nil {
		return centralFail(stderr, "listen", err)
	}
	rep := ledger.Report()
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		rep.WriteText(stdout)
	}
	if !rep.OK {
		return exitFail
	}
	return exitOK
}

func runCentralProbe(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("central probe", "Usage: xpt-kiosk central probe --broker URL --trust FILE.pub [--key-id ID] [--kiosk ID] [--from SEQ] [--wait 2s]\n", stderr)
	bf := centralAddBrokerFlags(fs)
	trust := fs.String("trust", "", "public key file (central keygen's .pub) the probe trusts")
	keyID := fs.String("key-id", "", "key ID of that key (default: the file name without .pub)")
	kiosk := fs.String("kiosk", "probe-kiosk", "kiosk ID to ask as")
	from := fs.Uint64("from", 0, "fromSeq of the SyncRequest (0 = everything)")
	wait := fs.Duration("wait", 2*time.Second, "stop after this long without a message")
	noSync := fs.Bool("no-sync", false, "send no SyncRequest: only watch the head and the broadcast batches")
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}
	if bf.url == "" || *trust == "" {
		return usageError(fs, "--broker and --trust are required")
	}
	pubText, err := os.ReadFile(*trust)
	if err != nil {
		return centralFail(stderr, "probe", err)
	}
	id := *keyID
	if id == "" {
		id = strings.TrimSuffix(filepath.Base(*trust), filepath.Ext(*trust))
	}
	ring, err := wire.NewKeyRing(map[string]string{id: string(pubText)})
	if err != nil {
		return centralFail(stderr, "probe", err)
	}
	ctx, cancel := signalContext()
	defer cancel()
	c, err := bf.connect(ctx, "probe")
	if err != nil {
		return centralFail(stderr, "probe", err)
	}
	defer c.Close()
	got := make(chan central.Message, 1024)
	for _, topic := range []string{wire.TopicAuthzHead, wire.TopicAuthzBatches, wire.KioskTopic(*kiosk, "authz")} {
		if err := c.Subscribe(topic, 1, func(m central.Message) { got <- m }); err != nil {
			return centralFail(stderr, "probe", err)
		}
	}
	if !*noSync {
		req, _ := json.Marshal(wire.SyncRequest{KioskID: *kiosk, FromSeq: *from})
		if err := c.Publish(wire.KioskTopic(*kiosk, "sync"), 1, false, req); err != nil {
			return centralFail(stderr, "probe", err)
		}
		fmt.Fprintf(stdout, "sent %s to %s\n", req, wire.KioskTopic(*kiosk, "sync"))
	}
	bad, batches, records := 0, 0, 0
	var last uint64
	for {
		select {
		case <-ctx.Done():
			return exitOK
		case <-time.After(*wait):
			fmt.Fprintf(stdout, "%d batches (%d records), last seq %d, %d rejected\n", batches, records, last, bad)
			if bad > 0 {
				return exitFail
			}
			return exitOK
		case m := <-got:
			if m.Topic() == wire.TopicAuthzHead {
				var h wire.AuthzHead
				if _, err := ring.OpenInto(m.Payload(), &h); err != nil {
					bad++
					fmt.Fprintf(stdout, "head REJECTED: %v\n", err)
					continue
				}
				fmt.Fprintf(stdout, "head: seq %d, %d records, issued %s (retained %v)\n", h.Seq, h.Records, h.IssuedAt, m.Retained())
				continue
			}
			src := "sync"
			if m.Topic() == wire.TopicAuthzBatches {
				src = "broadcast"
			}
			var b wire.AuthzBatch
			if _, err := ring.OpenInto(m.Payload(), &b); err != nil {
				bad++
				fmt.Fprintf(stdout, "%s batch REJECTED: %v\n", src, err)
				continue
			}
			order := ""
			if last != 0 && b.Seq != last+1 {
				order = fmt.Sprintf(" (after %d: not in order)", last)
			}
			last = b.Seq
			batches++
			records += len(b.Records)
			fmt.Fprintf(stdout, "%s batch seq %d: %d records, %d removals%s\n", src, b.Seq, len(b.Records), len(b.Removed), order)
		}
	}
}

func runCentralEmit(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("central emit", "Usage: xpt-kiosk central emit --broker URL --kiosk ID [--port YYZ] [--count N] [--from SEQ] [--skip 5,9] [--dup 3] [--swap 7]\n", stderr)
	bf := centralAddBrokerFlags(fs)
	kiosk := fs.String("kiosk", "test-kiosk", "kiosk ID the events claim")
	port := fs.String("port", "YYZ", "port code")
	count := fs.Int("count", 10, "events")
	from := fs.Uint64("from", 1, "first seq")
	skip := fs.String("skip", "", "seqs not to send (comma-separated): a gap")
	dup := fs.String("dup", "", "seqs to send twice (same eventId)")
	swap := fs.String("swap", "", "seqs to send after their successor (out of order)")
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}
	if bf.url == "" || !wire.ValidKioskID(*kiosk) {
		return usageError(fs, "--broker and a valid --kiosk are required")
	}
	set := func(s string) map[uint64]bool {
		m := map[uint64]bool{}
		for _, f := range strings.Split(s, ",") {
			var n uint64
			if _, err := fmt.Sscan(strings.TrimSpace(f), &n); err == nil {
				m[n] = true
			}
		}
		return m
	}
	skips, dups, swaps := set(*skip), set(*dup), set(*swap)
	ctx, cancel := signalContext()
	defer cancel()
	c, err := bf.connect(ctx, "emit")
	if err != nil {
		return centralFail(stderr, "emit", err)
	}
	defer c.Close()
	now := time.Now()
	mk := func(seq uint64) []byte {
		e := wire.Event{EventID: wire.NewID(now), KioskID: *kiosk, PortCode: *port, Seq: seq, Type: wire.EventTransactionCompleted,
			At:          wire.FormatTime(now.Add(time.Duration(seq) * time.Millisecond)),
			Transaction: &wire.Transaction{ID: wire.NewID(now), Outcome: wire.OutcomeAdmitted, Reasons: []string{}, Direction: wire.DirCAtoUS, Checks: []wire.Check{}}}
		b, _ := json.Marshal(e)
		return b
	}
	topic := wire.KioskTopic(*kiosk, "events")
	var held []byte
	sent := 0
	for seq := *from; seq < *from+uint64(*count); seq++ {
		if skips[seq] {
			continue
		}
		p := mk(seq)
		if swaps[seq] {
			held = p
			continue
		}
		if err := c.Publish(topic, 1, false, p); err != nil {
			return centralFail(stderr, "emit", err)
		}
		sent++
		if dups[seq] {
			_ = c.Publish(topic, 1, false, p)
			sent++
		}
		if held != nil {
			_ = c.Publish(topic, 1, false, held)
			held = nil
			sent++
		}
	}
	if held != nil {
		_ = c.Publish(topic, 1, false, held)
		sent++
	}
	if err := c.Flush(30 * time.Second); err != nil {
		return centralFail(stderr, "emit", err)
	}
	fmt.Fprintf(stdout, "sent %d events on %s\n", sent, topic)
	return exitOK
}
