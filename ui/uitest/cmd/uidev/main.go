// Command uidev serves the ui package's screens over the in-memory kiosk
// of package uitest, to look at the pages and run the browser tests
// without the agent or any device:
//
//	go run ./ui/uitest/cmd/uidev -listen 127.0.0.1:8080
//
// The officer's queue starts with uitest.ChipFixtures: referrals whose
// passport chip was genuine, tampered, untrusted, unreadable (and one from a
// kiosk without a chip reader), with their photos; -no-chip-fixtures leaves
// them out.
//
// The consoles' accounts are those of the demo (officer B1234, password
// officer-demo-password; technician T100, technician-demo-password;
// supervisor S1, supervisor-demo-password), in a temporary accounts file.
// The API tokens come from XPT_OFFICER_TOKEN and XPT_TECHNICIAN_TOKEN (or
// the flags); they default to "officer-dev" and "tech-dev".
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/accounts"
	"github.com/xpt-pilot/xpt-kiosk/ui"
	"github.com/xpt-pilot/xpt-kiosk/ui/uitest"
)

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func main() {
	listen := flag.String("listen", "127.0.0.1:8080", "address to serve on (loopback)")
	officer := flag.String("officer-token", env("XPT_OFFICER_TOKEN", "officer-dev"), "officer console token")
	tech := flag.String("tech-token", env("XPT_TECHNICIAN_TOKEN", "tech-dev"), "technician console token")
	noSim := flag.Bool("no-sim", false, "leave out the simulator panel")
	noChip := flag.Bool("no-chip-fixtures", false, "leave out the referrals with passport chip data (uitest.ChipFixtures)")
	debug := flag.Bool("debug", false, "log at debug level")
	flag.Parse()

	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	dir, err := os.MkdirTemp("", "uidev-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "uidev:", err)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)
	accts, err := accounts.Open(filepath.Join(dir, "accounts.json"), accounts.Options{})
	if err == nil {
		for _, a := range []struct {
			id, pw string
			role   accounts.Role
		}{{"B1234", "officer-demo-password", accounts.Officer}, {"T100", "technician-demo-password", accounts.Technician},
			{"S1", "supervisor-demo-password", accounts.Supervisor}} {
			if err = accts.Add(a.id, "", a.role, a.pw); err != nil {
				break
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "uidev:", err)
		os.Exit(1)
	}

	k := uitest.New()
	if !*noChip {
		k.AddChipFixtures()
	}
	go k.Run(ctx)
	opts := ui.Options{Kiosk: k, Receipts: k, Preview: http.HandlerFunc(mjpeg), OfficerToken: *officer,
		TechnicianToken: *tech, Accounts: accts, Logger: log, Diagnostics: k}
	if !*noSim {
		opts.Sim = k
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "uidev:", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: ui.New(opts), ReadHeaderTimeout: 5 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	log.Info("uidev: serving", "url", "http://"+ln.Addr().String()+"/")
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "uidev:", err)
		os.Exit(1)
	}
}

// mjpeg stands in for the camera: a moving bar on grey, as MJPEG.
func mjpeg(w http.ResponseWriter, r *http.Request) {
	mw := multipart.NewWriter(w)
	w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary="+mw.Boundary())
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		img := image.NewGray(image.Rect(0, 0, 320, 240))
		for y := 0; y < 240; y++ {
			for x := 0; x < 320; x++ {
				v := uint8(60 + y/4)
				if (x+i*8)%320 < 16 {
					v = 230
				}
				img.SetGray(x, y, color.Gray{v})
			}
		}
		pw, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"image/jpeg"}})
		if err != nil {
			return
		}
		if jpeg.Encode(pw, img, &jpeg.Options{Quality: 70}) != nil || rc.Flush() != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
	}
}
