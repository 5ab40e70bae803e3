package mrz

import (
	"fmt"
	"strings"
)

// OCR correction. Each field has a character class: letters (codes,
// names), digits (dates, check digits) or both (document number, personal
// number, optional data). A character outside its field's class is mapped
// to its usual look-alike (O→0, I→1, Z→2, S→5, G→6, B→8 and back); that
// needs no guess. In mixed fields any character is possible, so a change is
// made only when it makes a failing check digit pass, and only when exactly
// one single-character change does (the composite check digit breaks ties).
// When two different changes would both pass, nothing is changed and an
// ambiguous_correction error says so.

var toDigit = func() (t [256]byte) {
	for _, p := range []string{"O0", "Q0", "D0", "U0", "I1", "L1", "Z2", "S5", "G6", "B8", "T7"} {
		t[p[0]] = p[1]
	}
	return
}()

var toLetter = func() (t [256]byte) {
	for _, p := range []string{"0O", "1I", "2Z", "5S", "6G", "8B", "4A", "7T"} {
		t[p[0]] = p[1]
	}
	return
}()

// alternatives lists what a character in a mixed field may have been.
var alternatives = func() (t [256]string) {
	groups := []string{"0OQD", "1IL", "2Z", "5S", "6G", "8B"}
	for _, g := range groups {
		for i := 0; i < len(g); i++ {
			for j := 0; j < len(g); j++ {
				if i != j {
					t[g[i]] += string(g[j])
				}
			}
		}
	}
	// L is what a lower-case l (an I or a 1 read by the OCR) becomes
	// once raised; OCR-B's I and 1 do not turn into an L.
	t['I'] = "1"
	t['1'] = "I"
	return
}()

// fillerLookalikes are what OCR often makes of the filler <.
const fillerLookalikes = "KSGL"

type corrector struct {
	r     *Result
	l     *layout
	buf   [3][]byte
	store [3][44]byte
	dirty [3]bool
}

func (c *corrector) get(s span) []byte { return c.buf[s.line][s.start:s.end] }

func (c *corrector) str(s span) string { return string(c.get(s)) }

func (c *corrector) set(line, col int, to byte) {
	from := c.buf[line][col]
	if from == to {
		return
	}
	c.buf[line][col] = to
	c.dirty[line] = true
	c.r.Corrections = append(c.r.Corrections, Correction{Line: line + 1, Col: col + 1, From: from, To: to})
}

func (c *corrector) lines() []string {
	out := make([]string, len(c.r.Lines))
	for i := range out {
		out[i] = string(c.buf[i])
	}
	return out
}

func sameLength(lines []string) bool {
	for _, s := range lines {
		if len(s) != len(lines[0]) {
			return false
		}
	}
	return true
}

func correct(r *Result, opts *Options) {
	n := len(r.Lines)
	if n < 1 || n > 3 {
		return
	}
	stripLeadingFillers(r)
	trimTails(r)
	cleanLines(r)
	padLines(r, fixLength(r, opts))
	c := &corrector{r: r}
	for i, s := range r.Lines {
		if len(s) > 44 {
			return
		}
		c.buf[i] = c.store[i][:len(s)]
		copy(c.buf[i], s)
	}
	switch {
	case n == 1 && len(r.Lines[0]) == 30:
		// A French driving licence: a letter and the BAP digit, then the
		// state.
		c.letters(span{0, 0, 1})
		c.digits(span{0, 1, 2})
		c.letters(span{0, 2, 5})
	case n == 3 && len(r.Lines[0]) == 9 && len(r.Lines[1]) == 30 && len(r.Lines[2]) == 30:
		// A Swiss driving licence: the code and state open line 2.
		c.letters(span{1, 0, 5})
	case n >= 2 && sameLength(r.Lines) && (n == 3 && len(r.Lines[0]) == 30 || n == 2 && (len(r.Lines[0]) == 34 || len(r.Lines[0]) == 36 || len(r.Lines[0]) == 44)):
		// The document code and issuing state are letters in every ICAO
		// format; fix them first, since the format depends on them.
		c.letters(span{0, 0, 5})
	default:
		return
	}
	c.l = detect(c.lines())
	if c.l == nil {
		return
	}
	c.fix()
	for i := range c.buf[:n] {
		if c.dirty[i] {
			r.lineBuf[i] = string(c.buf[i])
		}
	}
	sortCorrections(r)
}

