package central

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// EventStore keeps received events durably in {dir}/events.jsonl, one JSON
// object a line, appended in arrival order:
//
//	{"receivedAt":"…","topic":"xpt/v1/kiosks/k1/events","event":{…the event as received…}}
//	{"receivedAt":"…","duplicate":{"eventId":"…","kioskId":"…","seq":12}}
//
// Only the first copy of an event is stored whole; later copies leave a
// duplicate line, so that reopening the store rebuilds the same ledger.
type EventStore struct {
	path string
	f    *os.File
	bw   *bufio.Writer
}

type storedLine struct {
	ReceivedAt string          `json:"receivedAt"`
	Topic      string          `json:"topic,omitempty"`
	Event      json.RawMessage `json:"event,omitempty"`
	Duplicate  *dupLine        `json:"duplicate,omitempty"`
}

type dupLine struct {
	EventID string `json:"eventId"`
	KioskID string `json:"kioskId"`
	Seq     uint64 `json:"seq"`
}

// OpenEventStore opens (creating) dir/events.jsonl and replays it into l.
// A torn last line (power cut mid-write) is dropped.
func OpenEventStore(dir string, l *Ledger) (*EventStore, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "events.jsonl")
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	good := 0
	for len(data[good:]) > 0 {
		i := bytes.IndexByte(data[good:], '\n')
		if i < 0 {
			break // torn tail
		}
		line := data[good : good+i]
		var sl storedLine
		if err := json.Unmarshal(line, &sl); err != nil {
			return nil, fmt.Errorf("%s: byte %d: %w", path, good, err)
		}
		switch {
		case sl.Duplicate != nil:
			l.Add(&wire.Event{EventID: sl.Duplicate.EventID, KioskID: sl.Duplicate.KioskID, Seq: sl.Duplicate.Seq})
		case len(sl.Event) > 0:
			if _, _, err := l.AddJSON(sl.Event); err != nil {
				return nil, fmt.Errorf("%s: byte %d: %w", path, good, err)
			}
		}
		good += i + 1
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := f.Truncate(int64(good)); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(int64(good), 0); err != nil {
		f.Close()
		return nil, err
	}
	return &EventStore{path: path, f: f, bw: bufio.NewWriterSize(f, 256<<10)}, nil
}

// Path is the file's path.
func (s *EventStore) Path() string { return s.path }

func (s *EventStore) write(sl storedLine) error {
	b, err := json.Marshal(sl)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = s.bw.Write(b)
	return err
}

// Sync makes everything written so far durable.
func (s *EventStore) Sync() error {
	if err := s.bw.Flush(); err != nil {
		return err
	}
	return s.f.Sync()
}

// Close syncs and closes.
func (s *EventStore) Close() error {
	err := s.Sync()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Listener subscribes to every kiosk's events, state and telemetry. Events
// go through the Ledger and, when Store is set, into the store, durably
// before they are acknowledged to the broker (group commit: one fsync for
// whatever arrived meanwhile). Use a persistent session with ManualAck so
// that the broker keeps events while the listener is away.
type Listener struct {
	Broker Broker
	Ledger *Ledger
	Store  *EventStore // nil: memory only
	Logger *slog.Logger
	// OnEvent, if set, sees every event after the ledger (on the listener's
	// own goroutine).
	OnEvent func(ev *wire.Event, res AddResult)
	Now     func() time.Time

	once sync.Once
	msgs chan Message
}

func (ln *Listener) init() { ln.once.Do(func() { ln.msgs = make(chan Message, 4096) }) }

// Handle takes one message from any of the listener's topics. Pass it as
// MQTTOptions.OnMessage so that what a persistent session queued while the
// listener was away is not lost between connecting and subscribing. Events
// wait in a queue until Run takes them.
func (ln *Listener) Handle(m Message) {
	ln.init()
	parts := strings.Split(m.Topic(), "/")
	if len(parts) != 5 || parts[0] != "xpt" || parts[2] != "kiosks" {
		m.Ack()
		return
	}
	switch parts[4] {
	case "events":
		ln.msgs <- m
	case "state":
		var st wire.KioskState
		if json.Unmarshal(m.Payload(), &st) == nil {
			if st.KioskID == "" {
				st.KioskID = parts[3]
			}
			ln.Ledger.SetState(&st)
		}
		m.Ack()
	case "telemetry":
		var t wire.Telemetry
		if json.Unmarshal(m.Payload(), &t) == nil {
			if t.KioskID == "" {
				t.KioskID = parts[3]
			}
			ln.Ledger.SetTelemetry(&t)
		}
		m.Ack()
	default:
		m.Ack()
	}
}

// Run listens until ctx ends.
func (ln *Listener) Run(ctx context.Context) error {
	log := ln.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := ln.Now
	if now == nil {
		now = time.Now
	}
	ln.init()
	msgs := ln.msgs
	for _, sub := range []struct {
		leaf string
		qos  byte
	}{{"events", 1}, {"state", 1}, {"telemetry", 0}} {
		if err := ln.Broker.Subscribe(wire.KioskTopic("+", sub.leaf), sub.qos, ln.Handle); err != nil {
			return err
		}
	}
	var unacked []Message
	commit := func() {
		if ln.Store != nil && len(unacked) > 0 {
			if err := ln.Store.Sync(); err != nil {
				// Not acknowledged: the broker will deliver them again.
				log.Error("event store sync failed", "err", err)
				unacked = unacked[:0]
				return
			}
		}
		for _, m := range unacked {
			m.Ack()
		}
		unacked = unacked[:0]
	}
	handle := func(m Message) {
		res, ev, err := ln.Ledger.AddJSON(m.Payload())
		if err != nil {
			log.Warn("bad event", "topic", m.Topic(), "err", err)
			unacked = append(unacked, m)
			return
		}
		if ev.KioskID != kioskOf(m.Topic()) {
			log.Warn("event kioskId differs from its topic", "topic", m.Topic(), "kioskId", ev.KioskID)
		}
		if ln.Store != nil {
			at := wire.FormatTime(now())
			var werr error
			if res.Duplicate {
				werr = ln.Store.write(storedLine{ReceivedAt: at, Duplicate: &dupLine{ev.EventID, ev.KioskID, ev.Seq}})
			} else {
				werr = ln.Store.write(storedLine{ReceivedAt: at, Topic: m.Topic(), Event: json.RawMessage(m.Payload())})
			}
			if werr != nil {
				log.Error("event store write failed", "err", werr)
				return
			}
		}
		if ln.OnEvent != nil {
			ln.OnEvent(ev, res)
		}
		unacked = append(unacked, m)
	}
	for {
		select {
		case <-ctx.Done():
			commit()
			return nil
		case m := <-msgs:
			handle(m)
		drain:
			for len(unacked) < 1024 {
				select {
				case m := <-msgs:
					handle(m)
				default:
					break drain
				}
			}
			commit()
		}
	}
}

func kioskOf(topic string) string {
	parts := strings.Split(topic, "/")
	if len(parts) >= 4 {
		return parts[3]
	}
	return ""
}
