package mrz

import (
	"math/rand/v2"
	"time"
)

var (
	randomSurnames = []string{"ERIKSSON", "MUSTERMANN", "DUPONT", "GARCÍA LÓPEZ", "O'NEILL", "NGUYEN",
		"SMITH-JONES", "MÜLLER", "ØSTERGÅRD", "VAN DER BERG", "KOWALSKA", "PAPADOPOULOS", "TANAKA", "SILVA SANTOS"}
	randomGiven = []string{"ANNA MARIA", "ERIKA", "JEAN PIERRE", "JOSÉ", "", "LI", "MARIE-CLAIRE",
		"ZOË", "PETER JOHN", "ÅSA", "FRANÇOIS", "MOHAMMED ALI", "KAI"}
	randomStates  = []string{"UTO", "D", "FRA", "NLD", "BEL", "PRT", "FIN", "GBR", "USA", "CHE", "XXA", "EUE", "ESP", "ITA"}
	randomFormats = []Format{TD1, TD2, TD3, MRVA, MRVB, FrenchID}
)

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randomString(rng *rand.Rand, set string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = set[rng.IntN(len(set))]
	}
	return string(b)
}

// RandomFields returns fictional fields, of a random format, that Generate
// accepts: test input for simulators, fuzzing and benchmarks.
func RandomFields(rng *rand.Rand) Fields {
	f := Fields{Format: randomFormats[rng.IntN(len(randomFormats))]}
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
	}
	return f
}
