package chip_test

import (
	"errors"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/drivers/chip"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/cardsim"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/issuer"
)

func paceInfo(last, param int) *chip.PACEInfo {
	oid := append(append([]int{}, chip.OIDPACE...), 2, last)
	return &chip.PACEInfo{Protocol: oid, Version: 2, ParameterID: param}
}

// A chip that offers PACE is opened with PACE, for each cipher and curve,
// and read and verified over its secure messaging.
func TestReadWithPACE(t *testing.T) {
	a := authorities(t)[issuer.ECDSA]
	p := issue(t, a, specimen)
	for name, pi := range map[string]*chip.PACEInfo{
		"brainpoolP256r1 AES-128": paceInfo(2, 13),
		"P-256 AES-256":           paceInfo(4, 12),
		"P-384 AES-192":           paceInfo(3, 15),
		"P-256 3DES":              paceInfo(1, 12),
	} {
		t.Run(name, func(t *testing.T) {
			card := &cardsim.Card{Keys: p.Keys, Files: p.Files, AAKey: p.AAKey, CAKey: p.CAKey, PACE: pi, MRZInfo: p.MRZInfo, RefuseBAC: true}
			got, err := chip.Read(card, specimenInfo(t), chip.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Protocol != "PACE" || got.PACEInfo == nil || got.PACEInfo.ParameterID != pi.ParameterID {
				t.Fatalf("protocol %s %+v", got.Protocol, got.PACEInfo)
			}
			if res := chip.Verify(got.SODFile, got.Files, chip.NewTrustStore(a.CSCA), chip.VerifyOptions{}); res.Status != chip.PAValid {
				t.Error(res)
			}
			if !got.DG1.MatchesPrinted(specimen) {
				t.Error("DG1")
			}
		})
	}
}

func TestPACEFallbackAndRefusal(t *testing.T) {
	p := issue(t, authorities(t)[issuer.ECDSA], specimen)
	card := func() *cardsim.Card {
		return &cardsim.Card{Keys: p.Keys, Files: p.Files, AAKey: p.AAKey, CAKey: p.CAKey, PACE: paceInfo(2, 13), MRZInfo: p.MRZInfo}
	}
	// The chip refuses PACE: BAC after it, and the reason is kept.
	c := card()
	c.RefusePACE = true
	got, err := chip.Read(c, specimenInfo(t), chip.ReadOptions{})
	if err != nil || got.Protocol != "BAC" || got.PACEError == "" {
		t.Fatalf("fallback: %v %+v", err, got)
	}
	// PACE required: no fallback.
	if _, err := chip.Read(c, specimenInfo(t), chip.ReadOptions{Access: chip.AccessPACE}); !errors.Is(err, chip.ErrAccessDenied) {
		t.Errorf("PACE required and refused: %v", err)
	}
	// Another document's MRZ: PACE fails on the chip's side (tokens), then BAC too.
	if _, err := chip.Read(card(), "L898902C3674081221204158", chip.ReadOptions{}); !errors.Is(err, chip.ErrAccessDenied) {
		t.Errorf("wrong MRZ: %v", err)
	}
	// A protocol this package does not implement (DH, or the integrated
	// mapping): BAC, saying why.
	c = card()
	c.PACE = &chip.PACEInfo{Protocol: append(append([]int{}, chip.OIDPACE...), 3, 2), Version: 2, ParameterID: 13}
	if got, err := chip.Read(c, specimenInfo(t), chip.ReadOptions{}); err != nil || got.Protocol != "BAC" || got.PACEError == "" {
		t.Errorf("unsupported PACE: %v %+v", err, got)
	}
	// BAC asked for: EF.CardAccess is not even read.
	if got, err := chip.Read(card(), specimenInfo(t), chip.ReadOptions{Access: chip.AccessBAC}); err != nil || got.Protocol != "BAC" || got.PACEError != "" {
		t.Errorf("BAC only: %v %+v", err, got)
	}
}
