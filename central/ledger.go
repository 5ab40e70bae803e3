package central

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Ledger checks the events kiosks deliver: it de-duplicates by eventId and
// keeps, per kiosk, which seqs arrived, so that Report can say what is
// missing (gaps, lost events), what came twice (duplicates: same eventId,
// which at-least-once delivery allows), what came out of order (a seq lower
// than one already received) and what is wrong outright (conflicts: one seq
// with two eventIds, or one eventId with two seqs). It also keeps the last
// state and telemetry of each kiosk. Safe for concurrent use.
//
// Memory is one map entry per unique event; fine for a fleet test or a
// day of a site, not for a year of a fleet.
type Ledger struct {
	mu     sync.Mutex
	ids    map[string]idInfo
	kiosks map[string]*kioskLedger
}

type idInfo struct {
	kiosk string
	seq   uint64
}

type kioskLedger struct {
	seqs       map[uint64]struct{}
	maxSeq     uint64
	dups       int
	outOfOrder int
	conflicts  []string
	types      map[string]int
	outcomes   map[string]int
	reasons    map[string]int
	state      *wire.KioskState
	telemetry  *wire.Telemetry
	lastAt     string
}

// AddResult says what one event was.
type AddResult struct {
	New        bool // first time this eventId was seen
	Duplicate  bool // eventId already seen (with the same kiosk and seq)
	OutOfOrder bool // new, but a higher seq of the same kiosk came first
	Conflict   string
}

// NewLedger makes an empty ledger.
func NewLedger() *Ledger {
	return &Ledger{ids: map[string]idInfo{}, kiosks: map[string]*kioskLedger{}}
}

func (l *Ledger) kiosk(id string) *kioskLedger {
	k := l.kiosks[id]
	if k == nil {
		k = &kioskLedger{seqs: map[uint64]struct{}{}, types: map[string]int{}, outcomes: map[string]int{}, reasons: map[string]int{}}
		l.kiosks[id] = k
	}
	return k
}

// Add takes one event, in arrival order.
func (l *Ledger) Add(ev *wire.Event) AddResult {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := l.kiosk(ev.KioskID)
	if prev, ok := l.ids[ev.EventID]; ok {
		k.dups++
		if prev.kiosk != ev.KioskID || prev.seq != ev.Seq {
			c := fmt.Sprintf("eventId %s came as %s seq %d and as %s seq %d", ev.EventID, prev.kiosk, prev.seq, ev.KioskID, ev.Seq)
			k.conflicts = append(k.conflicts, c)
			return AddResult{Duplicate: true, Conflict: c}
		}
		return AddResult{Duplicate: true}
	}
	l.ids[ev.EventID] = idInfo{ev.KioskID, ev.Seq}
	res := AddResult{New: true}
	if _, ok := k.seqs[ev.Seq]; ok {
		res.Conflict = fmt.Sprintf("seq %d came with two eventIds (the second %s)", ev.Seq, ev.EventID)
		k.conflicts = append(k.conflicts, res.Conflict)
		return res
	}
	k.seqs[ev.Seq] = struct{}{}
	if ev.Seq < k.maxSeq {
		k.outOfOrder++
		res.OutOfOrder = true
	} else {
		k.maxSeq = ev.Seq
	}
	k.types[ev.Type]++
	if t := ev.Transaction; t != nil {
		k.outcomes[t.Outcome]++
		for _, r := range t.Reasons {
			k.reasons[r]++
		}
	}
	if ev.At > k.lastAt {
		k.lastAt = ev.At
	}
	return res
}

// AddJSON parses an event payload and adds it.
func (l *Ledger) AddJSON(payload []byte) (AddResult, *wire.Event, error) {
	var ev wire.Event
	if err := json.Unmarshal(payload, &ev); err != nil {
		return AddResult{}, nil, fmt.Errorf("event is not JSON: %w", err)
	}
	if ev.EventID == "" || ev.KioskID == "" {
		return AddResult{}, nil, fmt.Errorf("event lacks eventId or kioskId")
	}
	return l.Add(&ev), &ev, nil
}

// SetState records a kiosk's (retained) state.
func (l *Ledger) SetState(st *wire.KioskState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.kiosk(st.KioskID).state = st
}

// SetTelemetry records a kiosk's last telemetry.
func (l *Ledger) SetTelemetry(t *wire.Telemetry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.kiosk(t.KioskID).telemetry = t
}

// SeqRange is an inclusive range of seqs.
type SeqRange struct {
	From uint64 `json:"from"`
	To   uint64 `json:"to"`
}

