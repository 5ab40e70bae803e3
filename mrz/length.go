package mrz

import "fmt"

// Lines of the wrong length by one (OCR correction). OCR drops a filler
// from a run of them or reads one character twice; the line is then one
// short or one long and nothing after the slip sits where it belongs. A
// line one off its format's length is put right only when the check digits
// say how:
//
//   - a line that check digits cover (TD1 lines 1-2, TD2/TD3/MRV line 2,
//     both lines of the French card, the French licence): every deletion of
//     one character (line too long) or insertion of one filler (too short)
//     is tried, and it is kept when the zone then validates as it is (no
//     further correction, no unknown state), at least two check digits
//     see the columns that moved (one passes by chance one time in ten;
//     three for dropping a character that is not doubled), and every
//     candidate of the best kind that validates reads the same fields.
//     Two different valid readings are refused (ambiguous_correction); no
//     valid reading leaves the line as it was, unpadded (a shape error):
//     padding it and correcting the rest could make a different document
//     out of characters that sit in the wrong columns.
//   - a line that no check digit covers (the name lines, the Swiss
//     licence): only its end is touched, since nothing could confirm
//     anything else: an extra filler at the end is dropped; a missing one
//     is padded.
//
// Only one line may be off, and only by one; the others must have their
// exact length.

// lengthTarget returns the intended length of every line of an off-by-one
// zone and the index of the line that is off, or ok false.
func lengthTarget(lines []string) (want [3]int, off int, ok bool) {
	var shapes [][]int
	switch len(lines) {
	case 1:
		shapes = [][]int{{30}}
	case 2:
		shapes = [][]int{{36, 36}, {44, 44}, {34, 34}}
	case 3:
		shapes = [][]int{{30, 30, 30}, {9, 30, 30}}
	}
	for _, sh := range shapes {
		off, bad := -1, false
		for i, l := range lines {
			d := len(l) - sh[i]
			switch {
			case d == 0:
			case (d == 1 || d == -1) && off < 0:
				off = i
			default:
				bad = true
			}
		}
		if !bad && off >= 0 {
			copy(want[:], sh)
			return want, off, true
		}
	}
	return want, 0, false
}

// coveredLine reports whether a check digit covers every data element of
// the line in the format the zone takes once its length is right.
func coveredLine(lines []string, i int) bool {
	l := detect(lines)
	if l == nil {
		return false
	}
	switch l.format {
	case TD1:
		return i < 2
	case TD2, TD3, MRVA, MRVB, SlovakID:
		return i == 1
	case FrenchID, FrenchDL, DutchDL:
		return true
	}
	return false
}

