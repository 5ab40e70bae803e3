// Package linktest checks delivery end to end: Collector is a central
// listener that collects every kiosk's events and states (de-duplicated by
// eventId, with per-kiosk seq accounting: gaps, duplicates, conflicting IDs,
// out-of-order arrival). Tests of agent/link and the simulated fleet
// (internal/fleet) use it.
package linktest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Collector subscribes to xpt/v1/kiosks/+/events (and state) with a
// persistent session and accounts for every kiosk's seq.
type Collector struct {
	client   mqtt.Client
	handlers sync.WaitGroup // the connect handlers running

	mu     sync.Mutex
	kiosks map[string]*KioskLog
	states map[string][]wire.KioskState
	bad    int
	cond   *sync.Cond
}

// KioskLog is what arrived from one kiosk.
type KioskLog struct {
	IDs        map[uint64]string // seq -> eventId
	Max        uint64
	Received   int // messages, duplicates included
	Duplicates int // same seq and same eventId again
	Conflicts  int // same seq, another eventId: a broken seq
	OutOfOrder int // a new seq arrived that was not Max+1
	Types      map[string]int
}

// CollectorOptions configure the listener's connection.
type CollectorOptions struct {
	Broker   string
	ClientID string                    // default xpt-central-listener
	Options  func(*mqtt.ClientOptions) // extra paho options (TLS...)
}

// NewCollector connects and subscribes; it reconnects on its own (it is the
// test's stand-in for the central system, not the kiosk).
func NewCollector(o CollectorOptions) (*Collector, error) {
	if o.ClientID == "" {
		o.ClientID = "xpt-central-listener"
	}
	c := &Collector{kiosks: map[string]*KioskLog{}, states: map[string][]wire.KioskState{}}
	c.cond = sync.NewCond(&c.mu)
	handler := func(_ mqtt.Client, m mqtt.Message) { c.handle(m.Topic(), m.Payload()) }
	subs := map[string]byte{"xpt/v1/kiosks/+/events": 1, "xpt/v1/kiosks/+/state": 1}
	opts := mqtt.NewClientOptions().AddBroker(o.Broker).SetClientID(o.ClientID).
		SetCleanSession(false).SetAutoReconnect(true).SetMaxReconnectInterval(500 * time.Millisecond).
		SetConnectRetry(true).SetConnectRetryInterval(200 * time.Millisecond).
		SetKeepAlive(30 * time.Second).SetOrderMatters(true).SetMessageChannelDepth(10000).
		SetDefaultPublishHandler(handler).
		// A subscribe sent as the connection drops waits WriteTimeout in
		// paho (30 s by default): short, and waited for in Close, so that no
		// handler outlives the collector (goleak).
		SetWriteTimeout(2 * time.Second).
		SetOnConnectHandler(func(cl mqtt.Client) {
			c.handlers.Add(1)
			defer c.handlers.Done()
			cl.SubscribeMultiple(subs, nil)
		})
	if o.Options != nil {
		o.Options(opts)
	}
	c.client = mqtt.NewClient(opts)
	if tok := c.client.Connect(); !tok.WaitTimeout(15*time.Second) || tok.Error() != nil {
		c.client.Disconnect(0)
		return nil, fmt.Errorf("collector: connect: %v", tok.Error())
	}
	// The first subscription runs in the connect handler; wait for it.
	tok := c.client.SubscribeMultiple(subs, nil)
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		c.client.Disconnect(0)
		return nil, fmt.Errorf("collector: subscribe: %v", tok.Error())
	}
	return c, nil
}

func (c *Collector) handle(topic string, raw []byte) {
	parts := strings.Split(topic, "/")
	if len(parts) != 5 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.cond.Broadcast()
	switch parts[4] {
	case "state":
		var s wire.KioskState
		if json.Unmarshal(raw, &s) == nil {
			c.states[parts[3]] = append(c.states[parts[3]], s)
		}
		return
	case "events":
	default:
		return
	}
	var ev wire.Event
	if err := json.Unmarshal(raw, &ev); err != nil || ev.EventID == "" || ev.Seq == 0 || ev.KioskID != parts[3] {
		c.bad++
		return
	}
	k := c.kiosks[ev.KioskID]
	if k == nil {
		k = &KioskLog{IDs: map[uint64]string{}, Types: map[string]int{}}
		c.kiosks[ev.KioskID] = k
	}
	k.Received++
	if id, ok := k.IDs[ev.Seq]; ok {
		if id == ev.EventID {
			k.Duplicates++
		} else {
			k.Conflicts++
		}
		return
	}
	if ev.Seq != k.Max+1 {
		k.OutOfOrder++
	}
	k.IDs[ev.Seq] = ev.EventID
	k.Types[ev.Type]++
	if ev.Seq > k.Max {
		k.Max = ev.Seq
	}
}

// Report is the verdict for one kiosk.
type Report struct {
	KioskID    string
	Unique     int
	Max        uint64
	Missing    []uint64 // seqs below Max never received
	Duplicates int
	Conflicts  int
	OutOfOrder int
	Types      map[string]int
}

// OK: gap-free from 1 to Max with no conflicting IDs.
func (r Report) OK() bool { return len(r.Missing) == 0 && r.Conflicts == 0 }

func (r Report) String() string {
	return fmt.Sprintf("%s: %d unique events, seq 1..%d, missing %d, duplicates %d (same eventId), conflicts %d, out of order %d",
		r.KioskID, r.Unique, r.Max, len(r.Missing), r.Duplicates, r.Conflicts, r.OutOfOrder)
}

// Reports returns a report per kiosk, sorted by kiosk ID.
func (c *Collector) Reports() []Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Report
	for id, k := range c.kiosks {
		r := Report{KioskID: id, Unique: len(k.IDs), Max: k.Max, Duplicates: k.Duplicates, Conflicts: k.Conflicts, OutOfOrder: k.OutOfOrder, Types: map[string]int{}}
		for t, n := range k.Types {
			r.Types[t] = n
		}
		for s := uint64(1); s <= k.Max; s++ {
			if _, ok := k.IDs[s]; !ok {
				r.Missing = append(r.Missing, s)
				if len(r.Missing) > 1000 {
					break
				}
			}
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].KioskID < out[j].KioskID })
	return out
}

// Report for one kiosk.
func (c *Collector) Report(kioskID string) Report {
	for _, r := range c.Reports() {
		if r.KioskID == kioskID {
			return r
		}
	}
	return Report{KioskID: kioskID}
}

// EventIDs returns seq -> eventId of one kiosk.
func (c *Collector) EventIDs(kioskID string) map[uint64]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[uint64]string{}
	if k := c.kiosks[kioskID]; k != nil {
		for s, id := range k.IDs {
			out[s] = id
		}
	}
	return out
}

// States returns the state messages received from one kiosk, in order.
func (c *Collector) States(kioskID string) []wire.KioskState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]wire.KioskState(nil), c.states[kioskID]...)
}

// Bad counts unparseable events.
func (c *Collector) Bad() int { c.mu.Lock(); defer c.mu.Unlock(); return c.bad }

// WaitFor waits until cond holds (checked on every arrival) or timeout.
func (c *Collector) WaitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// Unique is the number of distinct seqs received from kioskID.
func (c *Collector) Unique(kioskID string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if k := c.kiosks[kioskID]; k != nil {
		return len(k.IDs)
	}
	return 0
}

// TotalUnique over all kiosks.
func (c *Collector) TotalUnique() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, k := range c.kiosks {
		n += len(k.IDs)
	}
	return n
}

// Close disconnects.
func (c *Collector) Close() {
	c.client.Disconnect(100)
	c.handlers.Wait()
}
