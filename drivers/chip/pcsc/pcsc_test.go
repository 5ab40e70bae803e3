package pcsc_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/cardsim"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/issuer"
	"github.com/xpt-pilot/xpt-kiosk/drivers/chip/pcsc"
)

const (
	pcscdBin = "/usr/sbin/pcscd"
	vpcdLib  = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
)

var specimen = []string{
	"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
	"L898902C36UTO7408122F1204159ZE184226B<<<<<10",
}

// virtualReader gives a vpcd reader of a pcscd with card in it: the
// machine's pcscd when one runs (its vpcd listens on 127.0.0.1:35963, the
// Debian default), else a pcscd the test starts with a reader
// configuration of its own in which vpcd connects to the card on a free
// loopback port. It returns the client and the reader's name.
func virtualReader(t testing.TB, card *cardsim.Card) (*pcsc.Client, string) {
	t.Helper()
	for _, f := range []string{pcscdBin, vpcdLib} {
		if _, err := os.Stat(f); err != nil {
			t.Skipf("%s missing: install pcscd and vsmartcard-vpcd (scripts/deps.sh)", f)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if c, err := pcsc.Dial(""); err == nil {
		t.Log("using the running pcscd")
		t.Cleanup(func() { c.Close() })
		go cardsim.Dial(ctx, fmt.Sprintf("127.0.0.1:%d", cardsim.DefaultVPCDPort), card)
		return c, waitReader(t, c)
	}
	// vpcd drives two slots, on the configured port and the next, and
	// pcscd aborts when either cannot connect: listen on both, with the
	// passport in slot 0 and an empty chip in slot 1.
	ln, ln1 := listenPair(t)
	go cardsim.Listen(ctx, ln, card)
	go cardsim.Listen(ctx, ln1, &cardsim.Card{})
	dir := t.TempDir()
	conf := fmt.Sprintf("FRIENDLYNAME \"XPT test vpcd\"\nDEVICENAME %s\nLIBPATH %s\nCHANNELID 1\n", ln.Addr(), vpcdLib)
	if err := os.WriteFile(filepath.Join(dir, "vpcd"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cmd := exec.Command(pcscdBin, "--foreground", "--config", dir, "--error")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("pcscd said:\n%s", logs.String())
		}
	})
	var c *pcsc.Client
	var err error
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err = pcsc.Dial(""); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pcscd did not start: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(func() { c.Close() })
	return c, waitReader(t, c)
}

// listenPair listens on two consecutive free loopback ports.
func listenPair(t testing.TB) (net.Listener, net.Listener) {
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		if ln1, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port+1)); err == nil {
			return ln, ln1
		}
		ln.Close()
	}
	t.Fatal("no two consecutive free ports on 127.0.0.1")
	return nil, nil
}

func waitReader(t testing.TB, c *pcsc.Client) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var r pcsc.ReaderState
	for r.Name == "" {
		rs, err := c.Readers()
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range rs {
			if strings.HasSuffix(x.Name, " 00 00") && x.Present {
				r = x
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("no card in slot 0 of a vpcd reader (readers %+v)", rs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !bytes.Equal(r.ATR, cardsim.ATR) {
		t.Fatalf("reader %q has ATR %X, not the emulated chip's", r.Name, r.ATR)
	}
	return r.Name
}

func photo(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 300, 400))
	for y := 0; y < 400; y++ {
		for x := 0; x < 300; x++ {
			img.Set(x, y, color.RGBA{uint8(x * y), uint8(y), uint8(x), 255})
		}
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, &jpeg.Options{Quality: 85})
	return b.Bytes()
}

// TestChipThroughPCSC reads an issued passport end to end: the emulated
// chip behind Debian's vpcd in a real pcscd, this package's client, BAC,
// secure messaging, the files and passive authentication.
func TestChipThroughPCSC(t *testing.T) {
	a, err := issuer.NewAuthority(issuer.Options{Country: "UT"})
	if err != nil {
		t.Fatal(err)
	}
	img := photo(t)
	p, err := a.Issue(issuer.Document{MRZ: specimen, Photo: img, Width: 300, Height: 400})
	if err != nil {
		t.Fatal(err)
	}
	card := &cardsim.Card{Keys: p.Keys, Files: p.Files}
	c, reader := virtualReader(t, card)
	k, err := c.Connect(reader)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Disconnect(true)
	info, _ := chip.MRZInfo("L898902C3", "740812", "120415")
	got, err := chip.Read(k, chip.BACKeys(info), chip.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !got.DG1.MatchesPrinted(specimen) || !bytes.Equal(got.DG2.Faces[0].Data, img) {
		t.Error("the chip's DG1 or DG2 differs from what was issued")
	}
	res := chip.Verify(got.SODFile, got.Files, chip.NewTrustStore(a.CSCA), chip.VerifyOptions{})
	if res.Status != chip.PAValid {
		t.Fatalf("passive authentication: %v", res)
	}
	t.Logf("%v over %q (%d APDUs), BAC %v, PA %v", got, reader, card.Commands(), got.Timings.Access.Round(time.Millisecond), res)

	// Keys of another document: the chip refuses BAC, through pcscd too.
	other, _ := chip.MRZInfo("L898902C3", "740812", "120416")
	if _, err := chip.Read(k, chip.BACKeys(other), chip.ReadOptions{}); err == nil || !strings.Contains(err.Error(), "access denied") {
		t.Errorf("wrong keys: %v", err)
	}
	if code := drivers.CodeOf(err); code != "" && code != drivers.CodeProtocol {
		t.Errorf("code %s", code)
	}
}

// BenchmarkChipReadPCSC is a chip read through pcscd and vpcd: BAC, DG1,
// DG2 (about 18 KB), EF.SOD and passive authentication (ECDSA P-256).
func BenchmarkChipReadPCSC(b *testing.B) {
	a, err := issuer.NewAuthority(issuer.Options{Country: "UT"})
	if err != nil {
		b.Fatal(err)
	}
	p, err := a.Issue(issuer.Document{MRZ: specimen, Photo: facePhoto(b), Width: 240, Height: 320})
	if err != nil {
		b.Fatal(err)
	}
	card := &cardsim.Card{Keys: p.Keys, Files: p.Files}
	c, reader := virtualReader(b, card)
	k, err := c.Connect(reader)
	if err != nil {
		b.Fatal(err)
	}
	defer k.Disconnect(true)
	ts := chip.NewTrustStore(a.CSCA)
	apdus := card.Commands()
	for b.Loop() {
		got, err := chip.Read(k, p.Keys, chip.ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if res := chip.Verify(got.SODFile, got.Files, ts, chip.VerifyOptions{}); res.Status != chip.PAValid {
			b.Fatal(res)
		}
	}
	b.ReportMetric(float64(len(p.Files[chip.FIDDG2])), "DG2-bytes")
	b.ReportMetric(float64(card.Commands()-apdus)/float64(b.N), "APDUs/op")
}

// facePhoto is a JPEG of about the size of a passport photo (15-20 KB).
func facePhoto(tb testing.TB) []byte {
	img := image.NewGray(image.Rect(0, 0, 240, 320))
	seed := uint32(1)
	for y := 0; y < 320; y++ {
		for x := 0; x < 240; x++ {
			seed = seed*1664525 + 1013904223
			img.SetGray(x, y, color.Gray{uint8((x+y)/3) + uint8(seed>>27)})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}
