package authz

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// SyncRequester asks the central system to replay batches from fromSeq on
// (fromSeq 0: everything). The MQTT link implements it by publishing a
// wire.SyncRequest on xpt/v1/kiosks/{kioskId}/sync. It must not call back
// into the Replica.
type SyncRequester interface {
	RequestSync(ctx context.Context, fromSeq uint64) error
}

// Defaults of Options.
const (
	DefaultMaxBatchRecords = 100_000
	DefaultMaxPending      = 8
	DefaultMaxPendingBytes = 64 << 20
	DefaultSyncRetry       = 30 * time.Second
)

// Options configure a Replica. Only Path is required; Keys is required for
// HandleBatch and HandleHead (without it every envelope is rejected).
type Options struct {
	Path string        // the replica's directory, by convention DATA_DIR/authz
	Keys *wire.KeyRing // the central keys the kiosk trusts
	Sync SyncRequester // nil: gaps are only logged (CLI import)
	Log  *slog.Logger  // nil: discard
	Now  func() time.Time

	// OnReject is called, outside any lock, for every envelope that is not
	// applied because it is bad or replayed: topic, reject code, key ID;
	// never the payload. The agent turns it into security.message_rejected.
	OnReject func(wire.SecurityEvent)

	MaxBatchRecords int           // records + removals in one batch; more is too_large
	MaxBatchBytes   int           // envelope bytes; 0 = wire.MaxEnvelopeBytes
	MaxPending      int           // batches ahead of the next seq kept in memory; <0 = none
	MaxPendingBytes int           // and their envelope bytes
	SyncRetry       time.Duration // minimum time between two identical sync requests

	ReadOnly bool // status and look-ups only (CLI); fails if the agent holds the replica

	// Key is the kiosk's storage key (atrest.LoadKey): the replica is then
	// sealed at rest (seal.go, docs/authz.md). A replica in clear opened
	// with a key is sealed in place by a read-write Open (a read-only one
	// refuses it); a sealed one opened without its key is ErrKey.
	Key []byte
	// CacheBytes is the store's block cache (bloom filters, index and data
	// blocks); 0 = 96 MiB, enough for the filters and indexes of ten
	// million records (docs/authz.md).
	CacheBytes int64

	// NoPrewarm skips reading the store's files once at open. By default
	// a read-write replica reads them sequentially in the background (plain
	// reads: page cache, not RSS), so that look-ups do not wait for the
	// disk after a restart (see docs/authz.md).
	NoPrewarm bool

	checkEvery time.Duration // Start's tick; tests shorten it
}

func (o *Options) defaults() {
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxBatchRecords <= 0 {
		o.MaxBatchRecords = DefaultMaxBatchRecords
	}
	if o.MaxBatchBytes <= 0 || o.MaxBatchBytes > wire.MaxEnvelopeBytes {
		o.MaxBatchBytes = wire.MaxEnvelopeBytes
	}
	if o.MaxPending == 0 {
		o.MaxPending = DefaultMaxPending
	}
	if o.MaxPendingBytes <= 0 {
		o.MaxPendingBytes = DefaultMaxPendingBytes
	}
	if o.SyncRetry <= 0 {
		o.SyncRetry = DefaultSyncRetry
	}
}

// Replica is the local authorization replica. Look-ups are safe from any
// goroutine; HandleBatch and HandleHead serialise among themselves.
type Replica struct {
	opt Options
	st  *store

	// wmu serialises the writers (HandleBatch, HandleHead, Close) for the
	// whole of their work, disk included; mu guards the fields below and
	// is only ever held briefly, so that Status and LastSync (which the
	// decision reads) never wait for a commit.
	wmu      sync.Mutex
	mu       sync.Mutex
	m        meta
	headSeq  uint64 // newest seq the central system announced
	hasHead  bool
	pending  map[uint64]*parsedBatch
	pendingB int
	// lastApplied is when the last batch was applied (Now clock).
	lastApplied time.Time
	lastReq     struct {
		from uint64
		at   time.Time
		ok   bool
	}
	stats Stats

	stopWarm chan struct{}
	warmDone chan struct{}
}

