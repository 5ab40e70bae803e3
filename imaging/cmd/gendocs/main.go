// Command gendocs renders synthetic document pages (see imaging/docgen) with
// their ground truth, for the MRZ reader's tests and benchmarks.
//
//	go run ./imaging/cmd/gendocs -out var/bench-docs -n 5
//
// writes, for every format, level and container, n pages named
// FORMAT-LEVEL-SEED.EXT and a truth.jsonl with one {"file","lines",...} per
// page.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/xpt-pilot/xpt-kiosk/imaging/docgen"
)

func main() {
	out := flag.String("out", "var/bench-docs", "output directory")
	n := flag.Int("n", 3, "pages per format, level and container")
	formats := flag.String("formats", "TD1,TD3", "comma-separated formats (TD1, TD2, TD3)")
	levels := flag.String("levels", strings.Join(docgen.Levels, ","), "comma-separated degradation levels")
	exts := flag.String("ext", "png,jpg,pdf", "comma-separated containers")
	seed := flag.Int64("seed", 1, "first seed")
	camera := flag.Float64("camera", 0.25, "fraction of pages rendered as camera frames")
	dpi := flag.Int("dpi", 0, "scan resolution (0: random 200..300)")
	tight := flag.Bool("tight", false, "crop scanner pages close around the document")
	gray := flag.Bool("gray", false, "grey pages")
	quality := flag.Int("jpeg-quality", 85, "quality of JPEG files and of the image in PDFs")
	flag.Parse()
	docgen.JPEGQuality = *quality
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
	tf, err := os.Create(filepath.Join(*out, "truth.jsonl"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
	defer tf.Close()
	enc := json.NewEncoder(tf)
	s := *seed
	for _, f := range strings.Split(*formats, ",") {
		for _, l := range strings.Split(*levels, ",") {
			for _, e := range strings.Split(*exts, ",") {
				for i := 0; i < *n; i++ {
					s++
					spec := docgen.Spec{Format: f, Level: l, Seed: s, Camera: float64((s*37)%100)/100 < *camera, DPI: *dpi, Tight: *tight, Gray: *gray}
					p, err := docgen.Render(spec)
					if err != nil {
						fmt.Fprintln(os.Stderr, "gendocs:", err)
						os.Exit(1)
					}
					name := fmt.Sprintf("%s-%s-%d.%s", f, l, s, e)
					if err := docgen.Save(p, filepath.Join(*out, name)); err != nil {
						fmt.Fprintln(os.Stderr, "gendocs:", err)
						os.Exit(1)
					}
					enc.Encode(map[string]any{"file": name, "format": f, "level": l, "camera": spec.Camera, "dpi": p.DPI, "lines": p.Lines})
				}
			}
		}
	}
}
