package mrz

import (
	"fmt"
	"strings"
	"unicode"
)

// translit maps upper-case letters outside A–Z to their ICAO 9303 Part 3
// (section 6) transliteration. Ä, Ö and Ü use the recommended AE, OE and
// UE; Cyrillic follows the ICAO table.
var translit = map[rune]string{
	'À': "A", 'Á': "A", 'Â': "A", 'Ã': "A", 'Ä': "AE", 'Å': "AA", 'Æ': "AE", 'Ç': "C",
	'È': "E", 'É': "E", 'Ê': "E", 'Ë': "E", 'Ì': "I", 'Í': "I", 'Î': "I", 'Ï': "I",
	'Ð': "D", 'Ñ': "N", 'Ò': "O", 'Ó': "O", 'Ô': "O", 'Õ': "O", 'Ö': "OE", 'Ø': "OE",
	'Ù': "U", 'Ú': "U", 'Û': "U", 'Ü': "UE", 'Ý': "Y", 'Þ': "TH", 'ß': "SS", 'ẞ': "SS",
	'Ā': "A", 'Ă': "A", 'Ą': "A", 'Ć': "C", 'Ĉ': "C", 'Ċ': "C", 'Č': "C", 'Ď': "D",
	'Đ': "D", 'Ē': "E", 'Ĕ': "E", 'Ė': "E", 'Ę': "E", 'Ě': "E", 'Ĝ': "G", 'Ğ': "G",
	'Ġ': "G", 'Ģ': "G", 'Ĥ': "H", 'Ħ': "H", 'Ĩ': "I", 'Ī': "I", 'Ĭ': "I", 'Į': "I",
	'İ': "I", 'I': "I", 'Ĳ': "IJ", 'Ĵ': "J", 'Ķ': "K", 'Ĺ': "L", 'Ļ': "L", 'Ľ': "L",
	'Ŀ': "L", 'Ł': "L", 'Ń': "N", 'Ņ': "N", 'Ň': "N", 'Ŋ': "N", 'Ō': "O", 'Ŏ': "O",
	'Ő': "O", 'Œ': "OE", 'Ŕ': "R", 'Ŗ': "R", 'Ř': "R", 'Ś': "S", 'Ŝ': "S", 'Ş': "S",
	'Š': "S", 'Ţ': "T", 'Ť': "T", 'Ŧ': "T", 'Ũ': "U", 'Ū': "U", 'Ŭ': "U", 'Ů': "U",
	'Ű': "U", 'Ų': "U", 'Ŵ': "W", 'Ŷ': "Y", 'Ÿ': "Y", 'Ź': "Z", 'Ż': "Z", 'Ž': "Z",
	'Ș': "S", 'Ț': "T", 'Ǎ': "A", 'Ǐ': "I", 'Ǒ': "O", 'Ǔ': "U",
	// Cyrillic
	'А': "A", 'Б': "B", 'В': "V", 'Г': "G", 'Ґ': "G", 'Д': "D", 'Е': "E", 'Ё': "E",
	'Є': "IE", 'Ж': "ZH", 'З': "Z", 'И': "I", 'І': "I", 'Ї': "I", 'Й': "I", 'К': "K",
	'Л': "L", 'М': "M", 'Н': "N", 'О': "O", 'П': "P", 'Р': "R", 'С': "S", 'Т': "T",
	'У': "U", 'Ў': "U", 'Ф': "F", 'Х': "KH", 'Ц': "TS", 'Ч': "CH", 'Ш': "SH", 'Щ': "SHCH",
	'Ъ': "IE", 'Ы': "Y", 'Ь': "", 'Э': "E", 'Ю': "IU", 'Я': "IA", 'Ђ': "D", 'Ј': "J",
	'Љ': "LJ", 'Њ': "NJ", 'Ћ': "C", 'Џ': "DZ", 'Ѓ': "G", 'Ќ': "K", 'Ѕ': "DZ",
	// Greek
	'Α': "A", 'Β': "V", 'Γ': "G", 'Δ': "D", 'Ε': "E", 'Ζ': "Z", 'Η': "I", 'Θ': "TH",
	'Ι': "I", 'Κ': "K", 'Λ': "L", 'Μ': "M", 'Ν': "N", 'Ξ': "X", 'Ο': "O", 'Π': "P",
	'Ρ': "R", 'Σ': "S", 'Τ': "T", 'Υ': "Y", 'Φ': "F", 'Χ': "CH", 'Ψ': "PS", 'Ω': "O",
	'Ά': "A", 'Έ': "E", 'Ή': "I", 'Ί': "I", 'Ό': "O", 'Ύ': "Y", 'Ώ': "O",
}

// Transliterate turns a name as printed into MRZ characters: upper case,
// ICAO transliteration (É→E, Ä→AE, ß→SS, Ø→OE, ...), spaces and hyphens
// become fillers, apostrophes and other punctuation are dropped. It fails
// on a character it cannot transliterate.
func Transliterate(s string) (string, error) {
	var b strings.Builder
	b.Grow(len(s))
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z':
			b.WriteByte(byte(c - 'a' + 'A'))
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '<':
			b.WriteByte(byte(c))
		case c == ' ' || c == '-' || c == '\u2010' || c == '\u2011':
			b.WriteByte('<')
		case c == '\'' || c == '\u2019' || c == '.' || c == ',' || c == '`' || c == '\u02bc':
			// ICAO: punctuation is omitted.
		default:
			u := unicode.ToUpper(c)
			if c == 'ß' {
				u = 'ß'
			}
			t, ok := translit[u]
			if !ok {
				return "", fmt.Errorf("mrz: cannot transliterate %q (U+%04X)", c, c)
			}
			b.WriteString(t)
		}
	}
	return b.String(), nil
}
