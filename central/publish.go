package central

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/wire"
)

// Sink takes what central sends. *Client (MQTT) is one; tests use a
// recorder. Publish may return before the broker acknowledged; Flush waits.
type Sink interface {
	Publish(topic string, qos byte, retained bool, payload []byte) error
	Flush(timeout time.Duration) error
}

// DefaultBatchSize keeps a batch of typical records around half a megabyte,
// far below wire.MaxEnvelopeBytes and any broker's message limit.
const DefaultBatchSize = 1000

// PublishOptions steer Publish. The fields after NoValidate make bad traffic
// on purpose, to test kiosks; docs/central.md lists them.
type PublishOptions struct {
	BatchSize  int              // records (and removals) per batch; 0 = DefaultBatchSize
	Now        func() time.Time // nil = time.Now
	NoValidate bool             // publish records that break the schema (signed all the same)

	StartSeq   uint64 // first seq of this run; 0 = the store's seq + 1 (set it lower to go backwards)
	SkipSeq    uint64 // leave a gap: the first batch gets seq (next + SkipSeq)
	Forge      bool   // sign with a random key under the real key ID (bad_signature); nothing is stored
	UnknownKey bool   // sign with a random key under the key ID "central-unknown"; nothing is stored
	Reverse    bool   // publish this run's batches in reverse seq order (out of order)
	NoHead     bool   // do not publish (or store) the head
	Detached   bool   // sign with the real key but keep nothing: the state does not move (implied by a StartSeq at or below the store's seq)
}

// PublishResult says what Publish did.
type PublishResult struct {
	FirstSeq, LastSeq uint64
	Batches           int
	Records, Removed  int64
	Head              wire.AuthzHead
	Stored            bool // false for forged runs
	Elapsed           time.Duration
}

