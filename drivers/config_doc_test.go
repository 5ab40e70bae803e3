package drivers_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/xpt-pilot/xpt-kiosk/drivers/cardreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/mrzreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/printer"
)

// TestDocumentedConfiguration decodes every TOML example of
// docs/devices.md into the drivers' configuration structs: every key must
// be one the drivers know (enabled is the agent's), and the result must
// validate. External testers configure the kiosk from that page only.
func TestDocumentedConfiguration(t *testing.T) {
	b, err := os.ReadFile("../docs/devices.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```toml\n(.*?)```").FindAllStringSubmatch(string(b), -1)
	if len(blocks) == 0 {
		t.Fatal("no toml example in docs/devices.md")
	}
	for _, blk := range blocks {
		var cfg struct {
			Devices struct {
				MRZReader  mrzreader.Config  `toml:"mrzReader"`
				CardReader cardreader.Config `toml:"cardReader"`
				Printer    *printer.Config   `toml:"printer"`
			} `toml:"devices"`
		}
		md, err := toml.Decode(blk[1], &cfg)
		if err != nil {
			t.Fatalf("%v in\n%s", err, blk[1])
		}
		for _, k := range md.Undecoded() {
			if !strings.HasSuffix(k.String(), ".enabled") {
				t.Errorf("documented key %s is not a driver configuration key", k)
			}
		}
		if p := cfg.Devices.Printer; p != nil {
			p.Defaults()
			if err := p.Validate("devices.printer"); err != nil {
				t.Error(err)
			}
			if p.Timeout != 10*time.Second || p.Queue != 4 || p.Layout().Columns != 48 {
				t.Errorf("decoded %+v", p)
			}
		}
		if !md.IsDefined("devices", "mrzReader") {
			continue
		}
		m, c := cfg.Devices.MRZReader, cfg.Devices.CardReader
		m.Defaults()
		c.Defaults()
		if err := m.Validate("devices.mrzReader"); err != nil {
			t.Error(err)
		}
		if err := c.Validate("devices.cardReader"); err != nil {
			t.Error(err)
		}
		if m.InterByteTimeout != 500*time.Millisecond || c.InterByteTimeout != 200*time.Millisecond || m.MaxFrame != 512 || m.LineSilence != 150*time.Millisecond || c.Debounce != 2*time.Second || m.IgnoreBCC || c.IgnoreChecksum {
			t.Errorf("decoded %+v %+v", m, c)
		}
	}
	var off struct {
		M mrzreader.Config `toml:"m"`
	}
	toml.Decode("[m]\nport = \"/dev/x\"\nprofile = \"3m\"\nbcc = false\nlengthCheck = false\nframeTimeout = \"1s\"", &off)
	off.M.Defaults()
	if !off.M.IgnoreBCC || !off.M.IgnoreLength || off.M.InterByteTimeout != time.Second {
		t.Errorf("bcc/lengthCheck/frameTimeout not honoured: %+v", off.M)
	}
}
