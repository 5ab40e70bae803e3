package central

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/internal/testbroker"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// collector gathers messages of one subscription, in arrival order.
type collector struct {
	mu   sync.Mutex
	msgs []published
	ch   chan struct{}
}

func newCollector() *collector { return &collector{ch: make(chan struct{}, 1)} }

func (c *collector) handle(m Message) {
	c.mu.Lock()
	c.msgs = append(c.msgs, published{m.Topic(), m.Qos(), m.Retained(), append([]byte(nil), m.Payload()...)})
	c.mu.Unlock()
	select {
	case c.ch <- struct{}{}:
	default:
	}
}

// wait waits until n messages arrived.
func (c *collector) wait(t *testing.T, n int, d time.Duration) []published {
	t.Helper()
	deadline := time.After(d)
	for {
		c.mu.Lock()
		if len(c.msgs) >= n {
			out := append([]published(nil), c.msgs...)
			c.mu.Unlock()
			return out
		}
		got := len(c.msgs)
		c.mu.Unlock()
		select {
		case <-c.ch:
		case <-deadline:
			t.Fatalf("got %d messages, want %d", got, n)
		}
	}
}

func connect(t *testing.T, url, role string) *Client {
	t.Helper()
	c, err := Connect(context.Background(), MQTTOptions{Broker: url, Role: role})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func seqsOf(t *testing.T, kr *wire.KeyRing, msgs []published) []uint64 {
	var out []uint64
	for _, b := range openBatches(t, kr, msgs) {
		out = append(out, b.Seq)
	}
	return out
}

func TestMQTTPublishHeadAndSync(t *testing.T) {
	b := testbroker.New(t)
	s := testSigner(t)
	kr := s.KeyRing()
	st, _ := OpenStore(t.TempDir())

	kiosk := connect(t, b.URL(), "test-kiosk")
	batches := newCollector()
	if err := kiosk.Subscribe(wire.TopicAuthzBatches, 1, batches.handle); err != nil {
		t.Fatal(err)
	}
	pub := connect(t, b.URL(), "publisher")
	res, err := Publish(context.Background(), st, s, strings.NewReader(recordsJSONL(t, 1, 2500)), pub, PublishOptions{BatchSize: 500})
	if err != nil || res.LastSeq != 5 {
		t.Fatalf("%+v %v", res, err)
	}
	got := batches.wait(t, 5, 10*time.Second)
	if fmt.Sprint(seqsOf(t, kr, got)) != "[1 2 3 4 5]" {
		t.Fatalf("batches arrived as %v", seqsOf(t, kr, got))
	}

	// A kiosk arriving later gets the retained head.
	late := connect(t, b.URL(), "late-kiosk")
	heads := newCollector()
	if err := late.Subscribe(wire.TopicAuthzHead, 1, heads.handle); err != nil {
		t.Fatal(err)
	}
	h := heads.wait(t, 1, 5*time.Second)[0]
	var head wire.AuthzHead
	if _, err := kr.OpenInto(h.payload, &head); err != nil || !h.retained || head.Seq != 5 || head.Records != 2500 {
		t.Fatalf("head %+v retained %v: %v", head, h.retained, err)
	}

	// The sync server answers from the requested seq, on the kiosk's topic.
	srvClient := connect(t, b.URL(), "sync")
	srv := &SyncServer{Store: st, Broker: srvClient}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	defer func() { cancel(); <-done }()
	// Serve republishes the head first: wait until it is subscribed.
	waitFor(t, func() bool { return srvSubscribed(srv) }, 5*time.Second)

	authz := newCollector()
	if err := late.Subscribe(wire.KioskTopic("yyz-t1-k07", "authz"), 1, authz.handle); err != nil {
		t.Fatal(err)
	}
	syncReq := func(from uint64) {
		b, _ := json.Marshal(wire.SyncRequest{KioskID: "yyz-t1-k07", FromSeq: from})
		if err := late.Publish(wire.KioskTopic("yyz-t1-k07", "sync"), 1, false, b); err != nil {
			t.Fatal(err)
		}
		late.Flush(5 * time.Second)
	}
	syncReq(3)
	got = authz.wait(t, 3, 10*time.Second)
	if fmt.Sprint(seqsOf(t, kr, got)) != "[3 4 5]" {
		t.Fatalf("sync from 3 answered with %v", seqsOf(t, kr, got))
	}
	stored, _ := st.Batch(3)
	if !bytes.Equal(got[0].payload, stored) {
		t.Fatal("replayed batch differs from the stored one")
	}
	syncReq(0)
	got = authz.wait(t, 8, 10*time.Second)
	if fmt.Sprint(seqsOf(t, kr, got[3:])) != "[1 2 3 4 5]" {
		t.Fatalf("sync from 0 answered with %v", seqsOf(t, kr, got[3:]))
	}
	// A request whose kioskId does not match its topic is refused.
	bad, _ := json.Marshal(wire.SyncRequest{KioskID: "other-kiosk", FromSeq: 0})
	late.Publish(wire.KioskTopic("yyz-t1-k07", "sync"), 1, false, bad)
	late.Flush(5 * time.Second)
	waitFor(t, func() bool { return srv.Stats().Rejected == 1 }, 5*time.Second)
	if s := srv.Stats(); s.Replies != 2 || s.Batches != 8 {
		t.Fatalf("%+v", s)
	}
}

func srvSubscribed(s *SyncServer) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wake != nil
}

