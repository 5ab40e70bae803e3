package link

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"go.uber.org/goleak"

	"github.com/xpt-pilot/xpt-kiosk/agent/link/linktest"
	"github.com/xpt-pilot/xpt-kiosk/agent/outbox"
	"github.com/xpt-pilot/xpt-kiosk/internal/testbroker"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(crashHelper())
	}
	goleak.VerifyTestMain(m)
}

const docNumber = "L898902C3"

type kiosk struct {
	id   string
	link *Link
	ob   *outbox.Outbox
	dir  string
	stop func()
	cmds *fakeCommands
	refs *fakeReferrals
}

type fakeCommands struct {
	mu  sync.Mutex
	got []wire.Command
}

func (f *fakeCommands) ApplyCommand(_ context.Context, c wire.Command) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, c)
	return nil
}

func (f *fakeCommands) count() int { f.mu.Lock(); defer f.mu.Unlock(); return len(f.got) }

type fakeReferrals struct {
	mu      sync.Mutex
	open    map[string]bool
	decided []wire.OfficerDecision
	via     []string
}

func (f *fakeReferrals) ReferralOpen(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.open[id]
}
func (f *fakeReferrals) Decide(_ context.Context, d wire.OfficerDecision, via string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.open, d.ReferralID)
	f.decided = append(f.decided, d)
	f.via = append(f.via, via)
	return nil
}

func testKeys(t testing.TB) (*wire.KeyRing, ed25519.PrivateKey) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	kr := &wire.KeyRing{}
	kr.Add("central-test", pub)
	return kr, priv
}

func startKiosk(t testing.TB, id, broker string, keys *wire.KeyRing, mod func(*Options)) *kiosk {
	t.Helper()
	dir := t.TempDir()
	ob, err := outbox.Open(outbox.Options{Dir: filepath.Join(dir, "outbox"), KioskID: id, PortCode: "YYZ", AckFlushInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	k := &kiosk{id: id, ob: ob, dir: dir, cmds: &fakeCommands{}, refs: &fakeReferrals{open: map[string]bool{}}}
	o := Options{KioskID: id, PortCode: "YYZ", Version: "test", Broker: broker, Keys: keys, StateDir: filepath.Join(dir, "link"),
		Outbox: ob, Commands: k.cmds, Decisions: k.refs, BackoffBase: 50 * time.Millisecond, BackoffMax: 500 * time.Millisecond,
		ConnectTimeout: 3 * time.Second}
	if mod != nil {
		mod(&o)
	}
	l, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	k.link = l
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	var once sync.Once
	k.stop = func() { once.Do(func() { cancel(); <-done; ob.Close() }) }
	t.Cleanup(k.stop)
	return k
}

func (k *kiosk) waitConnected(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !k.link.Connected() {
		if time.Now().After(deadline) {
			t.Fatal("link did not connect")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func txEvent(i int) *wire.Event {
	return &wire.Event{Type: wire.EventTransactionCompleted, Transaction: &wire.Transaction{
		ID: wire.NewID(time.Now()), Outcome: wire.OutcomeAdmitted, Direction: wire.DirUStoCA, Reasons: []string{},
		Document:  &wire.Document{Code: "P", IssuingState: "CAN", Number: docNumber, ExpiryDate: "2030-04-15"},
		Holder:    &wire.Holder{Surname: "ERIKSSON", GivenNames: "ANNA MARIA", BirthDate: "1974-08-12", Sex: "F", Nationality: "CAN"},
		TimingsMs: map[string]int64{"n": int64(i)},
	}}
}

func collector(t testing.TB, url string, opts ...func(*mqtt.ClientOptions)) *linktest.Collector {
	t.Helper()
	o := linktest.CollectorOptions{Broker: url}
	if len(opts) > 0 {
		o.Options = opts[0]
	}
	c, err := linktest.NewCollector(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func central(t testing.TB, url string) mqtt.Client {
	t.Helper()
	c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(url).SetClientID("central-test-pub").SetAutoReconnect(false))
	if tok := c.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(50) })
	return c
}

// proxy forwards TCP to the broker and can cut every connection at once, so
// the broker sees a kiosk vanish without a DISCONNECT (as after a crash).
type proxy struct {
	l     net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{l: l}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { io.Copy(u, c); u.Close() }()
			go func() { io.Copy(c, u); c.Close() }()
		}
	}()
	t.Cleanup(func() { l.Close(); p.cut() })
	return p
}

func (p *proxy) url() string { return "tcp://" + p.l.Addr().String() }

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	}
	p.conns = nil
}

