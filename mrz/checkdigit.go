package mrz

// charValue is the ICAO 9303 value of a character for check digits:
// digits are themselves, A–Z are 10–35, the filler is 0. Anything else is
// -1.
var charValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = int8(c - '0')
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = int8(c - 'A' + 10)
	}
	t['<'] = 0
	return
}()

var weights = [3]int{7, 3, 1}

// sumFrom adds s's weighted values to sum, starting at weight index w, and
// returns the new sum and weight index. Invalid characters make ok false
// (and the sum meaningless). The middle runs three characters at a time:
// it is the hot loop of every parse.
func sumFrom(s string, sum, w int) (int, int, bool) {
	var bad int8
	i := 0
	for ; w != 0 && i < len(s); i++ {
		v := charValue[s[i]]
		bad |= v
		sum += int(v) * weights[w]
		if w++; w == 3 {
			w = 0
		}
	}
	for ; i+3 <= len(s); i += 3 {
		a, b, c := charValue[s[i]], charValue[s[i+1]], charValue[s[i+2]]
		bad |= a | b | c
		sum += 7*int(a) + 3*int(b) + int(c)
	}
	for ; i < len(s); i++ {
		v := charValue[s[i]]
		bad |= v
		sum += int(v) * weights[w]
		w++
	}
	return sum, w % 3, bad >= 0
}

// CheckDigit returns the ICAO 9303 check digit (7-3-1 weights, modulo 10)
// of s, and false when s holds a character outside A–Z, 0–9 and <.
func CheckDigit(s string) (byte, bool) {
	sum, _, ok := sumFrom(s, 0, 0)
	if !ok {
		return '0', false
	}
	return byte('0' + sum%10), true
}

// checkDigitOK reports whether c is s's check digit.
func checkDigitOK(s string, c byte) bool {
	d, ok := CheckDigit(s)
	return ok && d == c
}

// compositeDigit computes the composite check digit over the layout's
// ranges.
func compositeDigit(l *layout, lines []string) (byte, bool) {
	sum, w, all := 0, 0, true
	for _, sp := range l.compositeOver {
		var ok bool
		sum, w, ok = sumFrom(sp.of(lines), sum, w)
		all = all && ok
	}
	return byte('0' + sum%10), all
}

func compositeOK(l *layout, lines []string) bool {
	if !l.composite.ok() {
		return true
	}
	d, ok := compositeDigit(l, lines)
	return ok && d == l.composite.of(lines)[0]
}
