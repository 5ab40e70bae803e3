package central

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Broker is what the sync server needs: publish and subscribe.
type Broker interface {
	Sink
	Subscribe(filter string, qos byte, h func(Message)) error
}

// SyncServer answers SyncRequests (xpt/v1/kiosks/+/sync) by replaying the
// stored batches from the requested seq on the kiosk's own authz topic.
// Requests are queued and answered by one worker, so a handler never blocks
// paho; a kiosk that asks again while queued is answered once, from the
// lowest seq it asked for.
type SyncServer struct {
	Store  *Store
	Broker Broker
	Logger *slog.Logger // nil = discard

	mu      sync.Mutex
	pending map[string]uint64
	queue   []string
	wake    chan struct{}

	requests, replies, batches, rejected atomic.Int64
}

// SyncStats counts what the server did.
type SyncStats struct {
	Requests, Replies, Batches, Rejected int64
}

// Stats returns the counters.
func (s *SyncServer) Stats() SyncStats {
	return SyncStats{s.requests.Load(), s.replies.Load(), s.batches.Load(), s.rejected.Load()}
}

// Serve subscribes and answers until ctx ends. It first publishes the
// stored head again (retained), in case the broker lost it.
func (s *SyncServer) Serve(ctx context.Context) error {
	log := s.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s.mu.Lock()
	s.pending = map[string]uint64{}
	s.wake = make(chan struct{}, 1)
	s.mu.Unlock()
	if s.Store.Head() != nil {
		if err := RepublishHead(s.Store, s.Broker); err != nil {
			return err
		}
	}
	err := s.Broker.Subscribe(wire.KioskTopic("+", "sync"), 1, func(m Message) {
		s.requests.Add(1)
		parts := strings.Split(m.Topic(), "/")
		var req wire.SyncRequest
		if len(parts) != 5 || json.Unmarshal(m.Payload(), &req) != nil || req.KioskID != parts[3] || !wire.ValidKioskID(req.KioskID) {
			s.rejected.Add(1)
			log.Warn("sync request rejected", "topic", m.Topic())
			return
		}
		s.enqueue(req)
	})
	if err != nil {
		return err
	}
	log.Info("answering sync requests", "seq", s.Store.State().Seq)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		}
		for {
			id, from, ok := s.dequeue()
			if !ok {
				break
			}
			n, err := s.replay(ctx, id, from)
			if err != nil {
				log.Error("replay failed", "kiosk", id, "fromSeq", from, "err", err)
				continue
			}
			s.replies.Add(1)
			log.Info("replayed", "kiosk", id, "fromSeq", from, "batches", n)
		}
	}
}

func (s *SyncServer) enqueue(req wire.SyncRequest) {
	s.mu.Lock()
	if cur, ok := s.pending[req.KioskID]; ok {
		if req.FromSeq < cur {
			s.pending[req.KioskID] = req.FromSeq
		}
	} else {
		s.pending[req.KioskID] = req.FromSeq
		s.queue = append(s.queue, req.KioskID)
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *SyncServer) dequeue() (string, uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		return "", 0, false
	}
	id := s.queue[0]
	s.queue = s.queue[1:]
	from := s.pending[id]
	delete(s.pending, id)
	return id, from, true
}

// replay sends the stored batches from seq from on the kiosk's authz topic.
func (s *SyncServer) replay(ctx context.Context, kioskID string, from uint64) (int, error) {
	topic := wire.KioskTopic(kioskID, "authz")
	if err := s.Store.Reload(); err != nil {
		return 0, err
	}
	n := 0
	err := s.Store.Range(from, func(seq uint64, env []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		n++
		s.batches.Add(1)
		return s.Broker.Publish(topic, 1, false, env)
	})
	if err != nil {
		return n, err
	}
	return n, s.Broker.Flush(5 * time.Minute)
}

// Replay sends the stored batches from seq from to one kiosk, as an answer
// to a SyncRequest would (for tools and tests).
func Replay(ctx context.Context, st *Store, sink Sink, kioskID string, from uint64) (int, error) {
	s := &SyncServer{Store: st, Broker: sinkOnly{sink}}
	return s.replay(ctx, kioskID, from)
}

type sinkOnly struct{ Sink }

func (sinkOnly) Subscribe(string, byte, func(Message)) error { return nil }