// fixLength puts right a line one character off, as described above. It
// returns the index of a line that must stay as it is (not padded), or -1.
func fixLength(r *Result, opts *Options) int {
	want, off, ok := lengthTarget(r.Lines)
	if !ok {
		return -1
	}
	line := r.Lines[off]
	long := len(line) > want[off]
	zone := make([]string, len(r.Lines))
	copy(zone, r.Lines)
	// The shape with the line cut or padded at its end, to see which
	// format the zone is.
	if long {
		zone[off] = line[:len(line)-1]
	} else {
		zone[off] = line + "<"
	}
	if !coveredLine(zone, off) {
		if long && line[len(line)-1] == '<' {
			r.lineBuf[off] = zone[off]
			r.Corrections = append(r.Corrections, Correction{Line: off + 1, Col: len(line), From: '<'})
			r.addWarning("lines", CodeCleaned, off+1, len(line),
				fmt.Sprintf("line %d was one character long: the filler at its end was dropped", off+1))
		}
		return -1 // a short one is padded by padLines
	}
	// A candidate must validate as it is: letting the character-class and
	// check-digit corrections loose on a line whose characters may sit in
	// the wrong columns would let them make a different document out of
	// it. Candidates are ranked: first the edits OCR makes most (a
	// doubled character read twice, a filler dropped from a run), then any
	// other deletion. The best rank with a valid reading must have only one.
	o := Options{Today: opts.Today, Strict: opts.Strict}
	type cand struct {
		p, rank int
		fields  Fields
	}
	var (
		res   Result
		best  []cand
		seen  = map[string]bool{}
		first = -1
		// Valid readings from edits before the trailing fillers that at
		// least one check digit sees (confirmed enough or not), and the
		// reading of the edit among the trailing fillers: the latter
		// stands only when none of the former reads a different document.
		others     []Fields
		tailFields Fields
		tailSeen   bool
	)
	// An edit inside the run of fillers that ends the line moves only
	// fillers: every data character and check digit stays in the column
	// it was read in, so the zone's own check digits judge it as they
	// would judge any zone, and no extra confirmation is needed.
	tail := len(line)
	for tail > 0 && line[tail-1] == '<' {
		tail--
	}
	// Only when the run starts after the line's last check digit: a
	// filler put into a check digit's column would read as its 0.
	if tail <= lastCheckColumn(detect(zone), off) {
		tail = len(line)
	}
	// Left to right: of the edits that give the same line (any filler of
	// a run), the first is the one the most check digits see.
	for p := 0; p <= len(line); p++ {
		var s string
		doubled := false
		if long {
			if p == len(line) {
				continue
			}
			s = line[:p] + line[p+1:]
			doubled = p > 0 && line[p-1] == line[p] || p+1 < len(line) && line[p+1] == line[p]
		} else {
			if !(p > 0 && line[p-1] == '<' || p < len(line) && line[p] == '<' || p == len(line)) {
				continue // a filler inserted only into or beside a run of them
			}
			s = line[:p] + "<" + line[p:]
			doubled = true
		}
		if seen[s] {
			continue
		}
		seen[s] = true
		zone[off] = s
		parseInto(&res, zone, &o)
		rank := 0
		if !doubled {
			rank = 1
		}
		if !res.Valid || stateWarned(res.Warnings) {
			continue
		}
		atTail := tail < len(line) && p >= tail
		seenBy := 0
		if !atTail {
			seenBy = confirmations(detect(res.Lines), off, p)
		}
		if seenBy > 0 {
			others = append(others, res.Fields)
		}
		if !atTail && seenBy < 2+rank {
			continue
		}
		if atTail {
			tailFields, tailSeen = res.Fields, true
		}
		switch {
		case first < 0 || rank < first:
			first, best = rank, append(best[:0], cand{p, rank, res.Fields})
		case rank == first:
			best = append(best, cand{p, rank, res.Fields})
		}
	}
	if tailSeen {
		for _, f := range others {
			if f != tailFields {
				r.addError("lines", CodeAmbiguous, off+1, 0,
					fmt.Sprintf("OCR correction refused: line %d is one character %s and different repairs give different valid documents", off+1, map[bool]string{true: "long", false: "short"}[long]))
				return off
			}
		}
	}
	if first < 0 {
		return off // nothing validates: leave the line off, unpadded
	}
	for _, c := range best[1:] {
		if c.fields != best[0].fields {
			r.addError("lines", CodeAmbiguous, off+1, 0,
				fmt.Sprintf("OCR correction refused: line %d is one character %s and different repairs give different valid documents", off+1, map[bool]string{true: "long", false: "short"}[long]))
			return off
		}
	}
	pos := best[0].p
	if long {
		r.lineBuf[off] = line[:pos] + line[pos+1:]
		r.Corrections = append(r.Corrections, Correction{Line: off + 1, Col: pos + 1, From: line[pos]})
		r.addWarning("lines", CodeCleaned, off+1, pos+1,
			fmt.Sprintf("line %d was one character long: %q at column %d was dropped", off+1, line[pos], pos+1))
	} else {
		r.lineBuf[off] = line[:pos] + "<" + line[pos:]
		r.Corrections = append(r.Corrections, Correction{Line: off + 1, Col: pos + 1, To: '<'})
		r.addWarning("lines", CodeCleaned, off+1, pos+1,
			fmt.Sprintf("line %d was one character short: a filler was inserted at column %d", off+1, pos+1))
	}
	return -1
}

// confirmations counts the check digits that see an edit at column p of
// line off: those whose digit or data sits at or after it, where the
// characters moved. One check digit passes by chance one time in ten; a
// repair needs two, three when it drops a character that is not doubled.
func confirmations(l *layout, off, p int) int {
	if l == nil {
		return 0
	}
	moved := func(s span) bool { return s.ok() && int(s.line) == off && int(s.end) > p }
	n := 0
	count := func(cd span, data ...span) {
		if !cd.ok() {
			return
		}
		hit := moved(cd)
		for _, d := range data {
			hit = hit || moved(d)
		}
		if hit {
			n++
		}
	}
	number := l.number
	if l.numberOver.ok() {
		number = l.numberOver
	}
	count(l.numberCD, number)
	count(l.birthCD, l.birth)
	count(l.expiryCD, l.expiry)
	count(l.optCD, l.opt)
	count(l.composite, l.compositeOver...)
	return n
}

// lastCheckColumn is the last column (0-based) of line off that holds a
// check digit, or -1.
func lastCheckColumn(l *layout, off int) int {
	last := -1
	if l == nil {
		return last
	}
	for _, s := range []span{l.numberCD, l.birthCD, l.expiryCD, l.optCD, l.composite} {
		if s.ok() && int(s.line) == off && int(s.start) > last {
			last = int(s.start)
		}
	}
	return last
}

func stateWarned(ws []Error) bool {
	for _, w := range ws {
		if w.Code == CodeState {
			return true
		}
	}
	return false
}
