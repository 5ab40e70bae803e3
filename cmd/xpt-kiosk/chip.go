package main

import (
	"log/slog"

	"github.com/xpt-pilot/xpt-kiosk/agent/chipcheck"
	"github.com/xpt-pilot/xpt-kiosk/agent/config"
	"github.com/xpt-pilot/xpt-kiosk/agent/kiosk"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera/face"
	"github.com/xpt-pilot/xpt-kiosk/internal/demo"
)

// openChip is the chip reader the configuration enables (agent/chipcheck;
// nil when disabled), reading from src (nil: pcscd, as configured), its
// JPEG 2000 photos converted by OpenCV (face.ImageToJPEG).
func openChip(cfg *config.Config, src chipcheck.Source, log *slog.Logger) (*chipcheck.Reader, error) {
	return chipcheck.Open(cfg, src, face.ImageToJPEG, log)
}

// demoChipSource is how the kiosk reads the demo's passport chips: through
// pcscd's virtual reader the demo plays them to, or in process (nil: the
// demo has no chips).
func demoChipSource(env *demo.Env) chipcheck.Source {
	reader, chips := env.ChipReader()
	switch {
	case reader != "":
		return chipcheck.PCSC{Reader: reader}
	case chips != nil:
		return chips
	}
	return nil
}

func chipReaderOrNil(d *chipcheck.Reader) kiosk.ChipReader {
	if d == nil {
		return nil
	}
	return d
}
