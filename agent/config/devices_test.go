package config

import (
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/drivers/cardreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/mrzreader"
)

// withReaders sets extra lines in [devices.mrzReader] and [devices.cardReader].
func withReaders(mrz, card string) string {
	return strings.NewReplacer(`port = "/dev/ttyUSB0"`, `port = "/dev/ttyUSB0"`+"\n"+mrz,
		`port = "/dev/ttyUSB1"`, `port = "/dev/ttyUSB1"`+"\n"+card).Replace(minimal)
}

// A reader profile is added to its driver's framer registry and nowhere
// else: the configuration accepts every profile the drivers list, and
// docs/config.md lists exactly them.
func TestEveryDriverProfile(t *testing.T) {
	for _, p := range mrzreader.Profiles {
		if c, err := Parse([]byte(withReaders(`profile = "`+p+`"`, ""))); err != nil || c.Devices.MRZReader.Profile != p {
			t.Errorf("MRZ reader profile %s: %v", p, err)
		}
	}
	for _, p := range cardreader.Profiles {
		if c, err := Parse([]byte(withReaders("", `profile = "`+p+`"`))); err != nil || c.Devices.CardReader.Profile != p {
			t.Errorf("card reader profile %s: %v", p, err)
		}
	}
	doc, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `profile` \\| `desko` / `em4100` \\| MRZ readers: (.*); card readers: (.*) \\|$").FindSubmatch(doc)
	if row == nil {
		t.Fatal("docs/config.md: no profile row in the readers' table")
	}
	names := func(b []byte) []string {
		var out []string
		for _, m := range regexp.MustCompile("`([^`]+)`").FindAllSubmatch(b, -1) {
			out = append(out, string(m[1]))
		}
		return out
	}
	if got := names(row[1]); !slices.Equal(got, mrzreader.Profiles) {
		t.Errorf("docs/config.md lists the MRZ reader profiles %q, the driver %q", got, mrzreader.Profiles)
	}
	if got := names(row[2]); !slices.Equal(got, cardreader.Profiles) {
		t.Errorf("docs/config.md lists the card reader profiles %q, the driver %q", got, cardreader.Profiles)
	}
}

// The drivers' rules are the configuration's: what a driver would refuse
// at Open is refused when the configuration is read, every problem at once,
// each with its path, in the one list.
func TestDriverRulesAtLoad(t *testing.T) {
	_, err := Parse([]byte(withReaders("usb = \"0403:6001\"\nbaud = 96000\nmaxFrame = -1\nsilence = \"-1s\"",
		"serial = \"A1\"\nformat = \"octal\"\nprofile = \"ascii\"\nlength = -2\ndebounce = \"-2s\"")))
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("want Errors, got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{
		`devices.mrzReader.usb: set port or usb, not both`,
		`devices.mrzReader.baud: 96000 is not a standard line speed`,
		`devices.mrzReader.maxFrame: -1`,
		`devices.cardReader.serial: a USB serial number needs usb`,
		`devices.cardReader.format: unknown ascii tag format "octal"`,
		`devices.cardReader.debounce: -2s must be positive`,
		`devices.mrzReader.silence: -1s must be positive`,
		`devices.cardReader.length: -2 must be positive`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "config:") || strings.Contains(msg, "; ") {
		t.Errorf("a driver's error format leaked:\n%s", msg)
	}
	// Rates above 230400 are standard too; a section's keys are its
	// driver's only.
	if _, err := Parse([]byte(withReaders("baud = 921600", "baud = 115200"))); err != nil {
		t.Error(err)
	}
	_, err = Parse([]byte(withReaders("debounce = \"1s\"", "maxFrame = 100")))
	for _, want := range []string{"devices.mrzReader.debounce: unknown key", "devices.cardReader.maxFrame: unknown key"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
	// Off, a reader's section may be incomplete.
	if _, err := Parse([]byte(withReaders("enabled = false\nprofile = \"acme\"", ""))); err != nil {
		t.Error(err)
	}
}