// Stats count what the replica did since it was opened.
type Stats struct {
	BatchesApplied  uint64            `json:"batchesApplied"`
	RecordsApplied  uint64            `json:"recordsApplied"` // inserted or updated
	StaleVersions   uint64            `json:"staleVersions"`  // records ignored by the version rule
	Removed         uint64            `json:"removed"`
	Replays         uint64            `json:"replays"`  // batches at or below the applied seq
	Buffered        uint64            `json:"buffered"` // batches kept ahead of a gap
	Dropped         uint64            `json:"dropped"`  // batches ahead of a gap not kept
	SyncRequests    uint64            `json:"syncRequests"`
	SyncErrors      uint64            `json:"syncErrors"`
	Rejected        uint64            `json:"rejected"`       // envelopes refused, replays included
	RejectedByCode  map[string]uint64 `json:"rejectedByCode"` // the same, by reject code
	StoreErrors     uint64            `json:"storeErrors"`
	LastApplyMillis float64           `json:"lastApplyMs"`
}

// Open opens (creating if needed) the replica at o.Path.
func Open(o Options) (*Replica, error) {
	o.defaults()
	if o.Path == "" {
		return nil, errors.New("authz: no path for the replica")
	}
	st, err := openStore(o.Path, storeOptions{ReadOnly: o.ReadOnly, CacheBytes: o.CacheBytes, Log: o.Log, Key: o.Key})
	if err != nil {
		return nil, err
	}
	m, err := st.meta()
	if err != nil {
		st.close()
		return nil, err
	}
	r := &Replica{opt: o, st: st, m: m, pending: map[uint64]*parsedBatch{}}
	r.stats.RejectedByCode = map[string]uint64{}
	if !o.ReadOnly && !o.NoPrewarm {
		r.stopWarm, r.warmDone = make(chan struct{}), make(chan struct{})
		go r.prewarm()
	}
	o.Log.Info("authz replica open", "path", o.Path, "seq", m.Seq, "hasSeq", m.HasSeq, "records", m.Count, "sealed", st.sealed)
	return r, nil
}

// Close closes the file. Pending (buffered) batches are dropped; the next
// start asks for them again.
func (r *Replica) Close() error {
	if r.stopWarm != nil {
		close(r.stopWarm)
		<-r.warmDone
		r.stopWarm = nil
	}
	r.wmu.Lock()
	defer r.wmu.Unlock()
	return r.st.close()
}

// prewarm reads the store's table files once, 1 MiB at a time, until done
// or Close. A file that compaction deletes meanwhile is skipped.
func (r *Replica) prewarm() {
	defer close(r.warmDone)
	start := time.Now()
	ents, err := os.ReadDir(r.st.path)
	if err != nil {
		return
	}
	buf := make([]byte, 1<<20)
	var total int64
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".sst") {
			continue
		}
		f, err := os.Open(filepath.Join(r.st.path, e.Name()))
		if err != nil {
			continue
		}
		for off := int64(0); ; {
			select {
			case <-r.stopWarm:
				f.Close()
				return
			default:
			}
			n, err := f.ReadAt(buf, off)
			off += int64(n)
			total += int64(n)
			if err != nil {
				break
			}
		}
		f.Close()
	}
	r.opt.Log.Debug("authz replica read into the page cache", "bytes", total, "took", time.Since(start))
}

// Path is the replica's file.
func (r *Replica) Path() string { return r.st.path }

// Sealed says whether the replica is sealed at rest (Options.Key).
func (r *Replica) Sealed() bool { return r.st.sealed }