func (c *corrector) fix() {
	l := c.l
	c.state(l.state)
	if l.nat.ok() {
		c.letters(l.nat)
		c.state(l.nat)
	}
	for _, s := range []span{l.birth, l.birthCD, l.expiry, l.expiryCD, l.composite} {
		if s.ok() {
			c.digits(s)
		}
	}
	if l.sex.ok() {
		// Sex is M, F, X or <; a P there is an F whose lower bar the OCR
		// lost (MRZParser's correction).
		if c.get(l.sex)[0] == 'P' {
			c.set(int(l.sex.line), int(l.sex.start), 'F')
		}
	}
	if l.optCD.ok() {
		// An unused personal number's check digit is < or 0; a look-alike
		// of < there is a filler.
		if cd := c.get(l.optCD)[0]; allFillers(c.str(l.opt)) && indexByte(fillerLookalikes, cd) >= 0 {
			c.set(int(l.optCD.line), int(l.optCD.start), '<')
		}
		c.digits(l.optCD)
	}
	if l.format == SwissDL {
		// Office (letters or digits: left alone), 3 digits, the language
		// letter; PIN and version are digits.
		c.digits(span{0, 3, 6})
		c.letters(l.lang)
		c.digits(l.pin)
		c.digits(l.version)
	}
	if l.format == DutchDL {
		c.digits(l.number) // 10 digits
	}
	if l.format == FrenchID {
		// The card number is YYMM of issue, a 3-character office code
		// and a 5-digit sequence number.
		c.digits(span{1, 0, 4})
		c.digits(span{1, 7, 12})
	}
	if l.name.ok() {
		c.name(l.name)
	} else {
		c.letters(l.surname)
		c.letters(l.given)
		c.nameTail(l.surname)
		c.nameTail(l.given)
	}
	if !l.numberCD.ok() {
		return // no check digit guides the rest (SWISS_DRIVING_LICENSE)
	}
	long := l.longNumber && c.get(l.numberCD)[0] == '<' && c.get(l.number)[l.number.n()-1] != '<'
	// A filler read as K, S, G or L at the end of a field's data. K has
	// the filler's check value (20 ≡ 0 mod 10), so no check digit sees it.
	if !long {
		c.fillerTail(l.number, c.numberOK)
	}
	switch {
	case l.optCD.ok():
		c.fillerTail(l.opt, func() bool { return checkDigitOK(c.str(l.opt), c.get(l.optCD)[0]) })
	case long:
	case l.composite.ok():
		c.fillerTail(l.opt, c.compositeOK)
	default:
		c.fillerTail(l.opt, nil)
	}
	if l.opt2.ok() {
		c.fillerTail(l.opt2, c.compositeOK)
	}
	var fields []guidedField
	if !long {
		c.digits(l.numberCD)
		fields = append(fields, c.guided("documentNumber", []span{l.number}, c.numberOK))
	} else {
		fields = append(fields, c.longNumber())
	}
	if l.optCD.ok() {
		fields = append(fields, c.guided("optionalData", []span{l.opt}, func() bool {
			raw, cd := c.str(l.opt), c.get(l.optCD)[0]
			if allFillers(raw) {
				return cd == '<' || cd == '0'
			}
			return checkDigitOK(raw, cd)
		}))
	}
	c.decide(fields)
	// Fields without a check digit of their own, under the composite,
	// when every other check digit passes: while one fails, the composite
	// is off anyway and cannot vouch for a change elsewhere.
	if l.composite.ok() && !c.compositeOK() && c.ownDigitsOK(long) {
		var over []span
		if !l.optCD.ok() && !long && l.opt.ok() {
			over = append(over, l.opt)
		}
		if l.opt2.ok() {
			over = append(over, l.opt2)
		}
		if len(over) > 0 {
			c.decide([]guidedField{c.guided("composite", over, c.compositeOK)})
		}
	}
}

// guidedField is a failing field's possible one-character fixes.
type guidedField struct {
	name  string
	at    span
	cands []candidate
	fails bool
}