func lastState(c *linktest.Collector, id string) string {
	s := c.States(id)
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1].State
}

func TestSessionRetainedStateAndWill(t *testing.T) {
	b := testbroker.New(t)
	keys, _ := testKeys(t)
	col := collector(t, b.URL())
	p := newProxy(t, b.Addr())
	k := startKiosk(t, "yyz-t1-k01", p.url(), keys, func(o *Options) { o.KeepAlive = 2 * time.Second })
	k.waitConnected(t)
	if !col.WaitFor(5*time.Second, func() bool { return lastState(col, k.id) == wire.StateOnline }) {
		t.Fatalf("no retained online state: %+v", col.States(k.id))
	}
	k.link.SetState(wire.StateDegraded, "outbox_full")
	if !col.WaitFor(5*time.Second, func() bool { return lastState(col, k.id) == wire.StateDegraded }) {
		t.Fatal("state change not published")
	}
	if s := col.States(k.id); s[len(s)-1].Reasons[0] != "outbox_full" || s[len(s)-1].Version != "test" {
		t.Fatalf("state %+v", s[len(s)-1])
	}
	// The connection vanishes: the broker publishes the Will.
	before := len(col.States(k.id))
	p.cut()
	if !col.WaitFor(10*time.Second, func() bool {
		for _, s := range col.States(k.id)[before:] {
			if s.State == wire.StateOffline {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("no Last Will: %+v", col.States(k.id))
	}
	// The link comes back by itself and says so.
	if !col.WaitFor(10*time.Second, func() bool { return lastState(col, k.id) == wire.StateDegraded }) {
		t.Fatalf("state not republished after reconnect: %+v", col.States(k.id))
	}
	if st := k.link.Stats(); st.Connects < 2 {
		t.Fatal("no reconnect counted")
	} else if n, last := k.link.Connects(); n < st.Connects || wire.FormatTime(last) < st.LastConnectAt {
		// Connects, what the kiosk reads, says as much (it may have counted one more since).
		t.Fatalf("connects %d at %v, stats %d at %s", n, last, st.Connects, st.LastConnectAt)
	}
	// The state is retained: a newcomer sees it at once.
	col2 := collector(t, b.URL(), func(o *mqtt.ClientOptions) { o.SetClientID("late-listener") })
	if !col2.WaitFor(5*time.Second, func() bool { return lastState(col2, k.id) == wire.StateDegraded }) {
		t.Fatal("state is not retained")
	}
	// A clean stop publishes offline itself (no Will on DISCONNECT).
	k.stop()
	if !col.WaitFor(5*time.Second, func() bool { return lastState(col, k.id) == wire.StateOffline }) {
		t.Fatal("no offline state on clean stop")
	}
}

func TestDeliveryThroughBrokerOutageAndWipe(t *testing.T) {
	b := testbroker.New(t)
	keys, _ := testKeys(t)
	col := collector(t, b.URL())
	k := startKiosk(t, "yyz-t1-k02", b.URL(), keys, nil)
	k.waitConnected(t)
	const n = 3000
	appended := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ { // concurrent sessions share fsyncs
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < n/4; i++ {
				if _, err := k.ob.Append(txEvent(i)); err != nil {
					t.Error(err)
					return
				}
				if i%50 == 0 {
					time.Sleep(5 * time.Millisecond)
				}
			}
		}()
	}
	go func() { wg.Wait(); close(appended) }()
	// Kill the broker mid-stream, twice: once cleanly, once with SIGKILL
	// while no listener is behind (its session was saved at the stop).
	col.WaitFor(10*time.Second, func() bool { return col.Unique(k.id) > n/4 })
	if err := b.Restart(); err != nil {
		t.Fatal(err)
	}
	col.WaitFor(10*time.Second, func() bool { return col.Unique(k.id) > n/2 })
	b.Stop()
	time.Sleep(300 * time.Millisecond)
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	<-appended
	if !col.WaitFor(30*time.Second, func() bool { return col.Unique(k.id) >= n }) {
		t.Fatalf("not all events arrived: %v", col.Report(k.id))
	}
	r := col.Report(k.id)
	t.Log(r)
	if !r.OK() || r.Max != n || r.OutOfOrder != 0 {
		t.Fatalf("delivery broken: %v", r)
	}
	// Everything acknowledged: the document number is gone from disk.
	deadline := time.Now().Add(5 * time.Second)
	for {
		hits := scan(filepath.Join(k.dir, "outbox"), docNumber)
		if len(hits) == 0 && k.ob.Depth() == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("personal data left after delivery in %v (depth %d)", hits, k.ob.Depth())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func scan(dir, needle string) []string {
	var hits []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			if raw, _ := os.ReadFile(p); bytes.Contains(raw, []byte(needle)) {
				hits = append(hits, p)
			}
		}
		return nil
	})
	return hits
}

func TestOutboxFullDegrades(t *testing.T) {
	b := testbroker.New(t)
	keys, _ := testKeys(t)
	col := collector(t, b.URL())
	var k *kiosk
	dir := t.TempDir()
	var lk *Link
	ob, err := outbox.Open(outbox.Options{Dir: dir, KioskID: "yyz-t1-k03", PortCode: "YYZ", MaxEvents: 50, HighWater: 20,
		OnFull: func(full bool, depth int) {
			if full {
				lk.SetState(wire.StateDegraded, "outbox_full")
			} else {
				lk.SetState(wire.StateOnline)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	gate := &gatedOutbox{Outbox: ob, open: make(chan struct{})}
	k = startKiosk(t, "yyz-t1-k03", b.URL(), keys, func(o *Options) { o.Outbox = gate })
	lk = k.link
	defer ob.Close()
	k.waitConnected(t)
	// Nothing is delivered until the gate opens (central unreachable).
	for i := 0; i < 20; i++ {
		ob.Append(txEvent(i))
	}
	if !ob.Full() || lk.State().State != wire.StateDegraded {
		t.Fatalf("full %v state %v", ob.Full(), lk.State())
	}
	for i := 0; i < 30; i++ {
		if _, err := ob.Append(&wire.Event{Type: wire.EventDeviceFault, Device: &wire.DeviceEvent{Device: "camera", Code: "timeout"}}); err != nil {
			t.Fatalf("reserve refused event %d: %v", i, err)
		}
	}
	if _, err := ob.Append(txEvent(0)); err != outbox.ErrFull {
		t.Fatalf("beyond MaxEvents: %v", err)
	}
	// The state says degraded with its reason, then online once drained.
	if !col.WaitFor(15*time.Second, func() bool {
		for _, s := range col.States(k.id) {
			if s.State == wire.StateDegraded && len(s.Reasons) == 1 && s.Reasons[0] == "outbox_full" {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("degraded state never published: %+v", col.States(k.id))
	}
	close(gate.open)
	if !col.WaitFor(15*time.Second, func() bool { return lastState(col, k.id) == wire.StateOnline && col.Unique(k.id) == 50 }) {
		t.Fatalf("not back online: %+v, %v", col.States(k.id), col.Report(k.id))
	}
}

type gatedOutbox struct {
	*outbox.Outbox
	open chan struct{}
}

func (g *gatedOutbox) Next(ctx context.Context, after uint64, max int) ([]outbox.Record, error) {
	select {
	case <-g.open:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.Outbox.Next(ctx, after, max)
}
