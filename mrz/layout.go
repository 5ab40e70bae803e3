package mrz

// span is a field's place: line index and [start, end) columns, 0-based.
// The zero span (end 0) means the format has no such field.
type span struct{ line, start, end uint8 }

func (s span) ok() bool { return s.end > 0 }
func (s span) n() int   { return int(s.end) - int(s.start) }

func (s span) of(lines []string) string { return lines[s.line][s.start:s.end] }

// layout places every field of one format. Fields a format lacks have the
// zero span.
type layout struct {
	format        Format
	lines, length int

	code, state, nat span
	name             span // "SURNAME<<GIVEN<NAMES" in one field
	surname, given   span // FRENCH_ID keeps them apart
	number, numberCD span
	numberOver       span // when set, the number's check digit covers this, not just the number (FRENCH_DRIVING_LICENSE)
	birth, birthCD   span
	sex              span
	expiry, expiryCD span
	opt, optCD       span // optional data (TD3: personal number and its check digit)
	opt2             span // TD1 line 2 optional data
	composite        span
	compositeOver    []span
	longNumber       bool // TD1, TD2: a long document number overflows into opt

	// SWISS_DRIVING_LICENSE: language code, PIN, version number, and the
	// spans that must hold fillers.
	lang, pin, version span
	fillers            []span
}

var layouts = [...]*layout{
	TD1: {
		format: TD1, lines: 3, length: 30,
		code: span{0, 0, 2}, state: span{0, 2, 5},
		number: span{0, 5, 14}, numberCD: span{0, 14, 15}, opt: span{0, 15, 30},
		birth: span{1, 0, 6}, birthCD: span{1, 6, 7}, sex: span{1, 7, 8},
		expiry: span{1, 8, 14}, expiryCD: span{1, 14, 15}, nat: span{1, 15, 18},
		opt2: span{1, 18, 29}, composite: span{1, 29, 30},
		compositeOver: []span{{0, 5, 30}, {1, 0, 7}, {1, 8, 15}, {1, 18, 29}},
		name:          span{2, 0, 30},
		longNumber:    true,
	},
	TD2: {
		format: TD2, lines: 2, length: 36,
		code: span{0, 0, 2}, state: span{0, 2, 5}, name: span{0, 5, 36},
		number: span{1, 0, 9}, numberCD: span{1, 9, 10}, nat: span{1, 10, 13},
		birth: span{1, 13, 19}, birthCD: span{1, 19, 20}, sex: span{1, 20, 21},
		expiry: span{1, 21, 27}, expiryCD: span{1, 27, 28},
		opt: span{1, 28, 35}, composite: span{1, 35, 36},
		compositeOver: []span{{1, 0, 10}, {1, 13, 20}, {1, 21, 35}},
		longNumber:    true,
	},
	TD3: {
		format: TD3, lines: 2, length: 44,
		code: span{0, 0, 2}, state: span{0, 2, 5}, name: span{0, 5, 44},
		number: span{1, 0, 9}, numberCD: span{1, 9, 10}, nat: span{1, 10, 13},
		birth: span{1, 13, 19}, birthCD: span{1, 19, 20}, sex: span{1, 20, 21},
		expiry: span{1, 21, 27}, expiryCD: span{1, 27, 28},
		opt: span{1, 28, 42}, optCD: span{1, 42, 43}, composite: span{1, 43, 44},
		compositeOver: []span{{1, 0, 10}, {1, 13, 20}, {1, 21, 43}},
	},
	MRVA: {
		format: MRVA, lines: 2, length: 44,
		code: span{0, 0, 2}, state: span{0, 2, 5}, name: span{0, 5, 44},
		number: span{1, 0, 9}, numberCD: span{1, 9, 10}, nat: span{1, 10, 13},
		birth: span{1, 13, 19}, birthCD: span{1, 19, 20}, sex: span{1, 20, 21},
		expiry: span{1, 21, 27}, expiryCD: span{1, 27, 28},
		opt: span{1, 28, 44},
	},
	MRVB: {
		format: MRVB, lines: 2, length: 36,
		code: span{0, 0, 2}, state: span{0, 2, 5}, name: span{0, 5, 36},
		number: span{1, 0, 9}, numberCD: span{1, 9, 10}, nat: span{1, 10, 13},
		birth: span{1, 13, 19}, birthCD: span{1, 19, 20}, sex: span{1, 20, 21},
		expiry: span{1, 21, 27}, expiryCD: span{1, 27, 28},
		opt: span{1, 28, 36},
	},
	FrenchID: {
		format: FrenchID, lines: 2, length: 36,
		code: span{0, 0, 2}, state: span{0, 2, 5},
		surname: span{0, 5, 30}, opt: span{0, 30, 36},
		number: span{1, 0, 12}, numberCD: span{1, 12, 13},
		given: span{1, 13, 27}, birth: span{1, 27, 33}, birthCD: span{1, 33, 34},
		sex: span{1, 34, 35}, composite: span{1, 35, 36},
		compositeOver: []span{{0, 0, 36}, {1, 0, 35}},
	},
	// ISO/IEC 18013-1 one-line MRZ as France prints it: document code and
	// BAP configuration ("D1"), state, number and a check digit over all
	// of that, expiry date (no check digit), the start of the surname and
	// a check digit over the whole line.
	FrenchDL: {
		format: FrenchDL, lines: 1, length: 30,
		code: span{0, 0, 2}, state: span{0, 2, 5},
		number: span{0, 5, 14}, numberCD: span{0, 14, 15}, numberOver: span{0, 0, 14},
		expiry: span{0, 15, 21}, surname: span{0, 21, 29},
		composite: span{0, 29, 30}, compositeOver: []span{{0, 0, 29}},
	},
	// The Swiss driving licence (Swiss Federal Roads Office, also issued
	// by Liechtenstein): no check digits at all.
	SwissDL: {
		format: SwissDL, lines: 3, length: 30,
		number: span{0, 0, 7}, lang: span{0, 6, 7},
		code: span{1, 0, 2}, state: span{1, 2, 5}, pin: span{1, 5, 14}, version: span{1, 14, 17},
		birth: span{1, 19, 25}, name: span{2, 0, 30},
		fillers: []span{{0, 7, 9}, {1, 17, 19}, {1, 25, 30}},
	},
	// The Slovak identity card of 2003–2008 (mrz-java's SlovakId2_34): a
	// TD2 squeezed to 34 characters, with 6 characters of optional data
	// and no composite check digit.
	SlovakID: {
		format: SlovakID, lines: 2, length: 34,
		code: span{0, 0, 2}, state: span{0, 2, 5}, name: span{0, 5, 34},
		number: span{1, 0, 9}, numberCD: span{1, 9, 10}, nat: span{1, 10, 13},
		birth: span{1, 13, 19}, birthCD: span{1, 19, 20}, sex: span{1, 20, 21},
		expiry: span{1, 21, 27}, expiryCD: span{1, 27, 28},
		opt: span{1, 28, 34},
	},
	// The Dutch driving licence's one line (ISO/IEC 18013, RDW): code "D",
	// BAP configuration (a digit or <), state NLD, a version character,
	// a 10-digit number, 13 random characters and one check digit over
	// positions 1–29 (as privacybydesign/mrz_parser and datacheckerbv's
	// MRZParser compute it; see docs/mrz.md for foxanna/mrz_parser's).
	DutchDL: {
		format: DutchDL, lines: 1, length: 30,
		code: span{0, 0, 2}, state: span{0, 2, 5}, version: span{0, 5, 6},
		number: span{0, 6, 16}, numberCD: span{0, 29, 30}, numberOver: span{0, 0, 29},
		opt: span{0, 16, 29},
	},
}

