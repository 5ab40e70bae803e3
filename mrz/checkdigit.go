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
// returns the new sum and weight index. Invalid characters make ok false.
func sumFrom(s string, sum, w int) (int, int, bool) {
	ok := true
	for i := 0; i < len(s); i++ {
		v := charValue[s[i]]
		if v < 0 {
			ok = false
			v = 0
		}
		sum += int(v) * weights[w]
		w++
		if w == 3 {
			w = 0
		}
	}
	return sum, w, ok
}

// CheckDigit returns the ICAO 9303 check digit (7-3-1 weights, modulo 10)
// of s, and false when s holds a character outside A–Z, 0–9 and <.
func CheckDigit(s string) (byte, bool) {
	sum, _, ok := sumFrom(s, 0, 0)
	return byte('0' + sum%10), ok
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
