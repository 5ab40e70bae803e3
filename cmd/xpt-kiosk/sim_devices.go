package main

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers/cardreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/mrzreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
	"github.com/xpt-pilot/xpt-kiosk/mrz"
)

func runSimMRZReader(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runSimReader(sim.KindMRZ, args, stdin, stdout, stderr)
}

func runSimCardReader(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runSimReader(sim.KindCard, args, stdin, stdout, stderr)
}

const simReaderUsage = `Usage: xpt-kiosk sim %[1]s [--profile NAME] [--link PATH] [--control SOCKET] [flags]

Simulates a %[2]s on a new pseudo-terminal. The first line printed on
standard output is the device path: point the kiosk (or 'xpt-kiosk devices
read --port PATH') at it, or at the --link symlink, which stays the same
across disconnect/reconnect. Then type commands on standard input, or send
them to the --control unix socket (one per line, e.g. with
'echo present | socat - UNIX-CONNECT:SOCKET'); each gets a one-line reply.
Without --control it stops when standard input ends; with --control it keeps
running until Ctrl-C or a client sends "shutdown".

Profiles: %[3]s

%[4]s

Flags:
`

func runSimReader(kind string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	name, what, profiles, def := "mrz-reader", "passport MRZ reader", sim.MRZProfiles, mrzreader.DefaultProfile
	if kind == sim.KindCard {
		name, what, profiles, def = "card-reader", "trusted-traveler card reader", sim.CardProfiles, cardreader.DefaultProfile
	}
	fs := newFlags("sim "+name, fmt.Sprintf(simReaderUsage, name, what, strings.Join(profiles, ", "), sim.ReaderHelp(kind)), stderr)
	profile := fs.String("profile", def, "wire `profile` to speak")
	link := fs.String("link", "", "keep a symlink at `PATH` pointing at the current pty (stable across reconnects)")
	control := fs.String("control", "", "also take commands on a unix socket at `PATH`")
	baud := fs.Int("baud", 9600, "pace the bytes like a line at this speed (0: as fast as possible)")
	docs := fs.String("docs", "", "MRZ: a `file` of documents (2 or 3 lines each, separated by blank lines; # comments); card: a file of tags, one per line")
	if kind == sim.KindCard {
		fs.StringVar(docs, "tags", "", "card: a `file` of tags, one per line (same as --docs)")
	}
	generated := fs.Bool("generated", false, "MRZ: 'present' with no argument presents a newly generated document")
	faults := fs.String("faults", "", "faults from the start, comma-separated: noise, split, badsum, slow")
	hold := fs.Duration("hold", time.Second, "card: how long a presented card stays in the field")
	repeat := fs.Duration("repeat", 100*time.Millisecond, "card: how often em4100/uhf-m100 readers repeat a card in the field")
	seed := fs.Uint64("seed", 0, "random seed for noise and generated documents (0: from the clock)")
	verbose := fs.Bool("v", false, "log each frame sent, unplug and plug-in on standard error")
	if _, code := parseArgs(fs, args, stdout, 0, 0); code >= 0 {
		return code
	}
	if *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}
	o := sim.Options{Kind: kind, Profile: strings.ToLower(*profile), Link: *link, Baud: *baud, Hold: *hold, Repeat: *repeat, Seed: *seed}
	if *verbose {
		o.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if *docs != "" {
		var err error
		if kind == sim.KindMRZ {
			o.Documents, err = sim.ReadDocuments(*docs)
		} else {
			o.Tags, err = sim.ReadTags(*docs)
		}
		if err != nil {
			fmt.Fprintf(stderr, "xpt-kiosk sim %s: --docs %s: %v\n", name, *docs, err)
			return exitUsage
		}
	}
	rng := rand.New(rand.NewPCG(*seed, *seed^0x9e3779b97f4a7c15))
	var rngMu sync.Mutex
	formats := mrz.TravelFormats() // as before the licences: the same documents for a seed
	o.Generate = func() ([]string, error) {
		rngMu.Lock()
		defer rngMu.Unlock()
		return mrz.Generate(mrz.RandomFieldsOf(rng, formats...))
	}
	o.PresentGenerated = *generated
	s, err := sim.New(o)
	if err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk sim %s: %v\n", name, err)
		if strings.Contains(err.Error(), "ptmx") {
			fmt.Fprintln(stderr, "  This machine cannot make pseudo-terminals (is /dev/pts mounted?).")
		}
		return exitFail
	}
	defer s.Close()
	if *faults != "" {
		if _, err := s.Exec("fault " + strings.ReplaceAll(*faults, ",", " ")); err != nil {
			fmt.Fprintf(stderr, "xpt-kiosk sim %s: --faults: %v\n", name, err)
			return exitUsage
		}
	}
	fmt.Fprintln(stdout, s.TTY())
	fmt.Fprintf(stderr, "%s simulator, profile %s, on %s", what, o.Profile, s.TTY())
	if *link != "" {
		fmt.Fprintf(stderr, " (link %s)", *link)
	}
	fmt.Fprintln(stderr)
	section := map[string]string{sim.KindMRZ: "mrzReader", sim.KindCard: "cardReader"}[kind]
	fmt.Fprintf(stderr, "kiosk configuration: [devices.%s] port = %q, profile = %q, baud = %d\n", section, s.Path(), o.Profile, max(*baud, 9600))
	return serveSimulator(s, *control, "sim "+name, stdin, stdout, stderr)
}

// serveSimulator runs s's console (sim.RunConsole) until quit, Ctrl-C or
// "shutdown" on the control socket.
func serveSimulator(s sim.Console, control, name string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, cancel := signalContext()
	defer cancel()
	if err := sim.RunConsole(ctx, s, control, stdin, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "xpt-kiosk %s: %v\n", name, err)
		return exitFail
	}
	return exitOK
}
