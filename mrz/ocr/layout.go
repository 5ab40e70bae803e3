package ocr

// What each MRZ position may hold, and which check digits cover what. The
// decoder uses this to restrict the classifier's alternatives per position
// (a date holds digits, a name holds letters and fillers) and to search the
// alternatives for the combination the check digits accept.

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"

const nClasses = len(alphabet)

// classIndex maps an MRZ character to its class, -1 otherwise.
func classIndex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	case c == '<':
		return 36
	}
	return -1
}

// Position kinds.
const (
	kAny    = iota // 0-9 A-Z <
	kAlpha         // A-Z <
	kDigit         // 0-9 (and < for an unknown date part)
	kCheck         // 0-9 or < (a check digit of an empty field)
	kSex           // M F X <
	kFiller        // <
)

type checkSpan struct {
	line, from, to int // characters [from, to) of line
}

type check struct {
	line, pos int         // where the check digit is
	spans     []checkSpan // what it covers
}

type layout struct {
	name   string
	lines  int
	length int
	kinds  [][]int
	checks []check // field checks first, the composite last
}

func kindsOf(length int, runs ...any) []int {
	k := make([]int, length)
	for i := range k {
		k[i] = kAny
	}
	for i := 0; i+2 < len(runs); i += 3 {
		from, to, kind := runs[i].(int), runs[i+1].(int), runs[i+2].(int)
		for p := from; p < to; p++ {
			k[p] = kind
		}
	}
	return k
}

var (
	layoutTD3 = layout{"TD3", 2, 44, [][]int{
		kindsOf(44, 0, 1, kAlpha, 1, 2, kAlpha, 2, 5, kAlpha, 5, 44, kAlpha),
		kindsOf(44, 9, 10, kCheck, 10, 13, kAlpha, 13, 19, kDigit, 19, 20, kCheck, 20, 21, kSex, 21, 27, kDigit, 27, 28, kCheck, 42, 43, kCheck, 43, 44, kCheck),
	}, []check{
		{1, 9, []checkSpan{{1, 0, 9}}},
		{1, 19, []checkSpan{{1, 13, 19}}},
		{1, 27, []checkSpan{{1, 21, 27}}},
		{1, 42, []checkSpan{{1, 28, 42}}},
		{1, 43, []checkSpan{{1, 0, 10}, {1, 13, 20}, {1, 21, 43}}},
	}}
	layoutMRVA = layout{"MRVA", 2, 44, [][]int{
		layoutTD3.kinds[0],
		kindsOf(44, 9, 10, kCheck, 10, 13, kAlpha, 13, 19, kDigit, 19, 20, kCheck, 20, 21, kSex, 21, 27, kDigit, 27, 28, kCheck),
	}, []check{
		{1, 9, []checkSpan{{1, 0, 9}}},
		{1, 19, []checkSpan{{1, 13, 19}}},
		{1, 27, []checkSpan{{1, 21, 27}}},
	}}
	layoutTD2 = layout{"TD2", 2, 36, [][]int{
		kindsOf(36, 0, 36, kAlpha),
		kindsOf(36, 9, 10, kCheck, 10, 13, kAlpha, 13, 19, kDigit, 19, 20, kCheck, 20, 21, kSex, 21, 27, kDigit, 27, 28, kCheck, 35, 36, kCheck),
	}, []check{
		{1, 9, []checkSpan{{1, 0, 9}}},
		{1, 19, []checkSpan{{1, 13, 19}}},
		{1, 27, []checkSpan{{1, 21, 27}}},
		{1, 35, []checkSpan{{1, 0, 10}, {1, 13, 20}, {1, 21, 35}}},
	}}
	layoutMRVB = layout{"MRVB", 2, 36, [][]int{
		layoutTD2.kinds[0],
		kindsOf(36, 9, 10, kCheck, 10, 13, kAlpha, 13, 19, kDigit, 19, 20, kCheck, 20, 21, kSex, 21, 27, kDigit, 27, 28, kCheck),
	}, []check{
		{1, 9, []checkSpan{{1, 0, 9}}},
		{1, 19, []checkSpan{{1, 13, 19}}},
		{1, 27, []checkSpan{{1, 21, 27}}},
	}}
	layoutTD1 = layout{"TD1", 3, 30, [][]int{
		kindsOf(30, 0, 2, kAlpha, 2, 5, kAlpha, 14, 15, kCheck),
		kindsOf(30, 0, 6, kDigit, 6, 7, kCheck, 7, 8, kSex, 8, 14, kDigit, 14, 15, kCheck, 15, 18, kAlpha, 29, 30, kCheck),
		kindsOf(30, 0, 30, kAlpha),
	}, []check{
		{0, 14, []checkSpan{{0, 5, 14}}},
		{1, 6, []checkSpan{{1, 0, 6}}},
		{1, 14, []checkSpan{{1, 8, 14}}},
		{1, 29, []checkSpan{{0, 5, 30}, {1, 0, 7}, {1, 8, 15}, {1, 18, 29}}},
	}}
)

// layoutsFor lists the layouts a zone of this many lines may be, by line length.
func layoutsFor(lines, length int) []*layout {
	switch {
	case lines == 3 && length == 30:
		return []*layout{&layoutTD1}
	case lines == 2 && length == 44:
		return []*layout{&layoutTD3, &layoutMRVA}
	case lines == 2 && length == 36:
		return []*layout{&layoutTD2, &layoutMRVB}
	}
	return nil
}

func allowed(kind int, class int) bool {
	c := alphabet[class]
	switch kind {
	case kAlpha:
		return c >= 'A' && c <= 'Z' || c == '<'
	case kDigit, kCheck:
		return c >= '0' && c <= '9' || c == '<'
	case kSex:
		return c == 'M' || c == 'F' || c == 'X' || c == '<'
	case kFiller:
		return c == '<'
	}
	return true
}

// charValue is a character's value in the 7-3-1 check digit sum.
func charValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 0
}

func checkDigit(spans []checkSpan, lines [][]byte) byte {
	w := [3]int{7, 3, 1}
	s, i := 0, 0
	for _, sp := range spans {
		for p := sp.from; p < sp.to; p++ {
			s += charValue(lines[sp.line][p]) * w[i%3]
			i++
		}
	}
	return byte('0' + s%10)
}

func checkOK(c check, lines [][]byte) bool {
	got := lines[c.line][c.pos]
	want := checkDigit(c.spans, lines)
	if got == want {
		return true
	}
	// A filler check digit is allowed when the field it covers is empty.
	if got == '<' {
		for _, sp := range c.spans {
			for p := sp.from; p < sp.to; p++ {
				if lines[sp.line][p] != '<' {
					return false
				}
			}
		}
		return true
	}
	return false
}