// KioskReport is one kiosk's line of the report.
type KioskReport struct {
	KioskID    string         `json:"kioskId"`
	Events     int            `json:"events"` // unique
	FirstSeq   uint64         `json:"firstSeq"`
	LastSeq    uint64         `json:"lastSeq"`
	Missing    []SeqRange     `json:"missing,omitempty"` // gaps between firstSeq and lastSeq: lost, or not yet delivered
	MissingN   uint64         `json:"missingCount"`
	Duplicates int            `json:"duplicates"`
	OutOfOrder int            `json:"outOfOrder"`
	Conflicts  []string       `json:"conflicts,omitempty"`
	Types      map[string]int `json:"types,omitempty"`
	Outcomes   map[string]int `json:"outcomes,omitempty"`
	Reasons    map[string]int `json:"reasons,omitempty"`
	State      string         `json:"state,omitempty"`
	StateAt    string         `json:"stateAt,omitempty"`
	AuthzSeq   uint64         `json:"authzSeq,omitempty"`
	QueueDepth *int           `json:"queueDepth,omitempty"`
	LastAt     string         `json:"lastEventAt,omitempty"`
}

// Report is the whole ledger's report.
type Report struct {
	Kiosks     []KioskReport `json:"kiosks"`
	Events     int           `json:"events"`
	Duplicates int           `json:"duplicates"`
	OutOfOrder int           `json:"outOfOrder"`
	Missing    uint64        `json:"missing"`
	Conflicts  int           `json:"conflicts"`
	// OK: no missing seq and no conflict. Duplicates and out-of-order
	// arrivals are reported but allowed (at-least-once delivery).
	OK bool `json:"ok"`
}

// Report summarises everything added so far.
func (l *Ledger) Report() Report {
	l.mu.Lock()
	defer l.mu.Unlock()
	var r Report
	ids := make([]string, 0, len(l.kiosks))
	for id := range l.kiosks {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		k := l.kiosks[id]
		kr := KioskReport{KioskID: id, Events: len(k.seqs), Duplicates: k.dups, OutOfOrder: k.outOfOrder,
			Conflicts: slices.Clone(k.conflicts), Types: cloneMap(k.types), Outcomes: cloneMap(k.outcomes), Reasons: cloneMap(k.reasons), LastAt: k.lastAt}
		if len(k.seqs) > 0 {
			seqs := make([]uint64, 0, len(k.seqs))
			for s := range k.seqs {
				seqs = append(seqs, s)
			}
			slices.Sort(seqs)
			kr.FirstSeq, kr.LastSeq = seqs[0], seqs[len(seqs)-1]
			for i := 1; i < len(seqs); i++ {
				if seqs[i] != seqs[i-1]+1 {
					g := SeqRange{seqs[i-1] + 1, seqs[i] - 1}
					kr.Missing = append(kr.Missing, g)
					kr.MissingN += g.To - g.From + 1
				}
			}
		}
		if k.state != nil {
			kr.State, kr.StateAt, kr.AuthzSeq = k.state.State, k.state.At, k.state.AuthzSeq
		}
		if k.telemetry != nil {
			q := k.telemetry.QueueDepth
			kr.QueueDepth = &q
		}
		r.Kiosks = append(r.Kiosks, kr)
		r.Events += kr.Events
		r.Duplicates += kr.Duplicates
		r.OutOfOrder += kr.OutOfOrder
		r.Missing += kr.MissingN
		r.Conflicts += len(kr.Conflicts)
	}
	r.OK = r.Missing == 0 && r.Conflicts == 0
	return r
}

// Kiosk returns one kiosk's report line.
func (r Report) Kiosk(id string) (KioskReport, bool) {
	for _, k := range r.Kiosks {
		if k.KioskID == id {
			return k, true
		}
	}
	return KioskReport{}, false
}

func cloneMap(m map[string]int) map[string]int {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// WriteText prints the report for people.
func (r Report) WriteText(w io.Writer) {
	verdict := "OK: no gap, no conflict"
	if !r.OK {
		verdict = "PROBLEMS: events missing or in conflict"
	}
	fmt.Fprintf(w, "%d kiosk(s), %d unique events, %d duplicates, %d out of order, %d missing, %d conflicts — %s\n",
		len(r.Kiosks), r.Events, r.Duplicates, r.OutOfOrder, r.Missing, r.Conflicts, verdict)
	for _, k := range r.Kiosks {
		fmt.Fprintf(w, "%-24s events %-7d seq %d..%d  missing %d  dups %d  out-of-order %d", k.KioskID, k.Events, k.FirstSeq, k.LastSeq, k.MissingN, k.Duplicates, k.OutOfOrder)
		if k.State != "" {
			fmt.Fprintf(w, "  state %s (authz seq %d)", k.State, k.AuthzSeq)
		}
		fmt.Fprintln(w)
		if len(k.Missing) > 0 {
			var parts []string
			for i, g := range k.Missing {
				if i == 10 {
					parts = append(parts, fmt.Sprintf("… %d more", len(k.Missing)-10))
					break
				}
				if g.From == g.To {
					parts = append(parts, fmt.Sprint(g.From))
				} else {
					parts = append(parts, fmt.Sprintf("%d-%d", g.From, g.To))
				}
			}
			fmt.Fprintf(w, "    missing seqs: %s\n", strings.Join(parts, ", "))
		}
		if k.FirstSeq > 1 {
			fmt.Fprintf(w, "    (nothing stored before seq %d)\n", k.FirstSeq)
		}
		for _, c := range k.Conflicts {
			fmt.Fprintf(w, "    conflict: %s\n", c)
		}
	}
}