// decide applies fixes. Without a composite check digit, a field's fix is
// applied when it is the only one. With one, every combination of the
// fields' fixes is tried against it, and a unique passing combination
// wins; when none or several pass, nothing is changed.
func (c *corrector) decide(fields []guidedField) {
	var failing []guidedField
	for _, f := range fields {
		if f.fails {
			failing = append(failing, f)
		}
	}
	if len(failing) == 0 {
		return
	}
	if c.l.composite.ok() && len(failing) <= 2 {
		var pass [][2]int
		n0, n1 := len(failing[0].cands), 1
		if len(failing) == 2 {
			n1 = len(failing[1].cands)
		}
		for i := 0; i < n0; i++ {
			for j := 0; j < n1; j++ {
				a := failing[0].cands[i]
				oa := c.buf[a.line][a.col]
				c.buf[a.line][a.col] = a.to
				var b candidate
				var ob byte
				if len(failing) == 2 {
					b = failing[1].cands[j]
					ob = c.buf[b.line][b.col]
					c.buf[b.line][b.col] = b.to
				}
				if c.compositeOK() {
					pass = append(pass, [2]int{i, j})
				}
				if len(failing) == 2 {
					c.buf[b.line][b.col] = ob
				}
				c.buf[a.line][a.col] = oa
			}
		}
		if len(pass) == 1 {
			a := failing[0].cands[pass[0][0]]
			c.set(a.line, a.col, a.to)
			if len(failing) == 2 {
				b := failing[1].cands[pass[0][1]]
				c.set(b.line, b.col, b.to)
			}
			return
		}
		if len(pass) > 1 {
			c.ambiguous(failing[0], len(pass))
			return
		}
		// No combination passes the composite: changing a field would only
		// swap one invalid reading for another (a number the document does
		// not bear), so the zone stays as it was read.
		return
	}
	for _, f := range failing {
		switch len(f.cands) {
		case 0:
		case 1:
			c.set(f.cands[0].line, f.cands[0].col, f.cands[0].to)
		default:
			c.ambiguous(f, len(f.cands))
		}
	}
}

func (c *corrector) ambiguous(f guidedField, n int) {
	msg := fmt.Sprintf("OCR correction refused: %d different one-character changes would pass the check digits", n)
	if len(f.cands) >= 2 {
		a, b := f.cands[0], f.cands[1]
		msg += fmt.Sprintf(" (for example line %d column %d %c→%c, or line %d column %d %c→%c)",
			a.line+1, a.col+1, c.buf[a.line][a.col], a.to, b.line+1, b.col+1, c.buf[b.line][b.col], b.to)
	}
	c.r.errAt(f.name, CodeAmbiguous, f.at, msg)
}

// ownDigitsOK reports whether the check digits other than the composite
// pass (the number's, unless it is a long one, which its own repair
// judged; the dates'; the personal number's).
func (c *corrector) ownDigitsOK(long bool) bool {
	l := c.l
	own := func(data, cd span) bool { return !cd.ok() || checkDigitOK(c.str(data), c.get(cd)[0]) }
	if !long && !c.numberOK() {
		return false
	}
	if !own(l.birth, l.birthCD) || !own(l.expiry, l.expiryCD) {
		return false
	}
	if l.optCD.ok() {
		raw, cd := c.str(l.opt), c.get(l.optCD)[0]
		return allFillers(raw) && (cd == '<' || cd == '0') || checkDigitOK(raw, cd)
	}
	return true
}

// numberOK reports whether the document number's check digit passes.
func (c *corrector) numberOK() bool {
	over := c.l.number
	if c.l.numberOver.ok() {
		over = c.l.numberOver
	}
	return checkDigitOK(c.str(over), c.get(c.l.numberCD)[0])
}

func (c *corrector) compositeOK() bool {
	if !c.l.composite.ok() {
		return true
	}
	sum, w, all := 0, 0, true
	for _, sp := range c.l.compositeOver {
		var ok bool
		sum, w, ok = sumFrom(string(c.get(sp)), sum, w)
		all = all && ok
	}
	return all && byte('0'+sum%10) == c.get(c.l.composite)[0]
}

// letters maps digits to their look-alike letters.
func (c *corrector) letters(s span) {
	b := c.get(s)
	for i, ch := range b {
		if t := toLetter[ch]; t != 0 {
			c.set(int(s.line), int(s.start)+i, t)
		}
	}
}

func (c *corrector) digits(s span) {
	b := c.get(s)
	for i, ch := range b {
		if t := toDigit[ch]; t != 0 {
			c.set(int(s.line), int(s.start)+i, t)
		}
	}
}

