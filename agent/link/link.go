package link

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// QoS of every topic, as the spec's table says.
const (
	QoSState     = 1
	QoSEvents    = 1
	QoSTelemetry = 0
	QoSSync      = 1
	QoSSubscribe = 1 // batches, head, kiosk authz, commands, decisions
)

// ErrNotConnected is returned by publishes that need a live connection.
var ErrNotConnected = errors.New("link: not connected")

// Link is one kiosk's MQTT link. Create it with New, then Run it.
type Link struct {
	o    Options
	seen *seenCommands

	mu        sync.Mutex
	client    mqtt.Client // current connection, nil when down
	state     wire.KioskState
	stateGen  uint64
	stateKick chan struct{}

	inbox chan inbound

	rejMu         sync.Mutex
	rejections    map[string]uint64 // by reason
	rejByTopic    map[string]uint64 // by topic class (commands, authz, decision)
	secTokens     float64
	secLast       time.Time
	secSuppressed uint64

	connects     atomic.Uint64
	connectFails atomic.Uint64
	published    atomic.Uint64
	acked        atomic.Uint64
	lastConnect  atomic.Int64
	otherKiosk   atomic.Uint64
}

type inbound struct {
	topic string
	raw   []byte
}

// New checks the options and opens the seen-commands store.
func New(o Options) (*Link, error) {
	if err := o.defaults(); err != nil {
		return nil, fmt.Errorf("link: %w", err)
	}
	seen, err := openSeen(o.StateDir, o.Now())
	if err != nil {
		return nil, fmt.Errorf("link: seen commands: %w", err)
	}
	l := &Link{o: o, seen: seen, stateKick: make(chan struct{}, 1), inbox: make(chan inbound, 256),
		rejections: map[string]uint64{}, rejByTopic: map[string]uint64{}, secTokens: 20}
	l.state = wire.KioskState{KioskID: o.KioskID, PortCode: o.PortCode, State: wire.StateOnline, Version: o.Version}
	return l, nil
}

// Topics the kiosk subscribes to.
func (l *Link) subscriptions() map[string]byte {
	return map[string]byte{
		wire.TopicAuthzBatches:                   QoSSubscribe,
		wire.TopicAuthzHead:                      QoSSubscribe,
		wire.KioskTopic(l.o.KioskID, "authz"):    QoSSubscribe,
		wire.KioskTopic(l.o.KioskID, "commands"): QoSSubscribe,
		wire.DecisionTopic(l.o.PortCode, "+"):    QoSSubscribe,
	}
}

// SetState changes the kiosk's state (online, degraded, locked) and the
// reasons shown with it; the retained state topic is republished when it
// changes.
func (l *Link) SetState(state string, reasons ...string) {
	l.mu.Lock()
	if l.state.State == state && equal(l.state.Reasons, reasons) {
		l.mu.Unlock()
		return
	}
	l.state.State, l.state.Reasons = state, append([]string(nil), reasons...)
	l.stateGen++
	l.mu.Unlock()
	l.kickState()
}

// SetAuthzSeq records the replica's seq for the state message.
func (l *Link) SetAuthzSeq(seq uint64) {
	l.mu.Lock()
	if l.state.AuthzSeq == seq {
		l.mu.Unlock()
		return
	}
	l.state.AuthzSeq = seq
	l.stateGen++
	l.mu.Unlock()
	l.kickState()
}

// State returns the state as last set.
func (l *Link) State() wire.KioskState {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.state
	s.Reasons = append([]string(nil), s.Reasons...)
	return s
}

