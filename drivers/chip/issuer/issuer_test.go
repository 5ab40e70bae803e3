package issuer

import "testing"

func TestCertCountry(t *testing.T) {
	for state, want := range map[string]string{"D": "DE", "UTO": "UT", "CAN": "CA", "USA": "US", "GBR": "GB", "": "X"} {
		if got := CertCountry(state); got != want {
			t.Errorf("CertCountry(%q) = %q, want %q", state, got, want)
		}
	}
}
