package link

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/outbox"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Outbox is what the link needs of agent/outbox.
type Outbox interface {
	Append(ev *wire.Event) (uint64, error)
	Next(ctx context.Context, after uint64, max int) ([]outbox.Record, error)
	Ack(seq uint64)
	Acked() uint64
}

// CommandHandler applies verified commands (lock, unlock, resync,
// set-referral-rate). An error rejects the command; its text becomes the
// reason of command.rejected, so it should be a short code.
type CommandHandler interface {
	ApplyCommand(ctx context.Context, cmd wire.Command) error
}

// DecisionHandler receives officer decisions for this kiosk's referrals.
type DecisionHandler interface {
	// ReferralOpen reports whether this kiosk has the referral open.
	ReferralOpen(referralID string) bool
	// Decide applies a verified decision; via says which path and key it
	// came by ("mqtt:central-2026-a"), for the audit log.
	Decide(ctx context.Context, d wire.OfficerDecision, via string) error
}

// AuthzHandler is the authorization replica (agent/authz). It verifies the
// envelopes itself; a *wire.RejectError it returns is counted and reported.
type AuthzHandler interface {
	HandleBatch(ctx context.Context, topic string, raw []byte) error
	HandleHead(ctx context.Context, raw []byte) error
}

// Options configure a Link. The lead maps the [mqtt] configuration section
// onto it (docs/protocol.md lists the proposed keys).
type Options struct {
	KioskID  string // required, ^[a-z0-9][a-z0-9-]{2,39}$
	PortCode string // required, ^[A-Z0-9]{3,5}$
	Version  string // agent version for KioskState

	Broker string // tcp://127.0.0.1:1883, ssl://host:8883 (also tls://, mqtts://)
	// TLS from files: CA to trust, client certificate and key. TLSConfig,
	// when set, is used as is instead.
	CAFile, CertFile, KeyFile string
	TLSConfig                 *tls.Config
	Username                  string
	Password                  string
	PasswordFile              string // read once at New; wins over Password

	KeepAlive      time.Duration // default 30s (the spec's)
	ConnectTimeout time.Duration // default 10s
	// Reconnect back-off: the n-th retry waits a uniformly random time in
	// [0, min(BackoffMax, BackoffBase*2^n)] ("full jitter").
	BackoffBase time.Duration // default 500ms
	BackoffMax  time.Duration // default 15s
	// Window is how many events may await PUBACK at once (default 128).
	Window int

	Keys     *wire.KeyRing // trusted central keys; required
	StateDir string        // where seen command IDs are kept; required
	// MaxCommandTTL refuses commands whose notAfter is further away than
	// this (default 24h), which bounds how long IDs must be remembered.
	MaxCommandTTL time.Duration
	// MaxDecisionAge refuses (expired) a signed officer decision whose "at"
	// is older than this, or further than DecisionClockSkew ahead (10 min).
	MaxDecisionAge time.Duration

	Outbox    Outbox // required
	Commands  CommandHandler
	Decisions DecisionHandler
	Authz     AuthzHandler

	// SecurityEventsPerMinute limits security.message_rejected events (a
	// flood of forged messages must not fill the outbox); the rest are
	// counted and summarised in the next event (default 60, burst 20).
	SecurityEventsPerMinute int

	// OnConnection is called on every connect (true) and loss (false).
	OnConnection func(connected bool, at time.Time)
	Logger       *slog.Logger
	Now          func() time.Time
}

func (o *Options) defaults() error {
	var errs []error
	if !wire.ValidKioskID(o.KioskID) {
		errs = append(errs, fmt.Errorf("kioskId %q does not match ^[a-z0-9][a-z0-9-]{2,39}$", o.KioskID))
	}
	if !wire.ValidPortCode(o.PortCode) {
		errs = append(errs, fmt.Errorf("portCode %q does not match ^[A-Z0-9]{3,5}$", o.PortCode))
	}
	if o.Broker == "" {
		errs = append(errs, errors.New("no broker URL"))
	}
	if o.Keys == nil {
		errs = append(errs, errors.New("no trusted keys"))
	}
	if o.Outbox == nil {
		errs = append(errs, errors.New("no outbox"))
	}
	if o.StateDir == "" {
		errs = append(errs, errors.New("no state directory"))
	}
	if o.KeepAlive <= 0 {
		o.KeepAlive = 30 * time.Second
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = 500 * time.Millisecond
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 15 * time.Second
	}
	if o.Window <= 0 {
		o.Window = 128
	}
	if o.MaxCommandTTL <= 0 {
		o.MaxCommandTTL = 24 * time.Hour
	}
	if o.MaxDecisionAge <= 0 {
		o.MaxDecisionAge = DefaultMaxDecisionAge
	}
	if o.SecurityEventsPerMinute <= 0 {
		o.SecurityEventsPerMinute = 60
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PasswordFile != "" {
		raw, err := os.ReadFile(o.PasswordFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("password file: %w", err))
		}
		o.Password = strings.TrimRight(string(raw), "\r\n")
	}
	if o.TLSConfig == nil && (o.CAFile != "" || o.CertFile != "" || o.KeyFile != "") {
		tc, err := tlsFromFiles(o.CAFile, o.CertFile, o.KeyFile)
		if err != nil {
			errs = append(errs, err)
		}
		o.TLSConfig = tc
	}
	if o.TLSConfig != nil && o.TLSConfig.MinVersion < tls.VersionTLS12 {
		o.TLSConfig = o.TLSConfig.Clone()
		o.TLSConfig.MinVersion = tls.VersionTLS12
	}
	return errors.Join(errs...)
}

// CheckCredentials loads the broker credentials the way New does (the CA,
// the client certificate and key, the password file), so that selftest can
// name the file that is wrong before the agent starts. It returns the
// client certificate's expiry (zero without one).
func CheckCredentials(caFile, certFile, keyFile, passwordFile string) (notAfter time.Time, err error) {
	if passwordFile != "" {
		raw, err := os.ReadFile(passwordFile)
		if err != nil {
			return time.Time{}, fmt.Errorf("password file: %w", err)
		}
		if strings.TrimRight(string(raw), "\r\n") == "" {
			return time.Time{}, fmt.Errorf("password file %s is empty", passwordFile)
		}
	}
	if caFile == "" && certFile == "" && keyFile == "" {
		return time.Time{}, nil
	}
	tc, err := tlsFromFiles(caFile, certFile, keyFile)
	if err != nil {
		return time.Time{}, err
	}
	if len(tc.Certificates) > 0 && tc.Certificates[0].Leaf != nil {
		notAfter = tc.Certificates[0].Leaf.NotAfter
	}
	return notAfter, nil
}

// DefaultMaxDecisionAge is MaxDecisionAge when it is left out.
const DefaultMaxDecisionAge = 10 * time.Minute

// DecisionClockSkew is how far ahead of the kiosk's clock a decision's "at"
// may be.
const DecisionClockSkew = 2 * time.Minute

func tlsFromFiles(ca, cert, key string) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("tls CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls CA %s: no certificate in it", ca)
		}
		tc.RootCAs = pool
	}
	if (cert == "") != (key == "") {
		return nil, errors.New("tls: client certificate and key go together")
	}
	if cert != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("tls client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{pair}
	}
	return tc, nil
}
