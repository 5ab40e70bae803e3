package docgen

import (
	"fmt"
	"math/rand"
	"strings"
)

// The generator makes its own valid MRZs (it must not depend on the code
// under test for its ground truth).

var surnames = []string{"ERIKSSON", "MARTIN", "NGUYEN", "OCONNOR", "SMITH", "VAN DER BERG", "GARCIA LOPEZ", "KOWALSKI", "ZHANG", "BEAUMONT", "QUINTERO", "JOHANSSON", "MUELLER", "YAMAMOTO", "DUBOIS", "HOLM", "AL RASHID", "PETROV", "WILLIAMSON", "XAVIER"}
var givens = []string{"ANNA MARIA", "JOHN", "WEI", "MARIE CLAIRE", "OLUWASEUN", "PETER JAMES", "SOFIA", "KAZUO", "LUCAS", "ZOE", "IVAN", "FATIMA", "QUENTIN", "HELGA", "BJORN ERIK", "YUSUF"}
var states = []string{"UTO", "CAN", "USA", "GBR", "FRA", "DEU", "NLD", "JPN", "MEX", "D<<", "SWE", "AUS", "IND", "BRA", "ZAF"}

func checkDigit(s string) byte {
	w := []int{7, 3, 1}
	sum := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		v := 0
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		}
		sum += v * w[i%3]
	}
	return byte('0' + sum%10)
}

func pad(s string, n int) string {
	s = strings.ReplaceAll(s, " ", "<")
	if len(s) > n {
		return s[:n]
	}
	return s + strings.Repeat("<", n-len(s))
}

func randAlnum(r *rand.Rand, n int) string {
	const a = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = a[r.Intn(len(a))]
	}
	return string(b)
}

func randDate(r *rand.Rand, y0, y1 int) string {
	return fmt.Sprintf("%02d%02d%02d", (y0+r.Intn(y1-y0))%100, 1+r.Intn(12), 1+r.Intn(28))
}

func names(r *rand.Rand, n int) string {
	return pad(surnames[r.Intn(len(surnames))]+"<<"+givens[r.Intn(len(givens))], n)
}

// RandomMRZ returns the lines of a valid random MRZ of the given format
// (TD1, TD2 or TD3).
func RandomMRZ(r *rand.Rand, format string) []string {
	state := states[r.Intn(len(states))]
	nat := states[r.Intn(len(states))]
	num := randAlnum(r, 9)
	if r.Intn(4) == 0 {
		num = num[:7] + "<<"
	}
	dob := randDate(r, 1940, 2008)
	exp := randDate(r, 2025, 2036)
	sex := string("MF<"[r.Intn(3)])
	switch format {
	case "TD1":
		opt1 := pad(randAlnum(r, r.Intn(10)), 15)
		opt2 := pad(randAlnum(r, r.Intn(6)), 11)
		code := []string{"I<", "ID", "AC", "C<"}[r.Intn(4)]
		l1 := code + state + num + string(checkDigit(num)) + opt1
		l2 := dob + string(checkDigit(dob)) + sex + exp + string(checkDigit(exp)) + nat + opt2
		comp := l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]
		l2 += string(checkDigit(comp))
		return []string{l1, l2, names(r, 30)}
	case "TD2":
		l1 := pad("I<"+state+names(r, 31), 36)
		opt := pad(randAlnum(r, r.Intn(5)), 7)
		l2 := num + string(checkDigit(num)) + nat + dob + string(checkDigit(dob)) + sex + exp + string(checkDigit(exp)) + opt
		comp := l2[0:10] + l2[13:20] + l2[21:35]
		return []string{l1, l2 + string(checkDigit(comp))}
	default:
		l1 := "P<" + state + names(r, 39)
		optRaw := randAlnum(r, r.Intn(12))
		opt := pad(optRaw, 14)
		oc := checkDigit(opt)
		if optRaw == "" && r.Intn(2) == 0 {
			oc = '<'
		}
		l2 := num + string(checkDigit(num)) + nat + dob + string(checkDigit(dob)) + sex + exp + string(checkDigit(exp)) + opt + string(oc)
		comp := l2[0:10] + l2[13:20] + l2[21:43]
		return []string{l1, l2 + string(checkDigit(comp))}
	}
}