func waitFor(t *testing.T, cond func() bool, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // let a subscription settle at the broker
}

func TestMQTTListenerCommandsDecisions(t *testing.T) {
	b := testbroker.New(t)
	s := testSigner(t)
	dir := t.TempDir()

	ledger := NewLedger()
	es, err := OpenEventStore(dir, ledger)
	if err != nil {
		t.Fatal(err)
	}
	lc, err := Connect(context.Background(), MQTTOptions{Broker: b.URL(), ClientID: "xpt-central-listener-test", Persistent: true, ManualAck: true})
	if err != nil {
		t.Fatal(err)
	}
	ln := &Listener{Broker: lc, Ledger: ledger, Store: es}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ln.Run(ctx) }()
	time.Sleep(300 * time.Millisecond)

	kiosk := connect(t, b.URL(), "fake-kiosk")
	send := func(e *wire.Event) {
		p, _ := json.Marshal(e)
		if err := kiosk.Publish(wire.KioskTopic(e.KioskID, "events"), 1, false, p); err != nil {
			t.Fatal(err)
		}
	}
	for _, seq := range []uint64{1, 2, 4, 3, 3, 6} { // 3 late and twice, 5 lost
		send(ev("yyz-t1-k07", seq))
	}
	st, _ := json.Marshal(wire.KioskState{KioskID: "yyz-t1-k07", PortCode: "YYZ", State: wire.StateOnline, AuthzSeq: 5})
	kiosk.Publish(wire.KioskTopic("yyz-t1-k07", "state"), 1, true, st)
	kiosk.Flush(5 * time.Second)
	waitFor(t, func() bool {
		r := ledger.Report()
		return r.Events == 5 && r.Duplicates == 1 && len(r.Kiosks) == 1 && r.Kiosks[0].State != ""
	}, 5*time.Second)
	r := ledger.Report()
	k, _ := r.Kiosk("yyz-t1-k07")
	if fmt.Sprint(k.Missing) != "[{5 5}]" || k.OutOfOrder != 1 || k.State != wire.StateOnline || r.OK {
		t.Fatalf("%+v", k)
	}
	// Stop the listener; events sent meanwhile wait in its persistent session.
	cancel()
	<-done
	lc.Close()
	es.Close()
	send(ev("yyz-t1-k07", 5))
	send(ev("yyz-t1-k07", 7))
	kiosk.Flush(5 * time.Second)

	ledger2 := NewLedger()
	es2, err := OpenEventStore(dir, ledger2)
	if err != nil {
		t.Fatal(err)
	}
	defer es2.Close()
	if r := ledger2.Report(); r.Events != 5 || r.Duplicates != 1 {
		t.Fatalf("store rebuilt %+v", r)
	}
	ln2 := &Listener{Ledger: ledger2, Store: es2}
	lc2, err := Connect(context.Background(), MQTTOptions{Broker: b.URL(), ClientID: "xpt-central-listener-test", Persistent: true, ManualAck: true, OnMessage: ln2.Handle})
	if err != nil {
		t.Fatal(err)
	}
	defer lc2.Close()
	ln2.Broker = lc2
	ctx2, cancel2 := context.WithCancel(context.Background())
	done2 := make(chan error, 1)
	go func() { done2 <- ln2.Run(ctx2) }()
	waitFor(t, func() bool { return ledger2.Report().Events == 7 }, 10*time.Second)
	cancel2()
	<-done2
	if r := ledger2.Report(); !r.OK || r.Missing != 0 {
		t.Fatalf("after the gap was filled: %+v", r)
	}

	// Commands: signed, to the kiosk's topic; a replay is the same bytes.
	cmds := newCollector()
	if err := kiosk.Subscribe(wire.KioskTopic("yyz-t1-k07", "commands"), 1, cmds.handle); err != nil {
		t.Fatal(err)
	}
	central := connect(t, b.URL(), "command")
	cmd, err := NewCommand("yyz-t1-k07", wire.CommandSetReferralRate, map[string]any{"rate": 0.05}, 5*time.Minute, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	env, err := SendCommand(central, s, cmd)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ResendEnvelope(central, env); err != nil {
		t.Fatal(err)
	}
	got := cmds.wait(t, 2, 5*time.Second)
	var back wire.Command
	if _, err := s.KeyRing().OpenInto(got[0].payload, &back); err != nil || back.CommandID != cmd.CommandID || string(back.Args) != `{"rate":0.05}` {
		t.Fatalf("%+v %v", back, err)
	}
	if !bytes.Equal(got[0].payload, got[1].payload) {
		t.Fatal("replay differs")
	}
	// Officer decisions.
	decs := newCollector()
	kiosk.Subscribe("xpt/v1/ports/YYZ/referrals/+/decision", 1, decs.handle)
	if _, err := SendDecision(central, s, "YYZ", wire.OfficerDecision{ReferralID: "ref-1", KioskID: "yyz-t1-k07", OfficerID: "o-17", Decision: wire.DecisionAdmit, At: wire.FormatTime(time.Now())}); err != nil {
		t.Fatal(err)
	}
	d := decs.wait(t, 1, 5*time.Second)[0]
	var dec wire.OfficerDecision
	if _, err := s.KeyRing().OpenInto(d.payload, &dec); err != nil || d.topic != wire.DecisionTopic("YYZ", "ref-1") || dec.Decision != "admit" || dec.OfficerID != "o-17" {
		t.Fatalf("%+v %+v %v", d, dec, err)
	}
}

func TestMQTTOverTLS(t *testing.T) {
	b := testbroker.New(t, testbroker.Options{TLS: &testbroker.TLSOptions{Kiosks: []string{"yyz-t1-k07"}}})
	cert, key, err := b.PKI().Client("xpt-central")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Connect(context.Background(), MQTTOptions{Broker: b.URL(), Role: "tls", CA: b.PKI().CAFile(), Cert: cert, KeyFile: key})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := newCollector()
	if err := c.Subscribe(wire.TopicAuthzHead, 1, got.handle); err != nil {
		t.Fatal(err)
	}
	st, _ := OpenStore(t.TempDir())
	if _, err := Publish(context.Background(), st, testSigner(t), strings.NewReader(recordsJSONL(t, 1, 3)), c, PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	got.wait(t, 1, 5*time.Second)
	// Without a client certificate the broker refuses the connection.
	if _, err := Connect(context.Background(), MQTTOptions{Broker: b.URL(), Role: "tls", CA: b.PKI().CAFile(), ConnectTimeout: 2 * time.Second}); err == nil {
		t.Fatal("connected without a client certificate")
	}
}
