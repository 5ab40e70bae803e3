package printer_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/xpt-pilot/xpt-kiosk/drivers/printer"
)

// FuzzESCPOS feeds the simulator's ESC/POS parser anything: it never
// panics, counts every byte, answers each status request once, and reads
// the same pages whether the bytes come whole or one by one. Seeded with
// the receipts the kiosk prints (testdata/*.bin) and their pieces.
func FuzzESCPOS(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.bin")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(b[len(b)/3:])
	}
	f.Add([]byte{0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 4})
	f.Add([]byte{0x1D, 'k', 2, '1', '2', '3', 0, 0x1D, 'V', 65, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		whole := printer.NewParser()
		var ws int
		whole.OnStatus = func(byte) { ws++ }
		pagesWhole := whole.Feed(b)
		pagesWhole = append(pagesWhole, whole.Pending())

		bytewise := printer.NewParser()
		var bs int
		bytewise.OnStatus = func(byte) { bs++ }
		var pagesBytes []printer.Page
		for i := range b {
			pagesBytes = append(pagesBytes, bytewise.Feed(b[i:i+1])...)
		}
		pagesBytes = append(pagesBytes, bytewise.Pending())

		if ws != bs {
			t.Fatalf("status requests: %d whole, %d byte by byte", ws, bs)
		}
		if !reflect.DeepEqual(norm(pagesWhole), norm(pagesBytes)) {
			t.Fatalf("pages differ:\n%+v\n%+v", pagesWhole, pagesBytes)
		}
		if s := whole.Stats(); s.Bytes != uint64(len(b)) {
			t.Fatalf("%d bytes counted of %d", s.Bytes, len(b))
		}
		for _, pg := range pagesWhole {
			if len(pg.Items) > 512 {
				t.Fatalf("%d items", len(pg.Items))
			}
			for _, it := range pg.Items {
				if len(it.Text) > 4*7089 {
					t.Fatalf("item of %d bytes", len(it.Text))
				}
			}
		}
	})
}

// norm makes empty and nil item lists equal.
func norm(pages []printer.Page) []printer.Page {
	out := make([]printer.Page, len(pages))
	for i, p := range pages {
		if len(p.Items) == 0 {
			p.Items = nil
		}
		out[i] = p
	}
	return out
}
