package central

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/wire"
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

	// A reader goroutine parses and validates while this one signs and
	// stores: the two halves of the work each take a core.
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan rawBatch, 2)
	go readBatches(rctx, r, opt, batches)
	var inner bytes.Buffer
	flush := func(b *rawBatch) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		issuedAt := wire.FormatTime(now())
		inner.Reset()
		inner.WriteString(`{"seq":`)
		inner.WriteString(strconv.FormatUint(next, 10))
		inner.WriteString(`,"issuedAt":"`)
		inner.WriteString(issuedAt)
		inner.WriteString(`","records":[`)
		for i, rec := range b.records {
			if i > 0 {
				inner.WriteByte(',')
			}
			inner.Write(rec)
		}
		inner.WriteByte(']')
		if len(b.removed) > 0 {
			rm, _ := json.Marshal(b.removed)
			inner.WriteString(`,"removed":`)
			inner.Write(rm)
		}
		inner.WriteByte('}')
		env, err := wire.SealBytes(sign.KeyID, sign.Priv, inner.Bytes())
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
			if records, err = st.countIDs(b.ids, b.removed); err != nil {
				return err
			}
			if err := st.Commit(StoreState{KeyID: signer.KeyID, Seq: next, Records: records, IssuedAt: issuedAt}, false); err != nil {
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
		res.Records += int64(len(b.records))
		res.Removed += int64(len(b.removed))
		res.LastSeq = next
		res.Batches++
		next++
		return nil
	}
	for b := range batches {
		err := b.err
		if err == nil {
			err = flush(&b)
		}
		if err != nil {
			if keep && res.Batches > 0 {
				// What was stored stays consistent with the ID count.
				if n, serr := st.saveIDs(); serr == nil {
					cur := st.State()
					cur.Records = n
					_ = st.Commit(cur, true)
				}
			}
			return res, err
		}
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
		n, err := st.saveIDs()
		if err != nil {
			return res, err
		}
		cur := st.State()
		cur.Records = n
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

// rawBatch is one batch's worth of input: the record lines as given
// (compact JSON, so that fields this version does not know pass through),
// their IDs, and the removals.
type rawBatch struct {
	records [][]byte
	ids     []string
	removed []string
	err     error

	seen map[string]bool // IDs in this batch: true for a record, false for a removal
}

// errSplit says that an item contradicts one already in the batch (a
// removal of a record it carries, or the reverse): a batch does not say in
// which order its records and removals apply, so the item starts the next
// batch.
var errSplit = errors.New("split the batch")

// readBatches parses and validates r into batches of opt.BatchSize items.
// It closes out when done; a failure is the last batch's err.
func readBatches(ctx context.Context, r io.Reader, opt PublishOptions, out chan<- rawBatch) {
	defer close(out)
	send := func(b rawBatch) bool {
		select {
		case out <- b:
			return true
		case <-ctx.Done():
			return false
		}
	}
	br := bufio.NewReaderSize(r, 1<<20)
	cur := rawBatch{}
	n := 0
	for {
		line, rerr := br.ReadBytes('\n')
		if len(line) > 0 {
			n++
			t := bytes.TrimSpace(line)
			if len(t) > 0 && t[0] != '#' {
				err := cur.add(t, n, opt.NoValidate)
				if err == errSplit {
					if !send(cur) {
						return
					}
					cur = rawBatch{}
					err = cur.add(t, n, opt.NoValidate)
				}
				if err != nil {
					send(rawBatch{err: err})
					return
				}
				if len(cur.records)+len(cur.removed) >= opt.BatchSize {
					if !send(cur) {
						return
					}
					cur = rawBatch{}
				}
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			send(rawBatch{err: rerr})
			return
		}
	}
	if len(cur.records)+len(cur.removed) > 0 {
		send(cur)
	}
}

func (b *rawBatch) add(line []byte, n int, noValidate bool) error {
	if b.seen == nil {
		b.seen = map[string]bool{}
	}
	if bytes.Contains(line, []byte(`"remove"`)) {
		if it, err := parseItem(line); err == nil && it.Remove != "" {
			if b.seen[it.Remove] {
				return errSplit
			}
			b.seen[it.Remove] = false
			b.removed = append(b.removed, it.Remove)
			return nil
		}
	}
	var rec wire.AuthzRecord
	err := json.Unmarshal(line, &rec)
	switch {
	case err == nil && !noValidate:
		if verr := ValidateRecord(&rec); verr != nil {
			return fmt.Errorf("line %d (%s): %w", n, rec.AuthorizationID, verr)
		}
	case err != nil && !noValidate:
		return fmt.Errorf("line %d: %w", n, err)
	case err != nil:
		// --no-validate: a record that does not even fit the types still
		// goes out, if it is a JSON object.
		var loose struct {
			AuthorizationID any `json:"authorizationId"`
		}
		if json.Unmarshal(line, &loose) != nil {
			return fmt.Errorf("line %d: not a JSON object: %w", n, err)
		}
		rec.AuthorizationID = fmt.Sprint(loose.AuthorizationID)
	}
	var c bytes.Buffer
	if err := json.Compact(&c, line); err != nil {
		return fmt.Errorf("line %d: %w", n, err)
	}
	if c.Len() == 0 || c.Bytes()[0] != '{' {
		return fmt.Errorf("line %d: %w", n, errors.New("not a JSON object"))
	}
	if isRec, ok := b.seen[rec.AuthorizationID]; ok && !isRec {
		return errSplit
	}
	b.seen[rec.AuthorizationID] = true
	b.records = append(b.records, c.Bytes())
	b.ids = append(b.ids, rec.AuthorizationID)
	return nil
}
