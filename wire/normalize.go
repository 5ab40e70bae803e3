package wire

import "strings"

// NormalizeCode turns a document number, issuing state or nationality as
// typed or read (lower case, MRZ fillers, spaces, hyphens: "D<<", "can",
// "l898 902c3") into the form records use ("D", "CAN", "L898902C3"), so
// that the replica's keys and the decision's comparisons agree.
func NormalizeCode(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '<' || r == ' ' || r == '-':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

// NormalizeTag turns a card tag as read (lower-case hex, colons, spaces or
// hyphens between bytes) into the form records use.
func NormalizeTag(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ':' || r == ' ' || r == '-':
			return -1
		case r >= 'a' && r <= 'f':
			return r - 'a' + 'A'
		}
		return r
	}, s)
}
