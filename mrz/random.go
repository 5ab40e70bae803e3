package mrz

import (
	"math/rand/v2"
	"strings"
	"time"
)

var (
	randomSurnames = []string{"ERIKSSON", "MUSTERMANN", "DUPONT", "GARCÍA LÓPEZ", "O'NEILL", "NGUYEN",
		"SMITH-JONES", "MÜLLER", "ØSTERGÅRD", "VAN DER BERG", "KOWALSKA", "PAPADOPOULOS", "TANAKA", "SILVA SANTOS"}
	randomGiven = []string{"ANNA MARIA", "ERIKA", "JEAN PIERRE", "JOSÉ", "", "LI", "MARIE-CLAIRE",
		"ZOË", "PETER JOHN", "ÅSA", "FRANÇOIS", "MOHAMMED ALI", "KAI"}
	randomStates  = []string{"UTO", "D", "FRA", "NLD", "BEL", "PRT", "FIN", "GBR", "USA", "CHE", "XXA", "EUE", "ESP", "ITA"}
	randomFormats = []Format{TD1, TD2, TD3, MRVA, MRVB, FrenchID, FrenchDL, SwissDL, SlovakID, DutchDL}
)

// TravelFormats returns the ICAO formats (TD1, TD2, TD3, MRVA, MRVB) and
// the French identity card: the mix RandomFields drew from before it
// learnt the driving licences and the Slovak card. RandomFieldsOf(rng,
// TravelFormats()...) gives the same documents, for the same seed, as
// RandomFields did then; the CLI's --random, its simulators and the
// benchmark against npm mrz keep to it.
func TravelFormats() []Format { return []Format{TD1, TD2, TD3, MRVA, MRVB, FrenchID} }

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randomString(rng *rand.Rand, set string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = set[rng.IntN(len(set))]
	}
	return string(b)
}

// RandomFields returns fictional fields, of a random format among all
// that Generate writes, that Generate accepts and Parse gives back: test
// input for simulators, fuzzing and benchmarks. A format's fields are
// only those its zone holds (a French driving licence has the first 8
// characters of the surname, no given names, no birth date).
func RandomFields(rng *rand.Rand) Fields { return RandomFieldsOf(rng, randomFormats...) }

// RandomFieldsOf is RandomFields of one of formats, picked at random (all
// formats when there are none).
func RandomFieldsOf(rng *rand.Rand, formats ...Format) Fields {
	if len(formats) == 0 {
		formats = randomFormats
	}
	f := Fields{Format: formats[rng.IntN(len(formats))]}
	f.IssuingState = randomStates[rng.IntN(len(randomStates))]
	f.Nationality = randomStates[rng.IntN(len(randomStates))]
	f.Surname = randomSurnames[rng.IntN(len(randomSurnames))]
	f.GivenNames = randomGiven[rng.IntN(len(randomGiven))]
	f.Sex = [...]string{"M", "F", "X"}[rng.IntN(3)]
	f.BirthDate = time.Date(1930+rng.IntN(90), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
	f.ExpiryDate = time.Date(2020+rng.IntN(15), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
	f.DocumentNumber = randomString(rng, alnum, 9)
	switch f.Format {
	case TD1:
		f.DocumentCode = [...]string{"I", "ID", "IR", "AC"}[rng.IntN(4)]
		if rng.IntN(4) == 0 {
			f.DocumentNumber = randomString(rng, alnum, 10+rng.IntN(4))
		}
		if rng.IntN(2) == 0 {
			f.OptionalData2 = randomString(rng, alnum, rng.IntN(11))
		}
	case TD2:
		f.DocumentCode = [...]string{"I", "ID", "IR"}[rng.IntN(3)]
		if rng.IntN(4) == 0 {
			f.DocumentNumber = randomString(rng, alnum, 10+rng.IntN(3))
		}
	case TD3:
		f.DocumentCode = "P"
		if rng.IntN(2) == 0 {
			f.OptionalData = randomString(rng, alnum, 1+rng.IntN(14))
		}
	case MRVA, MRVB:
		f.DocumentCode = "V"
	case FrenchID:
		f.DocumentCode, f.IssuingState, f.Nationality = "ID", "FRA", "FRA"
		f.IssueDate, f.OfficeCode = randomString(rng, "0123456789", 4), randomString(rng, alnum, 3)
		f.DocumentNumber = randomString(rng, "0123456789", 5)
		f.OptionalData = randomString(rng, "0123456789", 6)
		f.ExpiryDate = time.Time{}
	case FrenchDL:
		// Département, two letters, a 5-digit sequence: 13AA00002.
		f.DocumentCode = [...]string{"D1", "D1", "D1", "B1"}[rng.IntN(4)]
		f.IssuingState, f.Nationality, f.Sex, f.GivenNames, f.BirthDate = "FRA", "", "", "", time.Time{}
		f.DocumentNumber = randomString(rng, "0123456789", 2) + randomString(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 2) + randomString(rng, "0123456789", 5)
		f.Surname = zoneName(f.Surname, layouts[FrenchDL].surname.n())
	case SwissDL:
		f.DocumentCode, f.IssuingState = "FA", "CHE"
		if rng.IntN(10) == 0 {
			f.IssuingState = "LIE"
		}
		f.Nationality, f.Sex, f.ExpiryDate = "", "", time.Time{}
		f.LanguageCode = [...]string{"D", "F", "I", "R"}[rng.IntN(4)]
		f.DocumentNumber = randomString(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 3) + randomString(rng, "0123456789", 3) + f.LanguageCode
		f.PINCode, f.VersionNumber = randomString(rng, "0123456789", 9), randomString(rng, "0123456789", 3)
	case SlovakID:
		f.DocumentCode, f.IssuingState, f.Nationality = "I", "SVK", "SVK"
		f.OptionalData = randomString(rng, "0123456789", 6)
	case DutchDL:
		f = Fields{Format: DutchDL, DocumentCode: "D1", IssuingState: "NLD", VersionNumber: randomString(rng, "0123456789", 1),
			DocumentNumber: randomString(rng, "0123456789", 10), OptionalData: randomString(rng, alnum, 13)}
	}
	return f
}

// zoneName is a name as a field of n characters gives it back:
// transliterated, truncated, fillers read as single spaces.
func zoneName(s string, n int) string {
	t, _ := Transliterate(s)
	t = collapseFillers(t)
	if len(t) > n {
		t = trimFillers(t[:n])
	}
	return strings.ReplaceAll(t, "<", " ")
}
