package face

import (
	"context"
	"strings"
	"testing"
	"time"

	"gocv.io/x/gocv"
)

func TestStation(t *testing.T) {
	d := detector(t)
	f := makeFrames(t)
	defer f.Close()
	src := func() FrameSource { return &script{frames: []gocv.Mat{f.small, f.good, f.good, f.good}} }

	// No model: captured, verification not_supported without a score.
	s := &Station{Detector: d, Source: src, Options: CaptureOptions{Window: 5 * time.Second}}
	var guided []Code
	out := s.Run(context.Background(), []byte("reference"), func(c Code) { guided = append(guided, c) })
	if !out.Captured || out.Verify.Result != NotSupported || out.Verify.Score != nil {
		t.Fatalf("%+v", out)
	}
	if len(guided) != 2 || guided[0] != MoveCloser || guided[1] != OK {
		t.Fatalf("guidance %v, want each change once", guided)
	}
	capDesc, verDesc := s.Describe()
	if !strings.Contains(capDesc, "cascade") || !strings.Contains(verDesc, "not supported") {
		t.Fatalf("describe: %q / %q", capDesc, verDesc)
	}

	// With the produced model: the capture against itself matches.
	cmp, err := NewComparator(ModelOptions{ModelFile: writeModel(t), Threshold: 0.8, Detector: d})
	if err != nil {
		t.Fatal(err)
	}
	defer cmp.Close()
	s.Comparator = cmp
	ref, _ := EncodeJPEG(f.good, 95)
	out = s.Run(context.Background(), ref, nil)
	if out.Verify.Result != Successful || out.Verify.Score == nil {
		t.Fatalf("%+v", out.Verify)
	}
	out = s.Run(context.Background(), nil, nil)
	if out.Verify.Result != Undetermined {
		t.Fatalf("no reference: %+v", out.Verify)
	}

	// Nothing passes: FACE_CAPTURE_FAILED with the reason, no comparison.
	s.Source = func() FrameSource { return &script{frames: []gocv.Mat{f.four}, interval: 10 * time.Millisecond} }
	s.Options.Window = 300 * time.Millisecond
	s.Health = func() string { return "" }
	out = s.Run(context.Background(), ref, nil)
	if out.Captured || out.Reason != MultipleFaces || out.Verify.Result != Undetermined || out.Verify.Score != nil {
		t.Fatalf("%+v", out)
	}
}
