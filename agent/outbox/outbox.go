package outbox

import (
	"context"
	"crypto/cipher"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Errors of Append.
var (
	ErrFull   = errors.New("outbox: full (events not delivered); kiosk must stop admitting")
	ErrClosed = errors.New("outbox: closed")
)

// Options configure Open.
type Options struct {
	Dir      string // required
	KioskID  string // filled into events that lack it
	PortCode string
	// MaxEvents undelivered events at most (default 100000).
	MaxEvents int
	// HighWater is where Full() turns true (default 90% of MaxEvents).
	HighWater int
	// SegmentBytes rolls the active segment beyond this size (default 4 MiB).
	SegmentBytes int64
	// AckFlushInterval bounds how long acknowledgements wait before the
	// acked file is rewritten and delivered segments wiped (default 200ms).
	// A crash loses at most this much acknowledgement progress: those
	// events are sent again, with the same eventId.
	AckFlushInterval time.Duration
	// PreallocBytes of each new segment are written (zeros) and synced
	// in the background before it is used, so appends never change the
	// file size (default SegmentBytes; negative: off, as for a fleet of
	// simulated kiosks on one disk).
	PreallocBytes int64
	// Key, when set (KeyLen bytes), seals every event with AES-256-GCM
	// before it is written (see seal.go). The kiosk keeps it outside the
	// data folder ([outbox].keyFile).
	Key []byte
	// OnFull is called (outside any lock) when Full() changes.
	OnFull func(full bool, depth int)
	Logger *slog.Logger
	Now    func() time.Time

	// noSync turns every fsync and fdatasync into a no-op. Only the
	// package's own fuzz targets set it (with syncs, FuzzRecover made a few
	// executions in 20 s); being unexported, it cannot be set from outside
	// the package, so every real outbox keeps its durability.
	noSync bool
}

// Record is one durable event as published.
type Record struct {
	Seq  uint64
	Data []byte // the event's JSON
}

// Stats for telemetry and the technician console.
type Stats struct {
	LastSeq   uint64 `json:"lastSeq"`
	Durable   uint64 `json:"durableSeq"`
	Acked     uint64 `json:"ackedSeq"`
	Depth     int    `json:"depth"`
	Full      bool   `json:"full"`
	Segments  int    `json:"segments"`
	Syncs     uint64 `json:"syncs"`
	Appends   uint64 `json:"appends"`
	Refused   uint64 `json:"refused"`
	Wiped     uint64 `json:"wipedSegments"`
	Truncated int64  `json:"truncatedBytes"` // torn tail cut at Open
	Err       string `json:"error,omitempty"`
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

const hdrLen = 16

type segment struct {
	id    uint64
	f     *os.File
	size  int64
	first uint64 // 0 when empty
	last  uint64
	path  string
}

type entry struct {
	seg *segment
	off int64 // of the data
	n   int
}

type pendingRec struct {
	seq  uint64
	data []byte
}

type batch struct {
	done chan struct{}
	err  error
}

// Outbox is safe for concurrent use.
type Outbox struct {
	o    Options
	log  *slog.Logger
	aead cipher.AEAD // nil: events are written as they are

	mu         sync.Mutex
	next       uint64 // seq the next Append gets
	durable    uint64 // highest fsynced seq
	acked      uint64 // contiguous acknowledged watermark
	ackedAbove map[uint64]struct{}
	idxBase    uint64 // seq of idx[0]
	idx        []entry
	pending    []pendingRec
	cur        *batch
	wake       chan struct{} // closed when pending grows (writer) -- cond below
	cond       *sync.Cond
	notify     chan struct{} // closed and replaced when durable advances
	closed     bool
	failed     error
	full       bool
	stats      Stats

	segMu    sync.RWMutex // guards segment files against wipe while read
	segs     []*segment   // oldest first; last is active
	nextSeg  uint64
	writeMu  sync.Mutex // the writer and the janitor's roll
	spare    *segment   // preallocated next segment (writeMu)
	ackSaved uint64     // acked value in the acked file (janitor only)
	ackF     *os.File
	ackNext  int // slot the next write goes to

	kick      chan struct{}
	stop      chan struct{}
	wg        sync.WaitGroup
	fullMu    sync.Mutex // serialises OnFull calls
	scanFirst uint64
	wiped     atomic.Uint64
	lastFlush time.Time
}

// Open recovers the outbox in o.Dir (creating it), truncating a torn tail.
func Open(o Options) (*Outbox, error) {
	if o.Dir == "" {
		return nil, errors.New("outbox: no directory")
	}
	if o.MaxEvents <= 0 {
		o.MaxEvents = 100000
	}
	if o.HighWater <= 0 || o.HighWater > o.MaxEvents {
		o.HighWater = o.MaxEvents * 9 / 10
		if o.HighWater == 0 {
			o.HighWater = o.MaxEvents
		}
	}
	if o.SegmentBytes <= 0 {
		o.SegmentBytes = 4 << 20
	}
	if o.PreallocBytes == 0 {
		o.PreallocBytes = o.SegmentBytes
	}
	if o.AckFlushInterval <= 0 {
		o.AckFlushInterval = 200 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	aead, err := newAEAD(o.Key)
	if err != nil {
		return nil, err
	}
	o.Key = nil // the AEAD holds it; Options copies do not
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, err
	}
	b := &Outbox{o: o, log: log, aead: aead, ackedAbove: map[uint64]struct{}{}, notify: make(chan struct{}),
		kick: make(chan struct{}, 1), stop: make(chan struct{})}
	b.cond = sync.NewCond(&b.mu)
	if err := b.recover(); err != nil {
		b.closeFiles()
		return nil, err
	}
	b.full = b.depthLocked() >= o.HighWater
	b.wg.Add(2)
	go b.writer()
	go b.janitor()
	return b, nil
}

func (b *Outbox) ackPath() string { return filepath.Join(b.o.Dir, "acked") }

func (b *Outbox) recover() error {
	acked, err := readAcked(b.ackPath())
	if err != nil {
		return err
	}
	if err := b.openAckFile(); err != nil {
		return err
	}
	b.acked, b.ackSaved = acked, acked
	names, err := filepath.Glob(filepath.Join(b.o.Dir, "seg-*.log"))
	if err != nil {
		return err
	}
	sort.Strings(names)
	var last uint64
	type scanned struct {
		good, size int64
		zeroTail   bool
	}
	var info []scanned
	for _, name := range names {
		var id uint64
		if _, err := fmt.Sscanf(filepath.Base(name), "seg-%016x.log", &id); err != nil {
			continue
		}
		f, err := os.OpenFile(name, os.O_RDWR, 0o600)
		if err != nil {
			return err
		}
		s := &segment{id: id, f: f, path: name}
		b.segs = append(b.segs, s)
		b.nextSeg = id + 1
		good, err := b.scan(s, &last, true)
		if err != nil {
			return err
		}
		var size int64
		if st, err := f.Stat(); err == nil {
			size = st.Size()
		}
		info = append(info, scanned{good: good, size: size, zeroTail: zeroFrom(f, good, size)})
		s.size = good
	}
	lastNonEmpty := -1
	for i, s := range b.segs {
		if s.first != 0 {
			lastNonEmpty = i
		}
	}
	for i, s := range b.segs {
		in := info[i]
		if in.size <= in.good {
			continue
		}
		if !in.zeroTail { // not preallocation: a torn or corrupt write
			if i < lastNonEmpty {
				return fmt.Errorf("outbox: segment %s is corrupt at offset %d (not the tail); needs a technician", filepath.Base(s.path), in.good)
			}
			b.log.Warn("outbox: torn tail truncated", "segment", filepath.Base(s.path), "offset", in.good, "bytes", in.size-in.good)
			b.stats.Truncated += in.size - in.good
		}
		if err := s.f.Truncate(in.good); err != nil {
			return err
		}
		if err := b.fsync(s.f); err != nil {
			return err
		}
	}
	if last < acked {
		last = acked
	}
	// Holes exist only up to a persisted acknowledgement.
	if b.scanFirst != 0 && b.scanFirst-1 > acked {
		acked = b.scanFirst - 1
		b.acked, b.ackSaved = acked, acked
	}
	b.next = last + 1
	b.durable = last
	// The index starts at the first record not yet wiped in place; those up
	// to acked among them are wiped by the janitor's first pass.
	if b.scanFirst != 0 {
		b.idxBase = b.scanFirst
	} else {
		b.idxBase = last + 1
	}
	// Wipe segments fully delivered and empty ones; recovered segments are
	// read-only from now on: appends go to a fresh, preallocated segment.
	keep := b.segs[:0]
	for _, s := range b.segs {
		if s.first == 0 || s.last <= acked {
			b.wipe(s)
			continue
		}
		keep = append(keep, s)
	}
	b.segs = keep
	drop := 0
	for drop < len(b.idx) && b.idx[drop].seg.f == nil {
		drop++
	}
	b.idx = b.idx[drop:]
	b.idxBase += uint64(drop)
	// The first active segment is preallocated now, at start-up, where a
	// few milliseconds do not matter.
	s, err := b.createSegment(b.nextSeg, b.o.PreallocBytes > 0)
	if err != nil {
		return err
	}
	b.nextSeg++
	b.segs = append(b.segs, s)
	return nil
}

// zeroFrom reports whether f holds only zero bytes in [from, to): the
// unused, preallocated end of a segment rather than a torn write.
func zeroFrom(f *os.File, from, to int64) bool {
	buf := make([]byte, 64<<10)
	for off := from; off < to; {
		n, err := f.ReadAt(buf[:min(int64(len(buf)), to-off)], off)
		for _, c := range buf[:n] {
			if c != 0 {
				return false
			}
		}
		if err != nil || n == 0 {
			return err == io.EOF
		}
		off += int64(n)
	}
	return true
}

// holeSum marks a record wiped in place after delivery: its header keeps
// len and seq (so seq continuity can still be checked) and its data is zeros.
func holeSum(seqBytes []byte) uint32 { return crc32.Checksum(seqBytes, castagnoli) ^ 0x484f4c45 }

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func (b *Outbox) scan(s *segment, last *uint64, isTail bool) (int64, error) {
	st, err := s.f.Stat()
	if err != nil {
		return 0, err
	}
	size := st.Size()
	r := io.NewSectionReader(s.f, 0, size)
	var off int64
	hdr := make([]byte, hdrLen)
	var buf []byte
	for {
		if _, err := io.ReadFull(r, hdr); err != nil {
			return off, nil
		}
		n := binary.LittleEndian.Uint32(hdr[0:4])
		sum := binary.LittleEndian.Uint32(hdr[4:8])
		seq := binary.LittleEndian.Uint64(hdr[8:16])
		if n > maxRecordData || seq == 0 || off+hdrLen+int64(n) > size {
			return off, nil
		}
		if cap(buf) < int(n) {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(r, buf); err != nil {
			return off, nil
		}
		hole := sum == holeSum(hdr[8:16]) && allZero(buf)
		if !hole && crc32.Update(crc32.Checksum(hdr[8:16], castagnoli), castagnoli, buf) != sum {
			return off, nil
		}
		if *last != 0 && seq != *last+1 {
			if isTail {
				return off, nil
			}
			return off, fmt.Errorf("outbox: seq %d follows %d in %s", seq, *last, s.path)
		}
		if hole && len(b.idx) > 0 {
			return off, fmt.Errorf("outbox: wiped record %d after undelivered ones in %s", seq, s.path)
		}
		if s.first == 0 {
			s.first = seq
		}
		s.last = seq
		if !hole {
			if b.scanFirst == 0 {
				b.scanFirst = seq
			}
			b.idx = append(b.idx, entry{seg: s, off: off + hdrLen, n: int(n)})
		}
		*last = seq
		off += hdrLen + int64(n)
	}
}

// The acked file has two 16-byte slots, u64 seq | u32 crc32c | u32 zero,
// written alternately in place and fdatasynced: a torn write spoils at most
// the slot being written, and the file never changes size, so persisting
// acknowledgements costs one data flush, no rename and no journal commit.
const ackSlot = 16

func readAcked(path string) (uint64, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var best uint64
	for off := 0; off+12 <= len(raw) && off < 2*ackSlot; off += ackSlot {
		if crc32.Checksum(raw[off:off+8], castagnoli) == binary.LittleEndian.Uint32(raw[off+8:off+12]) {
			best = max(best, binary.LittleEndian.Uint64(raw[off:off+8]))
		}
	}
	return best, nil
}

func (b *Outbox) openAckFile() error {
	path := b.ackPath()
	f, err := os.OpenFile(path, os.O_RDWR, 0o600)
	if errors.Is(err, os.ErrNotExist) {
		f, err = os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
		if err == nil {
			_, err = f.WriteAt(make([]byte, 2*ackSlot), 0)
		}
		if err == nil {
			err = b.fsync(f)
		}
		if err == nil {
			err = b.syncDir()
		}
	}
	if err != nil {
		if f != nil {
			f.Close()
		}
		return err
	}
	if st, err := f.Stat(); err == nil && st.Size() < 2*ackSlot {
		if err := f.Truncate(2 * ackSlot); err != nil {
			f.Close()
			return err
		}
	}
	b.ackF = f
	return nil
}

func (b *Outbox) writeAcked(seq uint64) error {
	var raw [ackSlot]byte
	binary.LittleEndian.PutUint64(raw[:8], seq)
	binary.LittleEndian.PutUint32(raw[8:12], crc32.Checksum(raw[:8], castagnoli))
	if _, err := b.ackF.WriteAt(raw[:], int64(b.ackNext)*ackSlot); err != nil {
		return err
	}
	b.ackNext ^= 1
	return b.datasync(b.ackF)
}

// fsync is f.Sync, datasync fdatasync(2) and syncDir an fsync of the
// outbox directory; all three do nothing under Options.noSync.
func (b *Outbox) fsync(f *os.File) error {
	if b.o.noSync {
		return nil
	}
	return f.Sync()
}

func (b *Outbox) datasync(f *os.File) error {
	if b.o.noSync {
		return nil
	}
	return datasync(f)
}

func (b *Outbox) syncDir() error {
	if b.o.noSync {
		return nil
	}
	d, err := os.Open(b.o.Dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// newSegment makes a new active segment: the spare the janitor prepared
// when there is one, else a fresh file. Called with writeMu held (or during
// Open).
func (b *Outbox) newSegment() error {
	if sp := b.spare; sp != nil {
		b.spare = nil
		b.segMu.Lock()
		b.segs = append(b.segs, sp)
		b.segMu.Unlock()
		return nil
	}
	s, err := b.createSegment(b.nextSeg, false)
	if err != nil {
		return err
	}
	b.nextSeg++
	b.segMu.Lock()
	b.segs = append(b.segs, s)
	b.segMu.Unlock()
	return nil
}

// createSegment creates segment id. With prealloc its blocks are written
// (zeros) and synced up front, so that the fdatasync of each later append
// flushes only data, never a size change through the file-system journal.
func (b *Outbox) createSegment(id uint64, prealloc bool) (*segment, error) {
	path := filepath.Join(b.o.Dir, fmt.Sprintf("seg-%016x.log", id))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	if prealloc {
		zero := make([]byte, 256<<10)
		for off := int64(0); off < b.o.PreallocBytes && err == nil; off += int64(len(zero)) {
			_, err = f.WriteAt(zero[:min(int64(len(zero)), b.o.PreallocBytes-off)], off)
		}
		if err == nil {
			err = b.fsync(f)
		}
	}
	if err == nil {
		err = b.syncDir()
	}
	if err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	return &segment{id: id, f: f, path: path}, nil
}

// prepareSpare preallocates the next segment in the background, so that
// rolling over never makes an Append wait for it.
func (b *Outbox) prepareSpare() {
	b.writeMu.Lock()
	if b.spare != nil || b.o.PreallocBytes < 0 || b.active().size < b.o.SegmentBytes/2 {
		b.writeMu.Unlock()
		return // not yet needed
	}
	id := b.nextSeg
	b.nextSeg++
	b.writeMu.Unlock()
	s, err := b.createSegment(id, true)
	if err != nil {
		b.log.Error("outbox: prepare segment", "err", err)
		return
	}
	b.writeMu.Lock()
	defer b.writeMu.Unlock()
	if b.spare == nil && id > b.active().id {
		b.spare = s
		return
	}
	s.f.Close()
	os.Remove(s.path)
}

// wipe overwrites a segment with zeros, syncs it and removes it, so that
// delivered personal data is gone from the file system, not only unlinked.
func (b *Outbox) wipe(s *segment) {
	if size := s.size; size > 0 {
		zero := make([]byte, 64<<10)
		for off := int64(0); off < size; off += int64(len(zero)) {
			n := min(int64(len(zero)), size-off)
			if _, err := s.f.WriteAt(zero[:n], off); err != nil {
				b.log.Error("outbox: wipe", "segment", filepath.Base(s.path), "err", err)
				break
			}
		}
		_ = b.fsync(s.f)
	}
	s.f.Close()
	s.f = nil
	if err := os.Remove(s.path); err != nil {
		b.log.Error("outbox: remove segment", "segment", filepath.Base(s.path), "err", err)
	}
	b.wiped.Add(1)
}

// Append gives ev the next seq (and an eventId, time, kiosk and port when
// they are empty), writes it and returns once it is durable on disk.
// Concurrent Appends share one fsync.
func (b *Outbox) Append(ev *wire.Event) (uint64, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return 0, ErrClosed
	}
	if b.failed != nil {
		b.mu.Unlock()
		return 0, b.failed
	}
	if b.depthLocked() >= b.o.MaxEvents {
		b.stats.Refused++
		b.mu.Unlock()
		return 0, ErrFull
	}
	now := b.o.Now()
	if ev.EventID == "" {
		ev.EventID = wire.NewID(now)
	}
	if ev.At == "" {
		ev.At = wire.FormatTime(now)
	}
	if ev.KioskID == "" {
		ev.KioskID = b.o.KioskID
	}
	if ev.PortCode == "" {
		ev.PortCode = b.o.PortCode
	}
	ev.Seq = b.next
	data, err := json.Marshal(ev)
	if err != nil {
		b.mu.Unlock()
		return 0, fmt.Errorf("outbox: encode event: %w", err)
	}
	if len(data) > wire.MaxEnvelopeBytes {
		b.mu.Unlock()
		return 0, fmt.Errorf("outbox: event of %d bytes is too large", len(data))
	}
	if b.aead != nil {
		data = sealRecord(b.aead, ev.Seq, data)
	}
	b.next++
	b.pending = append(b.pending, pendingRec{seq: ev.Seq, data: data})
	if b.cur == nil {
		b.cur = &batch{done: make(chan struct{})}
	}
	bt := b.cur
	b.stats.Appends++
	changed := b.updateFullLocked()
	b.cond.Signal()
	b.mu.Unlock()
	b.fireFull(changed)
	<-bt.done
	if bt.err != nil {
		return 0, bt.err
	}
	return ev.Seq, nil
}

func (b *Outbox) depthLocked() int { return int(b.next - 1 - b.acked) }

// updateFullLocked returns whether Full changed.
func (b *Outbox) updateFullLocked() bool {
	f := b.depthLocked() >= b.o.HighWater
	if f == b.full {
		return false
	}
	b.full = f
	return true
}

func (b *Outbox) fireFull(changed bool) {
	if !changed || b.o.OnFull == nil {
		return
	}
	b.fullMu.Lock()
	defer b.fullMu.Unlock()
	b.mu.Lock()
	full, depth := b.full, b.depthLocked()
	b.mu.Unlock()
	if full {
		b.log.Warn("outbox: high water reached, kiosk must stop admitting", "depth", depth, "highWater", b.o.HighWater)
	} else {
		b.log.Info("outbox: below high water again", "depth", depth)
	}
	b.o.OnFull(full, depth)
}

func (b *Outbox) writer() {
	defer b.wg.Done()
	var buf []byte
	for {
		b.mu.Lock()
		for len(b.pending) == 0 && !b.closed {
			b.cond.Wait()
		}
		if len(b.pending) == 0 && b.closed {
			b.mu.Unlock()
			return
		}
		recs, bt := b.pending, b.cur
		b.pending, b.cur = nil, nil
		b.mu.Unlock()

		buf = buf[:0]
		for _, r := range recs {
			var hdr [hdrLen]byte
			binary.LittleEndian.PutUint32(hdr[0:4], uint32(len(r.data)))
			binary.LittleEndian.PutUint64(hdr[8:16], r.seq)
			c := crc32.Update(crc32.Checksum(hdr[8:16], castagnoli), castagnoli, r.data)
			binary.LittleEndian.PutUint32(hdr[4:8], c)
			buf = append(buf, hdr[:]...)
			buf = append(buf, r.data...)
		}
		b.writeMu.Lock()
		err := b.maybeRoll(len(buf))
		s := b.active()
		base := s.size
		if err == nil {
			_, err = s.f.WriteAt(buf, base)
		}
		if err == nil {
			err = b.datasync(s.f)
		}
		if err == nil {
			s.size += int64(len(buf))
			if s.first == 0 {
				s.first = recs[0].seq
			}
			s.last = recs[len(recs)-1].seq
		}
		b.writeMu.Unlock()

		b.mu.Lock()
		if err != nil {
			// After a failed fsync the page cache can no longer be trusted
			// (fsyncgate): refuse everything until a restart re-reads the disk.
			b.failed = fmt.Errorf("outbox: write failed, outbox disabled until restart: %w", err)
			b.stats.Err = err.Error()
			b.log.Error("outbox: write failed", "err", err)
			bt.err = b.failed
			// Seqs handed out but not written are taken back only by a
			// restart; nothing after them is written either.
		} else {
			off := base
			for _, r := range recs {
				b.idx = append(b.idx, entry{seg: s, off: off + hdrLen, n: len(r.data)})
				off += hdrLen + int64(len(r.data))
			}
			b.durable = recs[len(recs)-1].seq
			b.stats.Syncs++
			close(b.notify)
			b.notify = make(chan struct{})
		}
		b.mu.Unlock()
		close(bt.done)
	}
}

func (b *Outbox) active() *segment {
	b.segMu.RLock()
	defer b.segMu.RUnlock()
	return b.segs[len(b.segs)-1]
}

// maybeRoll starts a new segment when the active one is big. writeMu held.
func (b *Outbox) maybeRoll(n int) error {
	if a := b.active(); a.size == 0 || a.size+int64(n) <= b.o.SegmentBytes {
		return nil
	}
	return b.newSegment()
}

// Next returns up to max durable records with seq > after, in seq order,
// waiting until there is at least one or ctx ends. A cursor below the
// acknowledged watermark starts at the first unacknowledged record.
func (b *Outbox) Next(ctx context.Context, after uint64, max int) ([]Record, error) {
	for {
		b.mu.Lock()
		if after < b.acked {
			after = b.acked
		}
		if b.closed {
			b.mu.Unlock()
			return nil, ErrClosed
		}
		if b.durable > after {
			n := int(b.durable - after)
			if n > max {
				n = max
			}
			start := int(after + 1 - b.idxBase)
			ents := make([]entry, n)
			copy(ents, b.idx[start:start+n])
			b.mu.Unlock()
			return b.read(after+1, ents)
		}
		ch := b.notify
		b.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (b *Outbox) read(first uint64, ents []entry) ([]Record, error) {
	b.segMu.RLock()
	defer b.segMu.RUnlock()
	out := make([]Record, 0, len(ents))
	for i, e := range ents {
		seq := first + uint64(i)
		if e.seg == nil || e.seg.f == nil {
			break // wiped meanwhile: everything from here was acknowledged
		}
		buf := make([]byte, hdrLen+e.n)
		if _, err := e.seg.f.ReadAt(buf, e.off-hdrLen); err != nil {
			if len(out) > 0 {
				break
			}
			return out, fmt.Errorf("outbox: read seq %d: %w", seq, err)
		}
		// A compaction may have moved the record since the index was copied:
		// check that this is still it, else return what we have.
		if binary.LittleEndian.Uint64(buf[8:16]) != seq ||
			crc32.Update(crc32.Checksum(buf[8:16], castagnoli), castagnoli, buf[hdrLen:]) != binary.LittleEndian.Uint32(buf[4:8]) {
			break
		}
		data, err := openRecord(b.aead, seq, buf[hdrLen:])
		if err != nil {
			if len(out) > 0 {
				break
			}
			return out, fmt.Errorf("outbox: read %w", err)
		}
		out = append(out, Record{Seq: seq, Data: data})
	}
	return out, nil
}

// Ack records that the broker acknowledged seq. Acknowledgements may come
// out of order; the watermark advances over contiguous ones.
func (b *Outbox) Ack(seq uint64) {
	b.mu.Lock()
	if seq <= b.acked || seq > b.durable {
		b.mu.Unlock()
		return
	}
	b.ackedAbove[seq] = struct{}{}
	old := b.acked
	for {
		if _, ok := b.ackedAbove[b.acked+1]; !ok {
			break
		}
		delete(b.ackedAbove, b.acked+1)
		b.acked++
	}
	_ = old
	changed := b.updateFullLocked()
	b.mu.Unlock()
	b.fireFull(changed)
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// janitor persists acknowledgements and wipes delivered segments.
func (b *Outbox) janitor() {
	defer b.wg.Done()
	t := time.NewTicker(b.o.AckFlushInterval)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			b.flushAcks()
			return
		case <-t.C:
			b.flushAcks()
			b.prepareSpare()
		case <-b.kick:
			// Coalesce: wait for the tick unless the outbox is now drained.
			b.mu.Lock()
			drained := b.acked == b.durable
			b.mu.Unlock()
			if drained && time.Since(b.lastFlush) >= b.o.AckFlushInterval/4 {
				b.flushAcks()
			}
		}
	}
}

func (b *Outbox) flushAcks() {
	b.lastFlush = time.Now()
	b.mu.Lock()
	acked := b.acked
	b.mu.Unlock()
	// No writeMu here: the writer only appends to the active segment, the
	// janitor only rewrites acknowledged records behind it and deletes
	// segments before it (under segMu), so neither waits for the other's
	// flushes.
	if acked != b.ackSaved {
		if err := b.writeAcked(acked); err != nil {
			b.log.Error("outbox: persist acknowledgements", "err", err)
			return
		}
		b.ackSaved = acked
	}
	// Wipe delivered records in place: overwrite each with a hole (its
	// len and seq kept, data zeroed) and sync, so their personal data is
	// gone from the disk without waiting for the segment to be deleted.
	b.mu.Lock()
	var ents []entry
	if b.ackSaved >= b.idxBase {
		ents = append(ents, b.idx[:b.ackSaved+1-b.idxBase]...)
	}
	first := b.idxBase
	b.mu.Unlock()
	if len(ents) > 0 {
		if err := b.punch(first, ents); err != nil {
			b.log.Error("outbox: wipe delivered events", "err", err)
			return
		}
		b.mu.Lock()
		for i := range ents {
			b.idx[i] = entry{}
		}
		b.idx = b.idx[len(ents):]
		b.idxBase += uint64(len(ents))
		if cap(b.idx) > 4096 && len(b.idx) < cap(b.idx)/4 {
			b.idx = append([]entry(nil), b.idx...)
		}
		b.mu.Unlock()
	}
	punched := b.idxBaseSnapshot() - 1
	// Delete segments behind the active one that hold nothing undelivered.
	b.segMu.Lock()
	defer b.segMu.Unlock()
	keep := make([]*segment, 0, len(b.segs))
	for i, s := range b.segs {
		if i < len(b.segs)-1 && (s.first == 0 || s.last <= punched) {
			s.f.Close()
			s.f = nil
			if err := os.Remove(s.path); err != nil {
				b.log.Error("outbox: remove segment", "segment", filepath.Base(s.path), "err", err)
			}
			b.wiped.Add(1)
			continue
		}
		keep = append(keep, s)
	}
	b.segs = keep
}

func (b *Outbox) idxBaseSnapshot() uint64 { b.mu.Lock(); defer b.mu.Unlock(); return b.idxBase }

// punch turns the records first.. (ents, in seq order) into holes.
func (b *Outbox) punch(first uint64, ents []entry) error {
	flush := func(s *segment, off int64, buf []byte) error {
		if _, err := s.f.WriteAt(buf, off); err != nil {
			return err
		}
		return b.datasync(s.f)
	}
	var (
		cur   *segment
		start int64
		buf   []byte
	)
	for i, e := range ents {
		seq := first + uint64(i)
		if e.seg != cur || (cur != nil && start+int64(len(buf)) != e.off-hdrLen) {
			if cur != nil {
				if err := flush(cur, start, buf); err != nil {
					return err
				}
			}
			cur, start, buf = e.seg, e.off-hdrLen, buf[:0]
		}
		var hdr [hdrLen]byte
		binary.LittleEndian.PutUint32(hdr[0:4], uint32(e.n))
		binary.LittleEndian.PutUint64(hdr[8:16], seq)
		binary.LittleEndian.PutUint32(hdr[4:8], holeSum(hdr[8:16]))
		buf = append(buf, hdr[:]...)
		buf = append(buf, make([]byte, e.n)...)
	}
	if cur != nil {
		return flush(cur, start, buf)
	}
	return nil
}

// Acked is the highest seq up to which everything was acknowledged.
func (b *Outbox) Acked() uint64 { b.mu.Lock(); defer b.mu.Unlock(); return b.acked }

// LastSeq is the seq of the newest durable event.
func (b *Outbox) LastSeq() uint64 { b.mu.Lock(); defer b.mu.Unlock(); return b.durable }

// Depth is the number of events not yet delivered.
func (b *Outbox) Depth() int { b.mu.Lock(); defer b.mu.Unlock(); return b.depthLocked() }

// Full reports whether the kiosk must stop admitting (HighWater reached).
func (b *Outbox) Full() bool { b.mu.Lock(); defer b.mu.Unlock(); return b.full }

// Err is the write error that disabled the outbox, if any.
func (b *Outbox) Err() error { b.mu.Lock(); defer b.mu.Unlock(); return b.failed }

// Stats returns counters and watermarks.
func (b *Outbox) Stats() Stats {
	b.mu.Lock()
	s := b.stats
	s.LastSeq, s.Durable, s.Acked, s.Depth, s.Full = b.next-1, b.durable, b.acked, b.depthLocked(), b.full
	b.mu.Unlock()
	b.segMu.RLock()
	s.Segments = len(b.segs)
	s.Wiped = b.wiped.Load()
	b.segMu.RUnlock()
	return s
}

// Close waits for pending Appends, persists acknowledgements and closes the
// files.
func (b *Outbox) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.cond.Broadcast()
	close(b.notify)
	b.notify = make(chan struct{})
	b.mu.Unlock()
	close(b.stop)
	b.wg.Wait()
	b.closeFiles()
	return nil
}

func (b *Outbox) closeFiles() {
	b.segMu.Lock()
	defer b.segMu.Unlock()
	for _, s := range b.segs {
		if s.f != nil {
			s.f.Close()
		}
	}
	if sp := b.spare; sp != nil {
		sp.f.Close()
	}
	if b.ackF != nil {
		b.ackF.Close()
	}
}

// Files lists the outbox's files (for tests and the technician console).
func (b *Outbox) Files() []string {
	names, _ := filepath.Glob(filepath.Join(b.o.Dir, "*"))
	var out []string
	for _, n := range names {
		if !strings.HasSuffix(n, ".tmp") {
			out = append(out, n)
		}
	}
	return out
}