// state fixes a state code that is not known when turning a trailing
// filler look-alike into a filler makes it known ("DKK" → "D<<").
func (c *corrector) state(s span) {
	if KnownState(c.str(s)) {
		return
	}
	b := c.get(s)
	try := [3]byte{b[0], b[1], b[2]}
	for i := 2; i >= 1; i-- {
		if try[i] == '<' || indexByte(fillerLookalikes, try[i]) >= 0 {
			try[i] = '<'
		} else {
			break
		}
		if stateIndex(try[0], try[1], try[2]) >= 0 && knownState[stateIndex(try[0], try[1], try[2])] {
			for j := i; j < 3; j++ {
				c.set(int(s.line), int(s.start)+j, '<')
			}
			return
		}
	}
}

func indexByte(s string, b byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return i
		}
	}
	return -1
}

// name fixes a SURNAME<<GIVEN<NAMES field: digits become letters, and a
// lone K, S, G or L among the trailing fillers, after the given names,
// becomes a filler.
func (c *corrector) name(s span) {
	if b := c.buf[0]; !(c.l.format == TD3 && len(b) >= 5 && string(b[:5]) == "PNRUS") { // russianInternal
		c.letters(s)
	}
	c.nameTail(s)
}

func (c *corrector) nameTail(s span) {
	b := c.get(s)
	sep := -1
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '<' && b[i+1] == '<' {
			sep = i
			break
		}
	}
	if c.l.name.ok() && sep < 0 {
		return
	}
	// Walk back over the trailing fillers and isolated look-alikes.
	for i := len(b) - 1; i > sep+1; i-- {
		if b[i] == '<' {
			continue
		}
		left2 := i >= 2 && b[i-1] == '<' && b[i-2] == '<' && i-2 > sep+1
		right := i == len(b)-1 || b[i+1] == '<'
		if indexByte(fillerLookalikes, b[i]) >= 0 && left2 && right {
			c.set(int(s.line), int(s.start)+i, '<')
			continue
		}
		break
	}
}

type candidate struct {
	line, col int
	to        byte
}

// fillerTail turns a lone K, S, G or L after a filler at the end of a
// field's data into a filler when the field's check (ok) passes that way.
// Only K can pass both ways (its value is the filler's plus 20), so a real
// S, G or L is never touched; with no check at all, the shape decides.
func (c *corrector) fillerTail(s span, ok func() bool) {
	b := c.get(s)
	j := len(b) - 1
	for j >= 0 && b[j] == '<' {
		j--
	}
	// A document number starts with data; optional data may be empty.
	first := 1
	if s != c.l.number {
		first = 0
	}
	if j < first || j > 0 && b[j-1] != '<' || indexByte(fillerLookalikes, b[j]) < 0 {
		return
	}
	if ok != nil {
		orig := b[j]
		b[j] = '<'
		after := ok()
		b[j] = orig
		if !after {
			return
		}
	}
	c.set(int(s.line), int(s.start)+j, '<')
}

// guided lists every single-character change in the spans that makes ok
// pass, without applying any.
func (c *corrector) guided(field string, spans []span, ok func() bool) guidedField {
	g := guidedField{name: field, at: spans[0]}
	if ok() {
		return g
	}
	g.fails = true
	for _, s := range spans {
		b := c.get(s)
		for i := range b {
			orig := b[i]
			alts := alternatives[orig]
			if indexByte(fillerLookalikes, orig) >= 0 && i > 0 && (i == len(b)-1 || b[i+1] == '<') {
				alts += "<"
			}
			for j := 0; j < len(alts); j++ {
				b[i] = alts[j]
				if ok() {
					g.cands = append(g.cands, candidate{int(s.line), int(s.start) + i, alts[j]})
				}
			}
			b[i] = orig
		}
	}
	return g
}

// longNumber corrects a TD1/TD2 long document number: the overflow's check
// digit is the last character before the first filler of the optional data.
// longOK reports whether the long number validates when the overflow
// ends at k (its check digit at k-1), by either issuer variant.
func (c *corrector) longOK(k int) bool {
	l := c.l
	opt := c.get(l.opt)
	if k < 1 || k > len(opt) {
		return false
	}
	head, t, cd := c.str(l.number), string(opt[:k-1]), opt[k-1]
	sum, w, ok1 := sumFrom(head, 0, 0)
	a, _, ok2 := sumFrom(t, sum, w)
	b, _, _ := sumFrom(t, sum, (w+1)%3)
	return ok1 && ok2 && (byte('0'+a%10) == cd || byte('0'+b%10) == cd)
}

