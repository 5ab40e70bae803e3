// Package audit is the kiosk's per-transaction audit log: what was checked,
// with which scores against which thresholds, which reason and error codes
// came out and how long each step took. It holds no names, document numbers,
// birth dates, card tags or photos: those leave the kiosk only in events and
// are wiped once delivered (agent/outbox); the audit log stays.
//
// The log is tamper-evident: a file of JSON lines, each carrying the SHA-256
// of the previous line's hash, its own number and its entry's exact bytes.
// Changing, removing or reordering any line breaks the chain from there on;
// Verify names the first bad line. Cutting lines off the end leaves a valid
// shorter chain: that is caught only by comparing the head hash with one
// recorded elsewhere (Head() is meant for telemetry and the technician
// console).
package audit

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Entry is one audited fact. Kind is "transaction" for a traveler's pass,
// or the event type it was made from (referral.decided, command.applied…).
type Entry struct {
	At            string           `json:"at"`
	Kind          string           `json:"kind"`
	TransactionID string           `json:"transactionId,omitempty"`
	ReferralID    string           `json:"referralId,omitempty"`
	Reference     string           `json:"reference,omitempty"` // the code the traveler was shown
	Outcome       string           `json:"outcome,omitempty"`
	Direction     string           `json:"direction,omitempty"`
	Reasons       []string         `json:"reasons,omitempty"`
	Checks        []Check          `json:"checks,omitempty"`
	Errors        []string         `json:"errors,omitempty"` // device and other error codes
	TimingsMs     map[string]int64 `json:"timingsMs,omitempty"`
	Decision      string           `json:"decision,omitempty"` // officer decision
	// Officer is the account that decided; Via the path the decision came
	// by: "console" (this kiosk's officer console) or "mqtt:{keyId}" (a
	// signed decision from another console, and the key that signed it).
	Officer string `json:"officer,omitempty"`
	Via     string `json:"via,omitempty"`
	// Console access (console.sign-in, console.sign-out, console.refused,
	// console.held-back): the console, the account tried and its role, the
	// source address, and why (a sign-out's cause, a refusal's). Never a
	// password or a token. A failed scan read again on the command line
	// (scanner.rescan): the user who ran it, source "cli", the scan's ID
	// and page count in Detail.
	Console  string `json:"console,omitempty"`
	Account  string `json:"account,omitempty"`
	Role     string `json:"role,omitempty"`
	Source   string `json:"source,omitempty"`
	Detail   string `json:"detail,omitempty"`
	EventID  string `json:"eventId,omitempty"`
	EventSeq uint64 `json:"eventSeq,omitempty"`
}

// Check is a verification step without any free text.
type Check struct {
	Name      string   `json:"name"`
	Result    string   `json:"result"`
	Score     *float64 `json:"score,omitempty"`
	Threshold *float64 `json:"threshold,omitempty"`
}

// FromEvent makes the audit entry of an event, keeping only what the audit
// needs: never the holder, the document, the card or the photo.
func FromEvent(ev *wire.Event) Entry {
	e := Entry{At: ev.At, Kind: ev.Type, EventID: ev.EventID, EventSeq: ev.Seq}
	if tx := ev.Transaction; tx != nil {
		e.Kind = "transaction"
		e.TransactionID, e.ReferralID, e.Outcome, e.Direction = tx.ID, tx.ReferralID, tx.Outcome, tx.Direction
		e.Reference = tx.Reference
		e.Reasons = append([]string(nil), tx.Reasons...)
		for _, c := range tx.Checks {
			e.Checks = append(e.Checks, Check{Name: c.Name, Result: c.Result, Score: c.Score, Threshold: c.Threshold})
		}
		if len(tx.TimingsMs) > 0 {
			e.TimingsMs = make(map[string]int64, len(tx.TimingsMs))
			for k, v := range tx.TimingsMs {
				e.TimingsMs[k] = v
			}
		}
	}
	if r := ev.Referral; r != nil {
		e.TransactionID, e.ReferralID, e.Reference = r.TransactionID, r.ReferralID, r.Reference
		e.Reasons = append([]string(nil), r.Reasons...)
		if r.Decision != nil {
			e.Decision = r.Decision.Decision
		}
	}
	if d := ev.Device; d != nil {
		e.Errors = []string{d.Device + ":" + d.Code}
	}
	if c := ev.Command; c != nil && c.Reason != "" {
		e.Errors = []string{c.Reason}
	}
	if s := ev.Security; s != nil {
		e.Errors = []string{s.Reason}
	}
	return e
}

// Record is one line of the file.
type Record struct {
	N     uint64          `json:"n"`
	Prev  string          `json:"prev"`
	Hash  string          `json:"hash"`
	Entry json.RawMessage `json:"entry"`
}

// Genesis is the prev of the first record.
var Genesis = strings.Repeat("0", 64)

func chainHash(prev string, n uint64, entry []byte) string {
	h := sha256.New()
	h.Write([]byte(prev))
	var nb [8]byte
	binary.BigEndian.PutUint64(nb[:], n)
	h.Write(nb[:])
	h.Write(entry)
	return hex.EncodeToString(h.Sum(nil))
}

// FileName is the audit file's name in the kiosk's data folder.
const FileName = "audit.log"

// Log appends to an audit file. Several processes may append to one file
// (the agent, and a technician's command that shows personal data): each
// append holds an exclusive lock on the file (flock, on Unix) and first
// reads what others appended since, so the chain runs on through every
// writer's entries.
type Log struct {
	mu      sync.Mutex
	f       *os.File
	n       uint64
	head    string
	off     int64 // the end of the records read or written so far
	closed  bool
	now     func() time.Time
	damaged int // complete lines that are not records, found at Open
}