// Publish reads records and removals from r (JSON lines, see ReadRecords),
// cuts them into signed batches with consecutive seqs, keeps each batch in
// the store and sends it QoS 1 on xpt/v1/authz/batches, then sends the
// signed head, retained. sink nil only writes the store. Memory stays
// bounded by one batch (plus the set of live-ID hashes for the head's
// count), whatever the size of r.
func Publish(ctx context.Context, st *Store, signer Signer, r io.Reader, sink Sink, opt PublishOptions) (PublishResult, error) {
	start := time.Now()
	if opt.BatchSize <= 0 {
		opt.BatchSize = DefaultBatchSize
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	sign := signer
	forged := opt.Forge || opt.UnknownKey
	if forged {
		id := signer.KeyID
		if opt.UnknownKey {
			id = "central-unknown"
		}
		var err error
		if sign, err = GenerateSigner(id, nil); err != nil {
			return PublishResult{}, err
		}
	}
	prev := st.State()
	next := prev.Seq + 1
	if opt.StartSeq != 0 {
		next = opt.StartSeq
	}
	next += opt.SkipSeq
	keep := !forged && !opt.Detached && next > prev.Seq
	res := PublishResult{FirstSeq: next, Stored: keep}
	records := prev.Records
	var held [][]byte // envelopes of a reverse or forged run, in seq order
	var heldSeqs []uint64

	batch := wire.AuthzBatch{Records: make([]wire.AuthzRecord, 0, opt.BatchSize)}
	flush := func() error {
		if len(batch.Records) == 0 && len(batch.Removed) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		batch.Seq = next
		batch.IssuedAt = wire.FormatTime(now())
		env, err := sign.Seal(batch)
		if err != nil {
			return err
		}
		if len(env) > wire.MaxEnvelopeBytes {
			return fmt.Errorf("batch %d is %d bytes, over the kiosk limit %d: lower --batch-size", next, len(env), wire.MaxEnvelopeBytes)
		}
		if keep {
			if err := st.PutBatch(next, env); err != nil {
				return err
			}
			ids := make([]string, len(batch.Records))
			for i := range batch.Records {
				ids[i] = batch.Records[i].AuthorizationID
			}
			if records, err = st.countIDs(ids, batch.Removed); err != nil {
				return err
			}
			if err := st.Commit(StoreState{KeyID: signer.KeyID, Seq: next, Records: records, IssuedAt: batch.IssuedAt}, false); err != nil {
				return err
			}
		}
		if opt.Reverse && sink != nil {
			held = append(held, env)
			heldSeqs = append(heldSeqs, next)
		} else if sink != nil {
			if err := sink.Publish(wire.TopicAuthzBatches, 1, false, env); err != nil {
				return fmt.Errorf("publish batch %d: %w", next, err)
			}
		}
		res.LastSeq = next
		res.Batches++
		next++
		batch.Records = batch.Records[:0]
		batch.Removed = nil
		return nil
	}
	err := ReadRecords(r, func(line int, it Item) error {
		if it.Record != nil {
			if !opt.NoValidate {
				if err := ValidateRecord(it.Record); err != nil {
					return fmt.Errorf("line %d (%s): %w", line, it.Record.AuthorizationID, err)
				}
			}
			batch.Records = append(batch.Records, *it.Record)
			res.Records++
		} else {
			batch.Removed = append(batch.Removed, it.Remove)
			res.Removed++
		}
		if len(batch.Records)+len(batch.Removed) >= opt.BatchSize {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return res, err
	}
	if res.Batches == 0 {
		res.FirstSeq = 0
	}
	if sink != nil && len(held) > 0 {
		order := make([]int, len(held))
		for i := range order {
			order[i] = i
			if opt.Reverse && sink != nil {
				order[i] = len(held) - 1 - i
			}
		}
		for _, i := range order {
			if err := sink.Publish(wire.TopicAuthzBatches, 1, false, held[i]); err != nil {
				return res, fmt.Errorf("publish batch %d: %w", heldSeqs[i], err)
			}
		}
	}
	if keep {
		if err := st.saveIDs(); err != nil {
			return res, err
		}
		cur := st.State()
		if err := st.Commit(cur, true); err != nil {
			return res, err
		}
	}
	if !opt.NoHead && (res.Batches > 0 || st.Head() == nil) {
		cur := st.State()
		head := wire.AuthzHead{Seq: cur.Seq, IssuedAt: wire.FormatTime(now()), Records: cur.Records}
		if !keep {
			head = wire.AuthzHead{Seq: res.LastSeq, IssuedAt: wire.FormatTime(now()), Records: records}
		}
		env, err := sign.Seal(head)
		if err != nil {
			return res, err
		}
		if keep {
			if err := st.PutHead(env); err != nil {
				return res, err
			}
		}
		if sink != nil {
			// Test traffic goes out live but not retained, so that the
			// broker keeps the genuine head for kiosks that connect later.
			if err := sink.Publish(wire.TopicAuthzHead, 1, keep, env); err != nil {
				return res, fmt.Errorf("publish head: %w", err)
			}
		}
		res.Head = head
	}
	if sink != nil {
		if err := sink.Flush(2 * time.Minute); err != nil {
			return res, err
		}
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// Republish sends the stored batch seq again, byte for byte, on the
// broadcast topic: a replay, which a kiosk must ignore.
func Republish(st *Store, sink Sink, seq uint64) error {
	env, err := st.Batch(seq)
	if err != nil {
		return fmt.Errorf("batch %d: %w", seq, err)
	}
	if err := sink.Publish(wire.TopicAuthzBatches, 1, false, env); err != nil {
		return err
	}
	return sink.Flush(time.Minute)
}

// RepublishHead sends the stored head again, retained (after a broker that
// lost its retained messages, for instance).
func RepublishHead(st *Store, sink Sink) error {
	env := st.Head()
	if env == nil {
		return fmt.Errorf("no head in %s", st.Dir())
	}
	if err := sink.Publish(wire.TopicAuthzHead, 1, true, env); err != nil {
		return err
	}
	return sink.Flush(time.Minute)
}
