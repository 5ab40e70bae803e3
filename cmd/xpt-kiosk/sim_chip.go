package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/xpt-pilot/xpt-kiosk/drivers/chip"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/cardsim"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/issuer"
	"github.com/xpt-pilot/xpt-kiosk/mrz"
)

const simChipUsage = `Usage: xpt-kiosk sim chip --mrz LINE1 LINE2 [LINE3] --csca-out DIR [--photo FILE] [--kind KIND] [flags]

Issues a test ePassport (a fresh test CSCA and document signer, EF.COM, DG1
from the MRZ, DG2 from the photo, a signed EF.SOD) and plays its chip to
vsmartcard's virtual reader in pcscd, as if the passport lay on a PC/SC
reader, until Ctrl-C. The CSCA certificate and its CRL (which revokes the
signer of the revoked-ds kind) go to DIR/csca-<country>.pem: give DIR to
'xpt-kiosk devices chip --csca DIR'.

By default it connects to vpcd at 127.0.0.1:35963 (Debian's
/etc/reader.conf.d/vpcd, a pcscd started with 'pcscd --foreground'); with
--listen it waits for a vpcd configured with DEVICENAME host:port instead.

Kinds (what a kiosk must make of them): %s.

Flags:
`

func runSimChip(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("sim chip", fmt.Sprintf(simChipUsage, strings.Join(issuer.Kinds, ", ")), stderr)
	devMRZUsage(fs)
	photo := fs.String("photo", "", "face image for DG2, a JPEG `file` (default: a grey placeholder)")
	kind := fs.String("kind", issuer.Genuine, "which test passport: `KIND`, see above")
	out := fs.String("csca-out", "", "write the test CSCA certificate into `DIR` (required)")
	vpcd := fs.String("vpcd", fmt.Sprintf("127.0.0.1:%d", cardsim.DefaultVPCDPort), "vpcd's `address` to connect to (loopback)")
	listen := fs.String("listen", "", "instead: listen on `ADDR` for vpcd in reversed mode (loopback)")
	paceParam := fs.Int("pace", 0, "offer PACE on these standardized domain `parameters` (12 P-256, 13 brainpoolP256r1, 15 P-384; 0: BAC only)")
	paceCipher := fs.String("pace-cipher", "aes128", "PACE's secure messaging: 3des, aes128, aes192, aes256")
	iso39794 := fs.Bool("iso39794", false, "put the photo in an ISO/IEC 39794-5 block instead of ISO/IEC 19794-5")
	alg := fs.String("alg", string(issuer.ECDSA), "signature `algorithm`: ecdsa-p256-sha256, rsa-pkcs1-sha256, rsa-pss-sha256")
	lines, code := devParseMRZ(fs, args, stdout)
	if code >= 0 {
		return code
	}
	zone := mrz.Parse(lines, mrz.Options{})
	if len(lines) < 2 || !zone.Valid {
		return usageError(fs, "give a valid MRZ: --mrz LINE1 LINE2 [LINE3] (%v)", zone.Err())
	}
	if *out == "" {
		return usageError(fs, "give --csca-out DIR for the test CSCA certificate")
	}
	img, w, h, err := issuer.Photo(*photo)
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk sim chip: --photo: %v\n", err)
		return exitUsage
	}
	a, err := issuer.NewAuthority(issuer.Options{Country: issuer.CertCountry(zone.IssuingState), Algorithm: issuer.Algorithm(*alg)})
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk sim chip: %v\n", err)
		return exitFail
	}
	p, err := a.IssueKind(issuer.Document{MRZ: zone.Lines, Photo: img, Width: w, Height: h, ISO39794: *iso39794}, *kind)
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk sim chip: %v\n", err)
		return exitUsage
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk sim chip: %v\n", err)
		return exitFail
	}
	certFile := filepath.Join(*out, "csca-"+a.Country+".pem")
	trust, err := a.TrustPEM()
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk sim chip: %v\n", err)
		return exitFail
	}
	if err := os.WriteFile(certFile, trust, 0o644); err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk sim chip: %v\n", err)
		return exitFail
	}
	card := &cardsim.Card{Keys: p.Keys, Files: p.Files, AAKey: p.AAKey, CAKey: p.CAKey, RefuseBAC: *kind == issuer.RefuseBAC, MRZInfo: p.MRZInfo}
	if *paceParam != 0 {
		last := map[string]int{"3des": 1, "aes128": 2, "aes192": 3, "aes256": 4}[*paceCipher]
		card.PACE = &chip.PACEInfo{Protocol: append(append([]int{}, chip.OIDPACE...), 2, last), Version: 2, ParameterID: *paceParam}
		if last == 0 || !card.PACE.Supported() {
			return usageError(fs, "--pace %d --pace-cipher %s is not implemented", *paceParam, *paceCipher)
		}
		card.RefuseBAC = card.RefuseBAC || *kind == issuer.RefuseBAC
	}
	ctx, stop := signalContext()
	defer stop()
	fmt.Fprintf(stdout, "csca: %s\n", certFile)
	fmt.Fprintf(stdout, "chip: %s passport, DG2 %d bytes, %s\n", *kind, len(p.Files[chip.FIDDG2]), a.Algorithm)
	if *listen != "" {
		ln, err := net.Listen("tcp", *listen)
		if err != nil {
			fmt.Fprintf(stderr, "xpt-kiosk sim chip: %v\n", err)
			return exitFail
		}
		fmt.Fprintf(stdout, "waiting for vpcd on %s\n", ln.Addr())
		if err := cardsim.Listen(ctx, ln, card); err != nil {
			fmt.Fprintf(stderr, "xpt-kiosk sim chip: %v\n", err)
			return exitFail
		}
		return exitOK
	}
	cardsim.Play(ctx, *vpcd, card, func() { fmt.Fprintf(stdout, "connecting to vpcd at %s\n", *vpcd) }, func(err error) {
		fmt.Fprintf(stderr, "xpt-kiosk sim chip: vpcd: %v (is pcscd with vsmartcard-vpcd running?)\n", err)
	})
	return exitOK
}