// detect picks the layout from the shape and the document code. Lines must
// already be trimmed.
func detect(lines []string) *layout {
	switch len(lines) {
	case 3:
		if len(lines[1]) == 30 && len(lines[2]) == 30 {
			switch len(lines[0]) {
			case 30:
				return layouts[TD1]
			case 9:
				return layouts[SwissDL]
			}
		}
	case 1:
		if dutchDLShape(lines[0]) {
			return layouts[DutchDL]
		}
		if frenchDLShape(lines[0]) {
			return layouts[FrenchDL]
		}
	case 2:
		if len(lines[0]) != len(lines[1]) {
			return nil
		}
		switch len(lines[0]) {
		case 44:
			if lines[0][0] == 'V' {
				return layouts[MRVA]
			}
			return layouts[TD3]
		case 34:
			return layouts[SlovakID]
		case 36:
			if lines[0][0] == 'V' {
				return layouts[MRVB]
			}
			if lines[0][:5] == "IDFRA" && frenchLayout(lines) {
				return layouts[FrenchID]
			}
			return layouts[TD2]
		}
	}
	return nil
}

// frenchLayout decides an "IDFRA" 2×36 zone: the French layout unless
// the zone validates as an ICAO TD2; if neither validates (a misread
// zone), the shape of line 2 decides: the French card has a date of birth
// at 28–33 and the sex at 35, a TD2 a nationality at 11–13 and the sex at 21.
func frenchLayout(lines []string) bool {
	if td2Checks(lines) {
		return false
	}
	if compositeOK(layouts[FrenchID], lines) {
		return true
	}
	l2 := lines[1]
	fr := (l2[34] == 'M' || l2[34] == 'F') && allDigits(l2[27:33])
	td2 := (l2[20] == 'M' || l2[20] == 'F' || l2[20] == '<' || l2[20] == 'X') && allDigits(l2[13:19]) && allDigits(l2[21:27])
	return fr || !td2
}

// frenchDLShape reports whether one line is a French driving licence's
// zone: 30 characters starting with the document code (A, B or D) and a
// BAP configuration digit. A lone line of any other zone is not one.
func frenchDLShape(l string) bool {
	return len(l) == 30 && (l[0] == 'D' || l[0] == 'A' || l[0] == 'B') && isDigit(l[1])
}

// dutchDLShape reports whether one line is a Dutch driving licence's
// zone: 30 characters, "D", the BAP configuration (a digit or <) and a
// state other than FRA (France alone puts the number right after the
// state; any other state is then a state error, not a French licence).
func dutchDLShape(l string) bool {
	return len(l) == 30 && l[0] == 'D' && (isDigit(l[1]) || l[1] == '<') && l[2:5] != "FRA"
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// td2Checks reports whether an "IDFRA" zone reads as a valid ICAO TD2
// rather than the French national layout (France issues both shapes' codes).
func td2Checks(lines []string) bool {
	l := layouts[TD2]
	return checkDigitOK(l.birth.of(lines), l.birthCD.of(lines)[0]) &&
		checkDigitOK(l.expiry.of(lines), l.expiryCD.of(lines)[0]) &&
		compositeOK(l, lines)
}