func (c *corrector) longNumber() guidedField {
	l := c.l
	opt := c.get(l.opt)
	k := 0
	for k < len(opt) && opt[k] != '<' {
		k++
	}
	if k == 0 {
		return guidedField{}
	}
	// A 9-character number with its check digit 0 written as < is not a
	// long number; leave it to the parser rather than "fix" it into one.
	if d, ok := CheckDigit(c.str(l.number)); ok && d == '0' && k > 7 && !c.longOK(k) {
		return guidedField{}
	}
	// The filler that ends the overflow read as K, S, G or L: the real
	// check digit is the character before it.
	if k >= 2 && indexByte(fillerLookalikes, opt[k-1]) >= 0 && !c.longOK(k) && c.longOK(k-1) {
		c.set(int(l.opt.line), int(l.opt.start)+k-1, '<')
		k--
	}
	c.digits(span{l.opt.line, l.opt.start + uint8(k-1), l.opt.start + uint8(k)})
	cdSpan := span{l.opt.line, l.opt.start + uint8(k-1), l.opt.start + uint8(k)}
	tail := span{l.opt.line, l.opt.start, l.opt.start + uint8(k-1)}
	return c.guided("documentNumber", []span{l.number, tail}, func() bool {
		head, t, cd := c.str(l.number), c.str(tail), c.get(cdSpan)[0]
		sum, w, ok1 := sumFrom(head, 0, 0)
		a, _, ok2 := sumFrom(t, sum, w)
		b, _, _ := sumFrom(t, sum, (w+1)%3)
		return ok1 && ok2 && (byte('0'+a%10) == cd || byte('0'+b%10) == cd)
	})
}

// stripLeadingFillers drops fillers the OCR read before a zone: every
// line of a zone starts with data (a document code, a number, a date; a
// TD1 names line may open with fillers for an empty surname, but its
// zone's line 1 does not), so when line 1 is k characters longer than a
// zone line (30, 36 or 44) and opens with k fillers, they are not the
// zone's. The other lines lose the same k leading fillers when they have
// them and line 1's length is theirs too. Each dropped filler is a
// correction ({"from":"<","to":""}) and the warning says how many.
func stripLeadingFillers(r *Result) {
	first := r.Lines[0]
	k := 0
	for k < len(first) && first[k] == '<' {
		k++
	}
	if k == 0 {
		return
	}
	want := 0
	for _, n := range [...]int{30, 36, 44} {
		if d := len(first) - n; d > 0 && d <= k {
			want = n
		}
	}
	if want == 0 {
		return
	}
	k = len(first) - want
	for i, s := range r.Lines {
		if len(s) != len(first) || strings.Count(s[:k], "<") != k {
			continue
		}
		r.lineBuf[i] = s[k:]
		for col := 1; col <= k; col++ {
			r.Corrections = append(r.Corrections, Correction{Line: i + 1, Col: col, From: '<'})
		}
		r.addWarning("lines", CodeCleaned, i+1, 1, fmt.Sprintf("line %d: %d filler(s) before the zone dropped", i+1, k))
	}
}

// trimTails drops what the OCR read after the end of a line: when the
// other lines all have a zone's length (30, 36 or 44, spaces not counted)
// and one line is longer, ends its zone part with a filler and goes on with
// characters no MRZ holds (lower case, punctuation: the page's text beside
// the zone, PassportEye's "extrachars") or with two or more letters or
// digits, the rest is dropped. A line longer by fillers or by one
// character is left to the length repair.
func trimTails(r *Result) {
	n := len(r.Lines)
	if n < 2 {
		return
	}
	for i, s := range r.Lines {
		want := 0
		for j, o := range r.Lines {
			if j == i {
				continue
			}
			l := len(o) - strings.Count(o, " ")
			if want != 0 && l != want || l != 30 && l != 36 && l != 44 {
				want = -1
				break
			}
			want = l
		}
		if want <= 0 || len(s)-strings.Count(s, " ") <= want {
			continue
		}
		cut, seen := 0, 0
		for cut < len(s) && seen < want {
			if s[cut] != ' ' {
				seen++
			}
			cut++
		}
		last := strings.TrimRight(s[:cut], " ")
		tail := strings.TrimSpace(s[cut:])
		foreign, data, n := false, false, 0
		for j := 0; j < len(tail); j++ {
			c := tail[j]
			if c != ' ' {
				n++
			}
			if c != ' ' && c != '<' && !isDigit(c) && !isLetter(c) {
				foreign = true
			}
			data = data || isDigit(c) || isLetter(c)
		}
		// Two or more letters or digits after a zone part that ends with
		// a filler are text beside the zone too (mrz-fast's EXTRATEXT);
		// one is left to the length repair.
		if !foreign && !(data && n >= 2) || last == "" || last[len(last)-1] != '<' {
			continue
		}
		col := want + 1
		for j := 0; j < len(tail); j++ {
			if tail[j] != ' ' {
				r.Corrections = append(r.Corrections, Correction{Line: i + 1, Col: col, From: tail[j]})
				col++
			}
		}
		r.lineBuf[i] = s[:cut]
		r.addWarning("lines", CodeCleaned, i+1, want+1, fmt.Sprintf("line %d: %q after column %d dropped (not MRZ characters)", i+1, tail, want))
	}
}

