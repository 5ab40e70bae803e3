package imgcodec

import (
	"testing"

	"gocv.io/x/gocv"
)

func TestRoundTrip(t *testing.T) {
	m := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(200, 100, 50, 0), 48, 64, gocv.MatTypeCV8UC3)
	defer m.Close()
	b, err := EncodeJPEG(m, 95)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Cols() != 64 || d.Rows() != 48 || d.Channels() != 3 {
		t.Fatalf("%dx%d %d channels", d.Cols(), d.Rows(), d.Channels())
	}
	v := d.GetVecbAt(10, 10)
	if abs(int(v[0])-200) > 3 || abs(int(v[1])-100) > 3 || abs(int(v[2])-50) > 3 {
		t.Fatalf("colour %v, want BGR 200,100,50", v)
	}
	if _, err := Decode([]byte("nope")); err == nil {
		t.Fatal("no error for garbage")
	}
	g := gocv.NewMatWithSize(10, 10, gocv.MatTypeCV8U)
	defer g.Close()
	if _, err := EncodeJPEG(g, 80); err != nil {
		t.Fatal(err)
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