// Open opens (creating) the audit file at path, drops a torn last line (a
// power cut mid-write: bytes after the last newline) and continues the
// chain from the last record. A complete line that is not a record (a
// damaged or tampered file) is evidence: it stays where it is, with every
// record after it, and Verify reports it; Damaged says how many there are.
func Open(path string) (*Log, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	l := &Log{f: f, head: Genesis, now: time.Now}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, err
	}
	defer unlockFile(f)
	if err := l.catchUp(); err != nil {
		f.Close()
		return nil, err
	}
	return l, nil
}

// catchUp reads the records after l.off (all of them when the file is
// shorter than that: it was cut), drops a torn last line and leaves the
// file's offset at its end. The caller holds the file lock.
func (l *Log) catchUp() error {
	st, err := l.f.Stat()
	if err != nil {
		return err
	}
	if st.Size() == l.off {
		_, err := l.f.Seek(l.off, io.SeekStart)
		return err
	}
	if st.Size() < l.off {
		l.off, l.n, l.head, l.damaged = 0, 0, Genesis, 0
	}
	if _, err := l.f.Seek(l.off, io.SeekStart); err != nil {
		return err
	}
	good := l.off
	r := bufio.NewReaderSize(l.f, 1<<16)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			good += int64(len(line))
			var rec Record
			if json.Unmarshal(line, &rec) != nil || rec.Hash == "" {
				l.damaged++ // kept: never cut what comes after it
			} else {
				l.n, l.head = rec.N, rec.Hash
			}
		}
		if err != nil {
			break
		}
	}
	if st, err := l.f.Stat(); err == nil && st.Size() > good {
		if err := l.f.Truncate(good); err != nil {
			return err
		}
	}
	l.off = good
	_, err = l.f.Seek(good, io.SeekStart)
	return err
}

// Append adds e (setting At when empty), syncs the file and returns the
// entry's number and chain hash.
func (l *Log) Append(e Entry) (uint64, string, error) {
	if e.At == "" {
		e.At = wire.FormatTime(l.now())
	}
	raw, err := json.Marshal(e)
	if err != nil {
		return 0, "", err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, "", fmt.Errorf("audit: append after close: %w", os.ErrClosed)
	}
	if err := lockFile(l.f); err != nil {
		return 0, "", err
	}
	defer unlockFile(l.f)
	if err := l.catchUp(); err != nil {
		return 0, "", err
	}
	n := l.n + 1
	rec := Record{N: n, Prev: l.head, Hash: chainHash(l.head, n, raw), Entry: raw}
	line, err := json.Marshal(rec)
	if err != nil {
		return 0, "", err
	}
	line = append(line, '\n')
	if _, err := l.f.Write(line); err != nil {
		return 0, "", err
	}
	if err := l.f.Sync(); err != nil {
		return 0, "", err
	}
	l.n, l.head, l.off = n, rec.Hash, l.off+int64(len(line))
	return n, rec.Hash, nil
}

// Damaged is the number of complete lines that were not records when the
// file was opened (kept in place; Verify says where the chain breaks).
func (l *Log) Damaged() int { return l.damaged }

// Head returns the number and hash of the last entry.
func (l *Log) Head() (uint64, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n, l.head
}

// Close closes the file.
// Close closes the file; an Append after it (a console request still
// finishing while the agent stops) is an error, never a write to a closed
// or reused descriptor.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return os.ErrClosed
	}
	l.closed = true
	return l.f.Close()
}

// Result of Verify.
type Result struct {
	Entries int    `json:"entries"`
	Head    string `json:"head"`
	// When tampered: the first bad line (1-based), its entry number if it
	// parsed, and why.
	BadLine int    `json:"badLine,omitempty"`
	BadN    uint64 `json:"badEntry,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// Intact reports whether the chain held.
func (r Result) Intact() bool { return r.BadLine == 0 }

// ErrTampered is returned by Verify with a Result naming the first bad line.
var ErrTampered = errors.New("audit: log has been tampered with")

// Verify checks the whole chain of an audit file.
func Verify(rd io.Reader) (Result, error) {
	var res Result
	prev := Genesis
	var n uint64
	err := Scan(rd, func(line int, rec Record, perr error) bool {
		bad := func(why string) bool {
			res.BadLine, res.BadN, res.Reason = line, rec.N, why
			return false
		}
		if perr != nil {
			return bad("line is not an audit record: " + perr.Error())
		}
		if rec.N != n+1 {
			return bad(fmt.Sprintf("entry number %d follows %d (removed or reordered entries)", rec.N, n))
		}
		if rec.Prev != prev {
			return bad("prev does not match the previous entry's hash")
		}
		if !json.Valid(rec.Entry) {
			return bad("entry is not JSON")
		}
		if h := chainHash(prev, rec.N, rec.Entry); h != rec.Hash {
			return bad("hash does not match the entry (entry changed)")
		}
		n, prev = rec.N, rec.Hash
		res.Entries++
		return true
	})
	res.Head = prev
	if err != nil {
		return res, err
	}
	if !res.Intact() {
		return res, ErrTampered
	}
	return res, nil
}

// Scan calls fn for every line of an audit file until it returns false.
func Scan(rd io.Reader, fn func(line int, rec Record, err error) bool) error {
	r := bufio.NewReaderSize(rd, 1<<16)
	for line := 1; ; line++ {
		raw, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(raw)) > 0 {
			var rec Record
			perr := json.Unmarshal(raw, &rec)
			if perr == nil && (rec.Hash == "" || rec.Entry == nil) {
				perr = errors.New("missing hash or entry")
			}
			if !fn(line, rec, perr) {
				return nil
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
