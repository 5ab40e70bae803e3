package cvcam

import (
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"github.com/xpt-pilot/xpt-kiosk/drivers/camera"
)

// quoted makes s one value of a launch string.
func quoted(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// A frame's bytes land in the Mat as they are, BGR; the Mat is reused
// while the size stays and replaced when it changes.
func TestToMat(t *testing.T) {
	var f camera.Frame
	f.Resize(4, 2)
	for i := range f.Pix {
		f.Pix[i] = byte(i)
	}
	m := gocv.NewMat()
	defer m.Close()
	if err := ToMat(f, &m); err != nil {
		t.Fatal(err)
	}
	if m.Cols() != 4 || m.Rows() != 2 || m.Type() != gocv.MatTypeCV8UC3 {
		t.Fatalf("Mat %dx%d type %v", m.Cols(), m.Rows(), m.Type())
	}
	if v := m.GetVecbAt(1, 2); v[0] != 18 || v[1] != 19 || v[2] != 20 {
		t.Fatalf("pixel (2,1) %v, want [18 19 20]", v)
	}
	f.Resize(3, 3)
	if err := ToMat(f, &m); err != nil || m.Cols() != 3 || m.Rows() != 3 {
		t.Fatalf("resized: %v %dx%d", err, m.Cols(), m.Rows())
	}
}