func (l *Link) kickState() {
	select {
	case l.stateKick <- struct{}{}:
	default:
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Connected reports whether a connection is up.
func (l *Link) Connected() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.client != nil
}

// PublishTelemetry sends telemetry at QoS 0 when connected (it is dropped,
// by design, when not: the next one supersedes it). Missing identity, time
// and rejection counters are filled in.
func (l *Link) PublishTelemetry(t wire.Telemetry) error {
	c := l.current()
	if c == nil {
		return ErrNotConnected
	}
	if t.KioskID == "" {
		t.KioskID = l.o.KioskID
	}
	if t.At == "" {
		t.At = wire.FormatTime(l.o.Now())
	}
	if t.Rejected == nil {
		t.Rejected = l.Rejections()
	}
	data, err := json.Marshal(t)
	if err != nil {
		return err
	}
	c.Publish(wire.KioskTopic(l.o.KioskID, "telemetry"), QoSTelemetry, false, data)
	return nil
}

// RequestSync asks the central system to replay authorization batches from
// fromSeq on (0: everything); it returns once the broker acknowledged it.
func (l *Link) RequestSync(ctx context.Context, fromSeq uint64) error {
	c := l.current()
	if c == nil {
		return ErrNotConnected
	}
	data, _ := json.Marshal(wire.SyncRequest{KioskID: l.o.KioskID, FromSeq: fromSeq})
	tok := c.Publish(wire.KioskTopic(l.o.KioskID, "sync"), QoSSync, false, data)
	select {
	case <-tok.Done():
		return tok.Error()
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *Link) current() mqtt.Client {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.client
}

// Stats of the link for telemetry and the technician console.
type Stats struct {
	Connected     bool              `json:"connected"`
	Connects      uint64            `json:"connects"`
	ConnectFails  uint64            `json:"connectFailures"`
	LastConnectAt string            `json:"lastConnectAt,omitempty"`
	Published     uint64            `json:"published"`
	Acked         uint64            `json:"acked"`
	Rejected      map[string]uint64 `json:"rejected"`
	RejectedBy    map[string]uint64 `json:"rejectedByTopic"`
	OtherKiosk    uint64            `json:"decisionsForOtherKiosks"`
}

// Stats returns a snapshot.
func (l *Link) Stats() Stats {
	s := Stats{Connected: l.Connected(), ConnectFails: l.connectFails.Load(),
		Published: l.published.Load(), Acked: l.acked.Load(), Rejected: l.Rejections(), OtherKiosk: l.otherKiosk.Load()}
	var last time.Time
	if s.Connects, last = l.Connects(); !last.IsZero() {
		s.LastConnectAt = wire.FormatTime(last)
	}
	l.rejMu.Lock()
	s.RejectedBy = make(map[string]uint64, len(l.rejByTopic))
	for k, v := range l.rejByTopic {
		s.RejectedBy[k] = v
	}
	l.rejMu.Unlock()
	return s
}

// Connects counts the broker sessions the link opened and says when the
// last one began (zero: never), to the precision of the protocol's times.
// The technician console shows them (agent/kiosk, through plain types).
func (l *Link) Connects() (n uint64, last time.Time) {
	n = l.connects.Load()
	if t := l.lastConnect.Load(); t != 0 {
		last = time.Unix(0, t).UTC().Truncate(time.Millisecond)
	}
	return n, last
}

// Rejections counts refused messages by reject code.
func (l *Link) Rejections() map[string]uint64 {
	l.rejMu.Lock()
	defer l.rejMu.Unlock()
	m := make(map[string]uint64, len(l.rejections))
	for k, v := range l.rejections {
		m[k] = v
	}
	return m
}

// Backoff returns the wait before retry n (0-based): uniformly random in
// [0, min(max, base*2^n)], "full jitter", so a fleet cut off by a broker
// restart spreads its reconnects instead of returning in lock-step.
func Backoff(n int, base, max time.Duration) time.Duration {
	ceil := max
	if n < 30 {
		if c := base << uint(n); c > 0 && c < max {
			ceil = c
		}
	}
	return time.Duration(rand.Int64N(int64(ceil) + 1))
}

// Run keeps the link up until ctx ends; then it publishes the offline state,
// disconnects and returns ctx's error.
func (l *Link) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); l.worker(ctx) }()
	defer func() { wg.Wait(); _ = l.seen.close() }()

	retry := 0
	for {
		connected, err := l.session(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if connected {
			retry = 0
		}
		if !connected {
			l.connectFails.Add(1)
		}
		wait := Backoff(retry, l.o.BackoffBase, l.o.BackoffMax)
		retry++
		l.o.Logger.Info("link: reconnecting", "in", wait.Round(time.Millisecond), "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

func (l *Link) stateJSON(state string) []byte {
	l.mu.Lock()
	s := l.state
	l.mu.Unlock()
	if state != "" {
		s.State, s.Reasons = state, nil
	}
	s.At = wire.FormatTime(l.o.Now())
	data, _ := json.Marshal(s)
	return data
}

// session runs one connection; it reports whether the connection came up.
func (l *Link) session(ctx context.Context) (bool, error) {
	stateTopic := wire.KioskTopic(l.o.KioskID, "state")
	lost := make(chan error, 1)
	opts := mqtt.NewClientOptions().
		AddBroker(l.o.Broker).
		SetClientID("xpt-kiosk-"+l.o.KioskID).
		SetCleanSession(false).
		SetKeepAlive(l.o.KeepAlive).
		SetPingTimeout(10*time.Second).
		SetConnectTimeout(l.o.ConnectTimeout).
		SetWriteTimeout(l.o.ConnectTimeout).
		SetAutoReconnect(false). // the link reconnects, with full jitter
		SetConnectRetry(false).
		SetStore(mqtt.NewMemoryStore()). // the outbox is the durable store
		SetOrderMatters(true).
		SetProtocolVersion(4).
		SetBinaryWill(stateTopic, l.stateJSON(wire.StateOffline), QoSState, true).
		SetDefaultPublishHandler(func(_ mqtt.Client, m mqtt.Message) {
			// Off paho's router at once; see the package comment.
			select {
			case l.inbox <- inbound{topic: m.Topic(), raw: m.Payload()}:
			case <-ctx.Done():
			}
		}).
		SetConnectionLostHandler(func(_ mqtt.Client, err error) {
			select {
			case lost <- err:
			default:
			}
		})
	if l.o.TLSConfig != nil {
		opts.SetTLSConfig(l.o.TLSConfig)
	}
	if l.o.Username != "" {
		opts.SetUsername(l.o.Username).SetPassword(l.o.Password)
	}
	c := mqtt.NewClient(opts)
	tok := c.Connect()
	select {
	case <-tok.Done():
	case <-ctx.Done():
		c.Disconnect(0)
		return false, ctx.Err()
	}
	if err := tok.Error(); err != nil {
		return false, err
	}
	fail := func(err error) (bool, error) {
		c.Disconnect(0)
		return false, err // not usable: back off as for a failed connect
	}
	sub := c.SubscribeMultiple(l.subscriptions(), nil)
	if !waitToken(ctx, sub, l.o.ConnectTimeout) {
		return fail(fmt.Errorf("subscribe: %v", sub.Error()))
	}
	if st, ok := sub.(*mqtt.SubscribeToken); ok {
		for topic, code := range st.Result() {
			if code == 0x80 {
				return fail(fmt.Errorf("subscribe %s refused by the broker", topic))
			}
		}
	}
	l.mu.Lock()
	l.client = c
	l.mu.Unlock()
	now := l.o.Now()
	l.connects.Add(1)
	l.lastConnect.Store(now.UnixNano())
	l.o.Logger.Info("link: connected", "broker", l.o.Broker)
	if l.o.OnConnection != nil {
		l.o.OnConnection(true, now)
	}

	sctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	pumpErr := make(chan error, 2)
	wg.Add(2)
	go func() { defer wg.Done(); pumpErr <- l.pump(sctx, c) }()
	go func() { defer wg.Done(); pumpErr <- l.statePublisher(sctx, c) }()

	var err error
	select {
	case err = <-lost:
	case err = <-pumpErr:
	case <-ctx.Done():
	}
	cancel()
	wg.Wait()
	l.mu.Lock()
	l.client = nil
	l.mu.Unlock()
	if ctx.Err() != nil {
		// Clean shutdown: the Will is not sent on DISCONNECT, so say it.
		t := c.Publish(stateTopic, QoSState, true, l.stateJSON(wire.StateOffline))
		t.WaitTimeout(2 * time.Second)
		c.Disconnect(250)
		return true, ctx.Err()
	}
	c.Disconnect(0)
	at := l.o.Now()
	l.o.Logger.Warn("link: connection lost", "err", err)
	if l.o.OnConnection != nil {
		l.o.OnConnection(false, at)
	}
	return true, err
}

func waitToken(ctx context.Context, t mqtt.Token, d time.Duration) bool {
	select {
	case <-t.Done():
		return t.Error() == nil
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return false
	}
}

// statePublisher publishes the retained state on connect and on change.
func (l *Link) statePublisher(ctx context.Context, c mqtt.Client) error {
	topic := wire.KioskTopic(l.o.KioskID, "state")
	var sent uint64 = ^uint64(0)
	for {
		l.mu.Lock()
		gen := l.stateGen
		l.mu.Unlock()
		if gen != sent {
			tok := c.Publish(topic, QoSState, true, l.stateJSON(""))
			select {
			case <-tok.Done():
				if err := tok.Error(); err != nil {
					return fmt.Errorf("publish state: %w", err)
				}
				sent = gen
			case <-ctx.Done():
				return nil
			}
		}
		select {
		case <-l.stateKick:
		case <-ctx.Done():
			return nil
		}
	}
}

type inflight struct {
	seq uint64
	tok mqtt.Token
}

// pump publishes the outbox in seq order from the first unacknowledged
// record, with at most Window publishes awaiting PUBACK.
func (l *Link) pump(ctx context.Context, c mqtt.Client) error {
	topic := wire.KioskTopic(l.o.KioskID, "events")
	window := make(chan inflight, l.o.Window)
	ackErr := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case f, ok := <-window:
				if !ok {
					return
				}
				select {
				case <-f.tok.Done():
					if err := f.tok.Error(); err != nil {
						select {
						case ackErr <- fmt.Errorf("publish seq %d: %w", f.seq, err):
						default:
						}
						return
					}
					l.o.Outbox.Ack(f.seq)
					l.acked.Add(1)
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	defer wg.Wait()
	cursor := l.o.Outbox.Acked()
	for {
		recs, err := l.o.Outbox.Next(ctx, cursor, l.o.Window)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		for _, r := range recs {
			if r.Seq <= cursor {
				continue
			}
			tok := c.Publish(topic, QoSEvents, false, r.Data)
			l.published.Add(1)
			select {
			case window <- inflight{seq: r.Seq, tok: tok}:
			case err := <-ackErr:
				return err
			case <-ctx.Done():
				return nil
			}
			cursor = r.Seq
		}
		select {
		case err := <-ackErr:
			return err
		default:
		}
	}
}

// RunTelemetry publishes fn's telemetry every interval until ctx ends
// (QoS 0; skipped while disconnected).
func (l *Link) RunTelemetry(ctx context.Context, interval time.Duration, fn func() wire.Telemetry) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = l.PublishTelemetry(fn())
		}
	}
}