// Start runs the replica's sync upkeep until ctx ends; the agent runs it
// in its own goroutine next to the link. It asks for what is missing at
// first start (an empty replica asks for everything, fromSeq 0), while a
// gap is open, and while the announced head is ahead, and asks again when
// no batch arrived for SyncRetry after a request (a lost request or
// reply). Sync errors (link not connected yet) are retried, never
// returned: Start returns nil when ctx ends.
func (r *Replica) Start(ctx context.Context) error {
	tick := r.opt.checkEvery
	if tick <= 0 {
		tick = 2 * time.Second
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		r.mu.Lock()
		need := !r.m.HasSeq || len(r.pending) > 0 || (r.hasHead && r.headSeq > r.m.Seq)
		from := r.nextSeqLocked()
		// An open gap (batches kept ahead of it) asks again once no
		// request went out and no batch was applied for gapWindow: a
		// replay in flight would have delivered by then, and one that
		// ended before the missing batches existed never will.
		window := r.opt.SyncRetry
		if len(r.pending) > 0 {
			window = min(gapWindow, window)
		}
		r.mu.Unlock()
		if need {
			if err := r.requestSync(ctx, from, window); err != nil {
				r.opt.Log.Debug("authz sync request not sent, will retry", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Resync asks again for everything after the applied seq (the resync
// command, or a technician), even if the same request went out recently.
func (r *Replica) Resync(ctx context.Context) error {
	r.mu.Lock()
	from := r.nextSeqLocked()
	r.mu.Unlock()
	return r.requestSync(ctx, from, 0)
}

// nextSeqLocked is the first seq the replica lacks: what a SyncRequest asks
// for. An empty replica asks for 0, everything.
func (r *Replica) nextSeqLocked() uint64 {
	if !r.m.HasSeq {
		return 0
	}
	return r.m.Seq + 1
}

// acceptsLocked reports whether seq is the next batch to apply. An empty
// replica takes 0 or 1 as the first batch (the spec numbers from 1; a
// central system that numbers from 0 is taken too).
func (r *Replica) acceptsLocked(seq uint64) bool {
	if !r.m.HasSeq {
		return seq <= 1
	}
	return seq == r.m.Seq+1
}

// gapWindow is how long a gap waits for a replay already flowing before it
// asks again: a replay delivers batches back to back.
const gapWindow = 5 * time.Second

// requestSync asks for batches from `from` on, unless a request went out or
// a batch was applied within window (0: ask regardless).
func (r *Replica) requestSync(ctx context.Context, from uint64, window time.Duration) error {
	if r.opt.Sync == nil {
		r.opt.Log.Warn("authz replica behind, no sync link to ask", "fromSeq", from)
		return nil
	}
	now := r.opt.Now()
	r.mu.Lock()
	// One request is outstanding while batches keep arriving: ask again
	// only after a window without a request or a batch applied.
	last := r.lastReq.at
	if r.lastApplied.After(last) {
		last = r.lastApplied
	}
	if window > 0 && r.lastReq.ok && now.Sub(last) < window {
		r.mu.Unlock()
		return nil
	}
	r.lastReq.from, r.lastReq.at, r.lastReq.ok = from, now, true
	r.stats.SyncRequests++
	r.mu.Unlock()
	r.opt.Log.Info("authz sync requested", "fromSeq", from)
	if err := r.opt.Sync.RequestSync(ctx, from); err != nil {
		r.mu.Lock()
		r.stats.SyncErrors++
		r.lastReq.ok = false // try again at the next occasion
		r.mu.Unlock()
		return fmt.Errorf("authz: sync request from %d: %w", from, err)
	}
	return nil
}

// parsedBatch is a verified, validated batch.
type parsedBatch struct {
	seq      uint64
	keyID    string
	changes  []change
	removed  []string
	size     int
	issuedAt time.Time
}

func (r *Replica) reject(topic, keyID string, err error) {
	code := wire.RejectCode(err)
	r.mu.Lock()
	r.stats.Rejected++
	r.stats.RejectedByCode[code]++
	r.mu.Unlock()
	r.opt.Log.Warn("authz message rejected", "topic", topic, "code", code, "keyId", keyID, "err", err)
	if r.opt.OnReject != nil {
		r.opt.OnReject(wire.SecurityEvent{Topic: topic, Reason: code, KeyID: keyID})
	}
}

// HandleBatch takes one SignedEnvelope(AuthzBatch) as received on topic
// (xpt/v1/authz/batches or the kiosk's own .../authz). It returns nil when
// the batch was applied or kept for later, a *wire.RejectError when it
// was refused (already reported through OnReject), or another error when
// the store failed (the batch is not applied; a later sync brings it).
func (r *Replica) HandleBatch(ctx context.Context, topic string, raw []byte) error {
	b, err := r.parse(raw)
	if err != nil {
		var keyID string
		var re *wire.RejectError
		if errors.As(err, &re) {
			keyID = re.KeyID
		}
		r.reject(topic, keyID, err)
		return err
	}
	r.wmu.Lock()
	defer r.wmu.Unlock()
	r.mu.Lock()
	if r.m.HasSeq && b.seq <= r.m.Seq {
		r.stats.Replays++
		cur := r.m.Seq
		r.mu.Unlock()
		if topic != wire.TopicAuthzBatches {
			// The kiosk's own topic carries the replays it asked for; one
			// that overlaps batches applied meanwhile is expected, and
			// reporting it would raise a security event at every sync.
			r.opt.Log.Debug("authz replayed batch already applied", "seq", b.seq, "replica", cur)
			return nil
		}
		err := &wire.RejectError{Code: wire.RejectReplay, KeyID: b.keyID, Detail: fmt.Sprintf("seq %d already applied (replica at %d)", b.seq, cur)}
		r.reject(topic, b.keyID, err)
		return err
	}
	if !r.acceptsLocked(b.seq) {
		from := r.nextSeqLocked()
		r.bufferLocked(b)
		r.mu.Unlock()
		r.opt.Log.Info("authz batch ahead of replica, syncing", "seq", b.seq, "fromSeq", from)
		if err := r.requestSync(ctx, from, min(gapWindow, r.opt.SyncRetry)); err != nil {
			r.opt.Log.Warn("authz sync request failed", "err", err)
		}
		return nil
	}
	r.mu.Unlock()
	err = r.apply(b)
	// Drain batches kept from earlier that now follow on.
	for err == nil {
		r.mu.Lock()
		nb, ok := r.pending[r.m.Seq+1]
		if ok {
			r.dropPendingLocked(nb.seq)
		}
		r.mu.Unlock()
		if !ok {
			break
		}
		err = r.apply(nb)
	}
	r.mu.Lock()
	r.prunePendingLocked()
	r.mu.Unlock()
	// Still short of the head? Start's upkeep asks again if the replay
	// stalls; asking here after every batch would restart the replay.
	return err
}

func (r *Replica) bufferLocked(b *parsedBatch) {
	if _, dup := r.pending[b.seq]; dup {
		return
	}
	if r.opt.MaxPending < 0 || len(r.pending) >= r.opt.MaxPending || r.pendingB+b.size > r.opt.MaxPendingBytes {
		r.stats.Dropped++
		return
	}
	r.pending[b.seq] = b
	r.pendingB += b.size
	r.stats.Buffered++
}

func (r *Replica) dropPendingLocked(seq uint64) {
	if b, ok := r.pending[seq]; ok {
		r.pendingB -= b.size
		delete(r.pending, seq)
	}
}

func (r *Replica) prunePendingLocked() {
	for seq := range r.pending {
		if r.m.HasSeq && seq <= r.m.Seq {
			r.dropPendingLocked(seq)
		}
	}
}

// apply writes one batch; the caller holds wmu, not mu.
func (r *Replica) apply(b *parsedBatch) error {
	start := time.Now()
	now := r.opt.Now()
	r.mu.Lock()
	nm := r.m
	// Applying a batch counts as a successful sync once the replica has
	// reached the newest batch the central system announced (or when no
	// head is known: the batch itself is the newest news).
	synced := !r.hasHead || b.seq >= r.headSeq
	r.mu.Unlock()
	nm.HasSeq, nm.Seq = true, b.seq
	if synced {
		nm.LastSync = now.UTC()
	}
	res, nm, err := r.st.apply(b.changes, b.removed, nm)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.stats.StoreErrors++
		r.opt.Log.Error("authz batch not applied: store failed", "seq", b.seq, "err", err)
		return fmt.Errorf("authz: apply batch %d: %w", b.seq, err)
	}
	r.m = nm
	r.lastApplied = now
	r.stats.BatchesApplied++
	r.stats.RecordsApplied += uint64(res.Inserted + res.Updated)
	r.stats.StaleVersions += uint64(res.Stale)
	r.stats.Removed += uint64(res.Removed)
	r.stats.LastApplyMillis = float64(time.Since(start).Microseconds()) / 1000
	r.opt.Log.Debug("authz batch applied", "seq", b.seq, "inserted", res.Inserted, "updated", res.Updated,
		"stale", res.Stale, "removed", res.Removed, "records", nm.Count, "ms", r.stats.LastApplyMillis)
	return nil
}

// HandleHead takes the retained SignedEnvelope(AuthzHead). A head ahead of
// the replica starts a sync; a head equal to it confirms the replica is
// current (last successful sync = now).
func (r *Replica) HandleHead(ctx context.Context, raw []byte) error {
	var h wire.AuthzHead
	var keyID string
	var err error
	if r.opt.Keys == nil {
		err = &wire.RejectError{Code: wire.RejectUnknownKey, Detail: "no trusted keys configured"}
	} else if len(raw) > r.opt.MaxBatchBytes {
		err = &wire.RejectError{Code: wire.RejectTooLarge, Detail: "head too large"}
	} else {
		keyID, err = r.opt.Keys.OpenInto(raw, &h)
	}
	if err == nil {
		if _, perr := wire.ParseTime(h.IssuedAt); perr != nil || h.Records < 0 {
			err = &wire.RejectError{Code: wire.RejectSchema, KeyID: keyID, Detail: "head issuedAt is not a time or records is negative"}
		}
	}
	if err != nil {
		r.reject(wire.TopicAuthzHead, keyID, err)
		return err
	}
	r.wmu.Lock()
	defer r.wmu.Unlock()
	r.mu.Lock()
	r.headSeq, r.hasHead = h.Seq, true
	var (
		needSync bool
		synced   bool
	)
	switch {
	case !r.m.HasSeq && h.Seq == 0 && h.Records == 0:
		synced = true // the central system has nothing yet
	case !r.m.HasSeq || h.Seq > r.m.Seq:
		needSync = true
	case h.Seq == r.m.Seq:
		synced = true
	default:
		r.opt.Log.Warn("authz head is behind the replica", "head", h.Seq, "seq", r.m.Seq)
	}
	from := r.nextSeqLocked()
	r.mu.Unlock()
	if needSync {
		return r.requestSync(ctx, from, r.opt.SyncRetry)
	}
	if !synced {
		return nil
	}
	now := r.opt.Now().UTC()
	if err := r.st.setLastSync(now); err != nil {
		r.mu.Lock()
		r.stats.StoreErrors++
		r.mu.Unlock()
		return fmt.Errorf("authz: record the sync: %w", err)
	}
	r.mu.Lock()
	r.m.LastSync = now
	r.mu.Unlock()
	return nil
}

// parse verifies, decodes and validates one envelope. Every refusal is a
// *wire.RejectError; nothing here touches the store.
func (r *Replica) parse(raw []byte) (*parsedBatch, error) {
	if len(raw) > r.opt.MaxBatchBytes {
		return nil, &wire.RejectError{Code: wire.RejectTooLarge, Detail: fmt.Sprintf("%d bytes, limit %d", len(raw), r.opt.MaxBatchBytes)}
	}
	if r.opt.Keys == nil {
		return nil, &wire.RejectError{Code: wire.RejectUnknownKey, Detail: "no trusted keys configured"}
	}
	// The payload is decoded in full below; only when that fails is it
	// scanned again, to tell a payload that is not JSON (malformed) from
	// one that breaks the schema, as KeyRing.Open would have.
	inner, keyID, err := r.opt.Keys.OpenUnchecked(raw)
	if err != nil {
		return nil, err
	}
	b, err := parseBatch(inner, r.opt.MaxBatchRecords)
	if err != nil {
		if !wire.IsJSONObject(inner) {
			err = &wire.RejectError{Code: wire.RejectMalformed, Detail: "payload is not a JSON object"}
		}
		var re *wire.RejectError
		if errors.As(err, &re) {
			re.KeyID = keyID
		}
		return nil, err
	}
	b.keyID = keyID
	b.size = len(raw)
	return b, nil
}

// schema is the refusal of a batch that breaks the schema.
func schema(format string, a ...any) error {
	return &wire.RejectError{Code: wire.RejectSchema, Detail: fmt.Sprintf(format, a...)}
}

func parseBatch(inner []byte, maxRecords int) (*parsedBatch, error) {
	var (
		seq      *uint64
		issuedAt string
		recs     []*wire.AuthzRecord
		removed  []string
	)
	if fb, ok := decodeBatchFast(inner); ok {
		seq, issuedAt, removed = &fb.seq, fb.issuedAt, fb.removed
		if maxRecords > 0 && len(removed) > maxRecords {
			return nil, &wire.RejectError{Code: wire.RejectTooLarge, Detail: fmt.Sprintf("%d removals, limit %d", len(removed), maxRecords)}
		}
		if fb.records != nil {
			var err error
			limit := -1
			if maxRecords > 0 {
				limit = maxRecords - len(removed)
			}
			if recs, err = decodeRecordElems(fb.records, limit); err != nil {
				return nil, err
			}
		}
	} else if err := decodeBatchSlow(inner, maxRecords, &seq, &issuedAt, &recs, &removed); err != nil {
		return nil, err
	}
	if maxRecords > 0 && len(recs)+len(removed) > maxRecords {
		return nil, &wire.RejectError{Code: wire.RejectTooLarge, Detail: fmt.Sprintf("%d records and removals, limit %d", len(recs)+len(removed), maxRecords)}
	}
	if seq == nil {
		return nil, schema("batch has no seq")
	}
	issued, err := wire.ParseTime(issuedAt)
	if err != nil {
		return nil, schema("issuedAt is not an RFC 3339 time")
	}
	for i, id := range removed {
		if !ValidAuthorizationID(id) {
			return nil, schema("removed[%d] is not an authorization ID", i)
		}
	}
	changes := make([]change, len(recs))
	if err := validateRecords(recs, changes); err != nil {
		return nil, err
	}
	changes, removed = dedupe(changes, removed)
	return &parsedBatch{seq: *seq, changes: changes, removed: removed, issuedAt: issued}, nil
}

// decodeBatchSlow is the encoding/json path for a batch that is not in the
// canonical form decodeBatchFast reads: a streaming decode that refuses an
// oversize batch before it is all decoded and names what is wrong.
func decodeBatchSlow(inner []byte, maxRecords int, seq **uint64, issuedAt *string, recs *[]*wire.AuthzRecord, removed *[]string) error {
	dec := json.NewDecoder(bytes.NewReader(inner))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return schema("batch is not a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return schema("batch does not decode: %s", jsonErrWithoutValue(err))
		}
		key, _ := tok.(string)
		if seen[key] {
			return schema("batch has %q twice", key)
		}
		seen[key] = true
		switch key {
		case "seq":
			*seq = new(uint64)
			err = dec.Decode(*seq)
		case "issuedAt":
			err = dec.Decode(issuedAt)
		case "removed":
			err = dec.Decode(removed)
		case "records":
			*recs, err = decodeRecordArray(dec, maxRecords)
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip) // receivers ignore unknown fields
		}
		if err != nil {
			var re *wire.RejectError
			if errors.As(err, &re) {
				return err
			}
			return schema("batch field %q does not decode: %s", key, jsonErrWithoutValue(err))
		}
		if maxRecords > 0 && len(*recs)+len(*removed) > maxRecords {
			return &wire.RejectError{Code: wire.RejectTooLarge, Detail: fmt.Sprintf("%d records and removals, limit %d", len(*recs)+len(*removed), maxRecords)}
		}
	}
	if _, err := dec.Token(); err != nil {
		return schema("batch does not decode: %s", jsonErrWithoutValue(err))
	}
	return nil
}

// decodeRecordArray reads the records array: the decoder checks it is
// valid JSON and hands it over whole; decodeRecordElems does the rest.
func decodeRecordArray(dec *json.Decoder, maxRecords int) ([]*wire.AuthzRecord, error) {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	if t := trimJSONSpace(raw); len(t) == 4 && string(t) == "null" {
		return nil, nil // "records": null
	}
	limit := -1
	if maxRecords > 0 {
		limit = maxRecords
	}
	return decodeRecordElems(raw, limit)
}

// decodeRecordElems splits a raw records array into its elements and
// decodes them in parallel, each by the fast path for the canonical form
// (fastjson.go) or else by encoding/json; every element is thereby
// validated, whichever path read the array. More than limit elements
// (limit >= 0) is too_large.
func decodeRecordElems(raw []byte, limit int) ([]*wire.AuthzRecord, error) {
	elems, ok := splitJSONArray(raw)
	if !ok {
		return nil, &wire.RejectError{Code: wire.RejectSchema, Detail: "records is not an array"}
	}
	if limit >= 0 && len(elems) > limit {
		return nil, &wire.RejectError{Code: wire.RejectTooLarge, Detail: fmt.Sprintf("%d records (and removals), limit %d", len(elems), limit)}
	}
	recs := make([]*wire.AuthzRecord, len(elems))
	backing := make([]wire.AuthzRecord, len(elems))
	err := parallelChunks(len(elems), func(lo, hi int) error {
		for i := lo; i < hi; i++ {
			rec := &backing[i]
			if !decodeRecordFast(elems[i], rec) {
				*rec = wire.AuthzRecord{}
				if err := json.Unmarshal(elems[i], rec); err != nil {
					return &wire.RejectError{Code: wire.RejectSchema, Detail: fmt.Sprintf("records[%d] does not decode: %s", i, jsonErrWithoutValue(err))}
				}
			}
			recs[i] = rec
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return recs, nil
}

// parallelChunks runs f over [0, n) in one chunk per core (one chunk when
// n is small) and returns the error of the first failing chunk, so that
// the error reported does not depend on scheduling.
func parallelChunks(n int, f func(lo, hi int) error) error {
	workers := runtime.GOMAXPROCS(0)
	if n < 1024 || workers < 2 {
		return f(0, n)
	}
	chunk := (n + workers - 1) / workers
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, n)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = f(lo, hi)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// validateRecords validates and encodes decoded records, in parallel for
// large batches.
func validateRecords(recs []*wire.AuthzRecord, out []change) error {
	return parallelChunks(len(recs), func(lo, hi int) error {
		return validateRange(recs[lo:hi], out[lo:hi], lo)
	})
}

func validateRange(recs []*wire.AuthzRecord, out []change, base int) error {
	for i, rec := range recs {
		if err := validateRecord(base+i, rec); err != nil {
			return &wire.RejectError{Code: wire.RejectSchema, Detail: err.Error()}
		}
		out[i] = change{id: rec.AuthorizationID, rec: rec, raw: encodeRecord(rec)}
	}
	return nil
}

// jsonErrWithoutValue keeps a JSON error's position and type but not the
// offending value, which may be personal data.
func jsonErrWithoutValue(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %s: %s where %s was expected", te.Field, te.Value, te.Type)
	}
	return "not valid"
}

// dedupe leaves at most one change per authorization ID (the highest
// version; the first among equals) and drops changes to IDs the same
// batch removes: a removal wins.
func dedupe(cs []change, removed []string) ([]change, []string) {
	gone := map[string]bool{}
	rm := removed[:0:0]
	for _, id := range removed {
		if !gone[id] {
			gone[id] = true
			rm = append(rm, id)
		}
	}
	best := make(map[string]int, len(cs))
	out := cs[:0]
	for _, c := range cs {
		if gone[c.id] {
			continue
		}
		if j, ok := best[c.id]; ok {
			if c.rec.Version > out[j].rec.Version {
				out[j] = c
			}
			continue
		}
		best[c.id] = len(out)
		out = append(out, c)
	}
	return out, rm
}

// Import applies envelopes read from files or a provisioning medium: the
// same checks and rules as HandleBatch; source names the file in reports.
func (r *Replica) Import(ctx context.Context, source string, raw []byte) error {
	return r.HandleBatch(ctx, source, raw)
}

// Status is the replica's state for the technician console, telemetry and
// the CLI.
type Status struct {
	Path        string        `json:"path"`
	HasSeq      bool          `json:"hasSeq"`
	Seq         uint64        `json:"seq"`
	Records     int64         `json:"records"`
	LastSync    time.Time     `json:"lastSyncAt"`
	Staleness   time.Duration `json:"staleness"` // since LastSync; -1 when never synced
	HeadSeq     uint64        `json:"headSeq,omitempty"`
	Pending     []uint64      `json:"pending,omitempty"`
	DiskBytes   int64         `json:"diskBytes,omitempty"` // the store's files; set by callers that want it (DiskBytes)
	LastRequest uint64        `json:"lastSyncRequestFrom,omitempty"`
	Stats       Stats         `json:"stats"`
}

// Status reports the replica's state now.
func (r *Replica) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := Status{Path: r.st.path, HasSeq: r.m.HasSeq, Seq: r.m.Seq, Records: r.m.Count, LastSync: r.m.LastSync,
		HeadSeq: r.headSeq, Stats: r.stats}
	s.Stats.RejectedByCode = make(map[string]uint64, len(r.stats.RejectedByCode))
	for k, v := range r.stats.RejectedByCode {
		s.Stats.RejectedByCode[k] = v
	}
	if s.LastSync.IsZero() {
		s.Staleness = -1
	} else {
		s.Staleness = r.opt.Now().Sub(s.LastSync)
	}
	for seq := range r.pending {
		s.Pending = append(s.Pending, seq)
	}
	sort.Slice(s.Pending, func(i, j int) bool { return s.Pending[i] < s.Pending[j] })
	if r.lastReq.ok {
		s.LastRequest = r.lastReq.from
	}
	return s
}

// DiskBytes is the store's footprint on disk. It asks Pebble for its
// metrics, so Status, which the kiosk reads on every decision and state
// refresh, leaves it out.
func (r *Replica) DiskBytes() int64 { return r.st.diskBytes() }

// LastSync is the time of the last successful sync (zero: never); the
// decision weighs it against the policy's maximum staleness.
func (r *Replica) LastSync() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.m.LastSync
}

// Summary is the few things the kiosk shows and weighs of the replica,
// in one lock: the seq of the last batch applied (every batch applied, a
// revocation's too, moves it on; the kiosk looks a traveler up again when
// it moved during the session), the records held, the last successful
// sync (zero: never) and the envelopes refused. It uses only plain types,
// so that agent/kiosk does not import this package (nor Pebble).
func (r *Replica) Summary() (seq uint64, records int64, lastSync time.Time, rejected uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.m.Seq, r.m.Count, r.m.LastSync, r.stats.Rejected
}

// Wire is the status as telemetry carries it.
func (s Status) Wire() wire.AuthzStatus {
	w := wire.AuthzStatus{Seq: s.Seq, Records: s.Records}
	if !s.LastSync.IsZero() {
		w.LastSyncAt = wire.FormatTime(s.LastSync)
	}
	return w
}

// ByID returns one authorization, or ErrNotFound.
func (r *Replica) ByID(id string) (*wire.AuthzRecord, error) {
	rec := new(wire.AuthzRecord)
	err := r.read(func(rd *reader) error {
		found, err := rd.record([]byte(id), rec)
		if err == nil && !found {
			err = ErrNotFound
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// read runs f on one consistent view of the replica.
func (r *Replica) read(f func(*reader) error) error {
	rd := &reader{db: r.st.db}
	err := f(rd)
	if cerr := rd.close(); err == nil {
		err = cerr
	}
	return err
}

// ByDocument returns every record that lists the document (issuing state
// and number, normalised), whichever of its documents it is.
func (r *Replica) ByDocument(issuingState, number string) ([]wire.AuthzRecord, error) {
	state, num := NormalizeState(issuingState), NormalizeNumber(number)
	if state == "" || num == "" {
		return nil, nil
	}
	var out []wire.AuthzRecord
	err := r.read(func(rd *reader) (err error) {
		out, err = rd.lookup(docPrefix(state, num), nil)
		return err
	})
	return out, err
}

// ByCard returns the records of a trusted-traveler card tag.
func (r *Replica) ByCard(tag string) ([]wire.AuthzRecord, error) {
	return r.byValue(famCard, NormalizeTag(tag))
}

// ByMembership returns the records of a trusted-traveler membership ID.
func (r *Replica) ByMembership(id string) ([]wire.AuthzRecord, error) {
	return r.byValue(famMem, NormalizeNumber(id))
}

func (r *Replica) byValue(fam byte, v string) ([]wire.AuthzRecord, error) {
	if v == "" {
		return nil, nil
	}
	var out []wire.AuthzRecord
	err := r.read(func(rd *reader) (err error) {
		out, err = rd.lookup(valuePrefix(fam, v), nil)
		return err
	})
	return out, err
}

// Candidates returns, in one consistent read, every record that lists the
// document or carries the card tag (either may be empty), each once, the
// document's first: the decision's candidate records. (Running the two
// look-ups side by side on two goroutines was measured slower: they
// contend for the block cache.)
func (r *Replica) Candidates(issuingState, number, cardTag string) ([]wire.AuthzRecord, error) {
	state, num, tag := NormalizeState(issuingState), NormalizeNumber(number), NormalizeTag(cardTag)
	var out []wire.AuthzRecord
	err := r.read(func(rd *reader) (err error) {
		if state != "" && num != "" {
			if out, err = rd.lookup(docPrefix(state, num), out); err != nil {
				return err
			}
		}
		if tag != "" {
			byDoc := rd.found
			rd.skip = func(id []byte) bool {
				return slices.ContainsFunc(byDoc, func(d []byte) bool { return bytes.Equal(d, id) })
			}
			out, err = rd.lookup(valuePrefix(famCard, tag), out)
		}
		return err
	})
	return out, err
}