// cleanLines makes the OCR clean-ups that need no guess: spaces inside a
// line are dropped and lower case becomes upper case.
func cleanLines(r *Result) {
	for i, s := range r.Lines {
		need := false
		for j := 0; j < len(s); j++ {
			if c := s[j]; c == ' ' || c >= 'a' && c <= 'z' {
				need = true
				break
			}
		}
		if need {
			b := make([]byte, 0, len(s))
			spaces := false
			for j := 0; j < len(s); j++ {
				c := s[j]
				switch {
				case c == ' ':
					spaces = true
					continue
				case c >= 'a' && c <= 'z':
					r.Corrections = append(r.Corrections, Correction{Line: i + 1, Col: len(b) + 1, From: c, To: c - 'a' + 'A'})
					c -= 'a' - 'A'
				}
				b = append(b, c)
			}
			if spaces {
				r.addWarning("lines", CodeCleaned, i+1, 0, "spaces inside the line were removed")
			}
			r.lineBuf[i] = string(b)
		}
	}
}

// padLines pads a line a few fillers short of its neighbour's length,
// except line keep. Each filler added is a correction ({"from":"",
// "to":"<"}), and the warning names the columns.
func padLines(r *Result, keep int) {
	max := 0
	for _, s := range r.Lines {
		if len(s) > max {
			max = len(s)
		}
	}
	if !(len(r.Lines) == 3 && max == 30 && len(r.Lines[0]) > 9) && !(len(r.Lines) == 2 && (max == 36 || max == 44)) {
		return
	}
	for i, s := range r.Lines {
		if d := max - len(s); d > 0 && (d <= 6 || namesRead(r.Lines, i, max)) && i != keep {
			r.lineBuf[i] = s + strings.Repeat("<", d)
			for col := len(s) + 1; col <= max; col++ {
				r.Corrections = append(r.Corrections, Correction{Line: i + 1, Col: col, To: '<'})
			}
			r.addWarning("lines", CodeCleaned, i+1, len(s)+1, fmt.Sprintf("line %d was %d character(s) short: %d filler(s) added at its end, columns %d-%d", i+1, d, d, len(s)+1, max))
		}
	}
}

// namesRead reports whether line i, short of the zone's length n, is a
// line no check digit covers (a names line) that was read up to its given
// names: a surname, the << that ends it and a letter after it. The OCR
// lost the fillers after them, and the line is padded whatever their
// number (mrz-fast and PassportEye pad too). A names line cut before its
// given names is not: what is missing there is a name.
func namesRead(lines []string, i, n int) bool {
	var zone [3]string
	copy(zone[:], lines)
	zone[i] = lines[i] + strings.Repeat("<", n-len(lines[i]))
	if coveredLine(zone[:len(lines)], i) {
		return false
	}
	l := detect(zone[:len(lines)])
	if l == nil || !l.name.ok() || int(l.name.line) != i || int(l.name.start) >= len(lines[i]) {
		return false
	}
	s, from := lines[i], int(l.name.start)
	j := strings.Index(s[from:], "<<")
	return j > 0 && from+j+2 < len(s) && isLetter(s[from+j+2])
}

// sortCorrections orders the corrections by position and merges two
// changes of the same character (lower case raised, then mapped to a
// digit: "i" → "1") into one.
func sortCorrections(r *Result) {
	cs := r.Corrections
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && (cs[j].Line < cs[j-1].Line || cs[j].Line == cs[j-1].Line && cs[j].Col < cs[j-1].Col); j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
	out := cs[:0]
	for _, c := range cs {
		if n := len(out); n > 0 && out[n-1].Line == c.Line && out[n-1].Col == c.Col && out[n-1].To == c.From && c.From != 0 {
			out[n-1].To = c.To
			continue
		}
		out = append(out, c)
	}
	r.Corrections = out
}
