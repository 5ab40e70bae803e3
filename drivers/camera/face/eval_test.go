package face

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gocv.io/x/gocv"
)

// A labelled face: who it is and the frame (BGR) the comparator sees.
type labelled struct {
	who, name string
	frame     gocv.Mat
}

// gocvDir is gocv's module directory (its contrib/att_faces holds a
// sample of the ORL face database: subjects s1, s2, s3).
func gocvDir(t testing.TB) string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "gocv.io/x/gocv").Output()
	if err != nil {
		t.Skipf("go list gocv: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// onCanvas puts img (scaled to side pixels high) in the middle of a
// 640x480 frame of its own edge colour, as a camera or a passport photo
// would frame it.
func onCanvas(img gocv.Mat, side int) gocv.Mat {
	w := img.Cols() * side / img.Rows()
	scaled := gocv.NewMat()
	gocv.Resize(img, &scaled, image.Pt(w, side), 0, 0, gocv.InterpolationCubic)
	out := gocv.NewMat()
	top, left := (480-side)/2, (640-w)/2
	gocv.CopyMakeBorder(scaled, &out, top, 480-side-top, left, 640-w-left, gocv.BorderReplicate, color.RGBA{})
	scaled.Close()
	return out
}

// variants are what a live capture does to a face that the reference
// photo does not: another size and place, a tilt, dimmer light, JPEG.
func variants(who string, base gocv.Mat) []labelled {
	var out []labelled
	add := func(name string, m gocv.Mat) { out = append(out, labelled{who, who + "/" + name, m}) }
	add("reference", place(base, 440, 100, 20))
	add("smaller", place(base, 300, 170, 90))
	add("left", place(base, 380, 40, 50))
	tilt := place(base, 420, 110, 30)
	rot := gocv.GetRotationMatrix2D(image.Pt(320, 240), 6, 1)
	tilted := gocv.NewMat()
	gocv.WarpAffineWithParams(tilt, &tilted, rot, image.Pt(640, 480), gocv.InterpolationLinear, gocv.BorderReplicate, color.RGBA{})
	rot.Close()
	tilt.Close()
	add("tilted", tilted)
	tilt = place(base, 420, 110, 30)
	rot = gocv.GetRotationMatrix2D(image.Pt(320, 240), -14, 1)
	tilted = gocv.NewMat()
	gocv.WarpAffineWithParams(tilt, &tilted, rot, image.Pt(640, 480), gocv.InterpolationLinear, gocv.BorderReplicate, color.RGBA{})
	rot.Close()
	tilt.Close()
	add("tilted14", tilted)
	dim := place(base, 440, 100, 20)
	dimmer := gocv.NewMat()
	dim.ConvertToWithParams(&dimmer, gocv.MatTypeCV8UC3, 0.6, 10)
	dim.Close()
	add("dim", dimmer)
	j := place(base, 400, 120, 40)
	b, _ := gocv.IMEncodeWithParams(gocv.JPEGFileExt, j, []int{gocv.IMWriteJpegQuality, 35})
	j.Close()
	dec, _ := gocv.IMDecode(b.GetBytes(), gocv.IMReadColor)
	b.Close()
	add("jpeg35", dec)
	return out
}

// evaluationSet is every labelled face this machine has (docs/camera.md,
// "Figures"): the ORL subjects gocv ships (3 people, 19 photos taken on
// different days), the demo's face and the four faces of testdata (each
// with the live-capture variants), gocv's own sample face.
func evaluationSet(t testing.TB) []labelled {
	var set []labelled
	orl := filepath.Join(gocvDir(t), "contrib", "att_faces")
	for _, s := range []string{"s1", "s2", "s3"} {
		files, _ := filepath.Glob(filepath.Join(orl, s, "*.pgm"))
		sort.Strings(files)
		for _, f := range files {
			g := gocv.IMRead(f, gocv.IMReadColor)
			if g.Empty() {
				t.Fatalf("cannot read %s", f)
			}
			set = append(set, labelled{"orl-" + s, "orl-" + s + "/" + filepath.Base(f), onCanvas(g, 300)})
			g.Close()
		}
	}
	face := read(t, "testdata/face.jpg")
	set = append(set, variants("demo", face)...)
	face.Close()
	four := read(t, "testdata/four-faces.jpg")
	h, w := four.Rows()/2, four.Cols()/2
	for i := 0; i < 4; i++ {
		r := four.Region(image.Rect(i%2*w, i/2*h, i%2*w+w, i/2*h+h))
		q := r.Clone()
		r.Close()
		set = append(set, variants(fmt.Sprintf("four-%d", i), q)...)
		q.Close()
	}
	four.Close()
	g := read(t, filepath.Join(gocvDir(t), "images", "face.jpg"))
	set = append(set, labelled{"gocv-face", "gocv-face/face.jpg", g})
	return set
}

// groupFaces are the faces of @vladmandic/face-api's demo photos (group
// photos of people unnamed), each cut with a margin as its own frame: two
// faces of one photo are two people; faces of different photos are left
// unpaired (the same person may be in several).
func groupFaces(t testing.TB) []labelled {
	files, _ := filepath.Glob(filepath.Join("model", "node_modules", "@vladmandic", "face-api", "demo", "sample*.jpg"))
	if len(files) == 0 {
		return nil
	}
	cc := gocv.NewCascadeClassifier()
	defer cc.Close()
	if !cc.Load("/usr/share/opencv4/haarcascades/haarcascade_frontalface_alt2.xml") {
		t.Fatal("no face cascade")
	}
	var out []labelled
	for _, f := range files {
		img := read(t, f)
		grey := gocv.NewMat()
		gocv.CvtColor(img, &grey, gocv.ColorBGRToGray)
		rects := cc.DetectMultiScaleWithParams(grey, 1.1, 5, 0, image.Pt(90, 90), image.Pt(0, 0))
		grey.Close()
		for i, r := range rects {
			m := r.Dx() / 2
			box := image.Rect(r.Min.X-m, r.Min.Y-m, r.Max.X+m, r.Max.Y+m).Intersect(image.Rect(0, 0, img.Cols(), img.Rows()))
			reg := img.Region(box)
			frame := onCanvas(reg, 400)
			reg.Close()
			// Keep it only when the face the comparator takes (the largest)
			// is this one, in the middle, not a neighbour.
			q := detector(t).Analyze(frame)
			c := q.Face.Min.Add(q.Face.Max).Div(2)
			if q.Face.Empty() || c.X < 260 || c.X > 380 || c.Y < 180 || c.Y > 300 {
				frame.Close()
				continue
			}
			photo := strings.TrimSuffix(filepath.Base(f), ".jpg")
			out = append(out, labelled{fmt.Sprintf("%s-face%d", photo, i), fmt.Sprintf("%s/face%d", photo, i), frame})
		}
		img.Close()
	}
	return out
}

type pairScore struct {
	a, b  string
	same  bool
	score float64
}

// TestVerifyFigures scores every pair of the evaluation set with the
// dlib model and prints the false match and false non-match rates at the
// default threshold. It is an evaluation, run by scripts/bench-face.sh
// (XPT_FACE_EVAL=1), not part of the default suite.
func TestVerifyFigures(t *testing.T) {
	if os.Getenv("XPT_FACE_EVAL") == "" {
		t.Skip("XPT_FACE_EVAL=1 runs the evaluation (scripts/bench-face.sh)")
	}
	c := dlibComparator(t)
	set := evaluationSet(t)
	group := len(set)
	set = append(set, groupFaces(t)...)
	defer func() {
		for _, l := range set {
			l.frame.Close()
		}
	}()
	emb := make([][]float32, len(set))
	for i, l := range set {
		v, err := c.EmbedFrame(l.frame)
		if err != nil {
			t.Logf("%s: %v (left out)", l.name, err)
			continue
		}
		emb[i] = v
	}
	var pairs []pairScore
	for i := range set {
		for j := i + 1; j < len(set); j++ {
			if emb[i] == nil || emb[j] == nil {
				continue
			}
			if j >= group && i >= group && strings.Split(set[i].name, "/")[0] != strings.Split(set[j].name, "/")[0] {
				continue // faces of two group photos: unlabelled
			}
			pairs = append(pairs, pairScore{set[i].name, set[j].name, set[i].who == set[j].who, c.Score(emb[i], emb[j])})
		}
	}
	used := map[string]int{}
	for i, l := range set {
		if emb[i] != nil {
			src := strings.SplitN(l.who, "-", 2)[0]
			if strings.HasPrefix(src, "sample") {
				src = "group photos"
			}
			used[src]++
		}
	}
	fmt.Printf("faces embedded: %d of %d (%v)\n", len(set)-countNil(emb), len(set), used)
	report(t, pairs, c.o.Threshold)
}

// meanSD is the mean and standard deviation of the pairs' scores.
func meanSD(ps []pairScore) (mean, sd float64) {
	if len(ps) == 0 {
		return 0, 0
	}
	for _, p := range ps {
		mean += p.score
	}
	mean /= float64(len(ps))
	for _, p := range ps {
		sd += (p.score - mean) * (p.score - mean)
	}
	return mean, math.Sqrt(sd / float64(len(ps)))
}

func report(t *testing.T, pairs []pairScore, th float64) {
	var gen, imp []pairScore
	for _, p := range pairs {
		if p.same {
			gen = append(gen, p)
		} else {
			imp = append(imp, p)
		}
	}
	sort.Slice(gen, func(i, j int) bool { return gen[i].score < gen[j].score })
	sort.Slice(imp, func(i, j int) bool { return imp[i].score > imp[j].score })
	fnm, fm := 0, 0
	for _, p := range gen {
		if p.score < th {
			fnm++
		}
	}
	for _, p := range imp {
		if p.score >= th {
			fm++
		}
	}
	fmt.Printf("pairs: %d genuine, %d impostor\n", len(gen), len(imp))
	mg, sg := meanSD(gen)
	mi, si := meanSD(imp)
	fmt.Printf("scores: genuine mean %.4f (sd %.4f), impostor mean %.4f (sd %.4f); decidability d' %.2f\n",
		mg, sg, mi, si, (mg-mi)/math.Sqrt((sg*sg+si*si)/2))
	if f := os.Getenv("XPT_FACE_PAIRS"); f != "" {
		var b strings.Builder
		for _, p := range pairs {
			fmt.Fprintf(&b, "%v %.4f %s %s\n", p.same, p.score, p.a, p.b)
		}
		os.WriteFile(f, []byte(b.String()), 0o644)
	}
	fmt.Printf("threshold %.3f: false non-match %d/%d = %.1f%%, false match %d/%d = %.2f%%\n",
		th, fnm, len(gen), 100*float64(fnm)/float64(max(1, len(gen))), fm, len(imp), 100*float64(fm)/float64(max(1, len(imp))))
	for i := 0; i < min(5, len(gen)); i++ {
		fmt.Printf("  lowest genuine   %.4f  %s ~ %s\n", gen[i].score, gen[i].a, gen[i].b)
	}
	for i := 0; i < min(5, len(imp)); i++ {
		fmt.Printf("  highest impostor %.4f  %s ~ %s\n", imp[i].score, imp[i].a, imp[i].b)
	}
	for _, th2 := range []float64{0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60} {
		fnm, fm := 0, 0
		for _, p := range gen {
			if p.score < th2 {
				fnm++
			}
		}
		for _, p := range imp {
			if p.score >= th2 {
				fm++
			}
		}
		fmt.Printf("  at %.2f: FNMR %5.1f%% (%d), FMR %5.2f%% (%d)\n", th2, 100*float64(fnm)/float64(max(1, len(gen))), fnm, 100*float64(fm)/float64(max(1, len(imp))), fm)
	}
}

func countNil(v [][]float32) int {
	n := 0
	for _, x := range v {
		if x == nil {
			n++
		}
	}
	return n
}
