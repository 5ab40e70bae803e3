package deptest

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/xpt-pilot/xpt-kiosk"

// cgoLibraries may be imported only by leaf packages outside the core.
var cgoLibraries = []string{"gocv.io/x/gocv", "github.com/go-gst/", "github.com/gen2brain/go-fitz"}

// deps lists pattern's transitive dependencies as "importpath standard" lines.
func deps(t *testing.T, pattern string) map[string]bool { return depsCgo(t, pattern, false) }

// depsCgo is deps with cgo on or off: with it on, the files of the cgo
// leaves that import "C" count too.
func depsCgo(t *testing.T, pattern string, cgo bool) map[string]bool {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{.Standard}}", pattern)
	cmd.Dir = ".."
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
	if cgo {
		cmd.Env = append(cmd.Environ(), "CGO_ENABLED=1")
	}
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list %s: %v\n%s", pattern, err, stderr)
	}
	m := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f := strings.Fields(line); len(f) == 2 {
			m[f[0]] = f[1] == "true"
		}
	}
	return m
}

// The protocol package is shared by the agent, central and the CLI: it
// reaches only the standard library.
func TestWireImportsOnlyStandardLibrary(t *testing.T) {
	for pkg, std := range deps(t, "./wire") {
		if !std && pkg != module+"/wire" {
			t.Errorf("wire depends on %s, outside the standard library", pkg)
		}
	}
}

func TestMRZImportsOnlyStandardLibrary(t *testing.T) {
	for pkg, std := range deps(t, "./mrz") {
		if !std && pkg != module+"/mrz" {
			t.Errorf("mrz depends on %s, outside the standard library", pkg)
		}
	}
}

func TestCoreHasNoCgoLibraries(t *testing.T) {
	for _, pattern := range []string{"./mrz", "./agent/...", "./ui/...", "./drivers", "./drivers/camera", "./drivers/chip/..."} {
		for pkg := range deps(t, pattern) {
			for _, lib := range cgoLibraries {
				if strings.HasPrefix(pkg, lib) {
					t.Errorf("%s depends on %s (cgo libraries belong in leaf packages)", pattern, pkg)
				}
			}
		}
	}
}

// imports lists pattern's packages with their direct imports.
func imports(t *testing.T, pattern string) map[string][]string {
	t.Helper()
	return importsOf(t, pattern, "{{join .Imports \" \"}}")
}

// testImports lists pattern's packages with their tests' direct imports.
func testImports(t *testing.T, pattern string) map[string][]string {
	t.Helper()
	return importsOf(t, pattern, "{{join .TestImports \" \"}} {{join .XTestImports \" \"}}")
}

// importsOf lists pattern's packages with the imports list names.
func importsOf(t *testing.T, pattern, list string) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}} "+list, pattern)
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pattern, err)
	}
	m := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 {
			m[f[0]] = f[1:]
		}
	}
	return m
}

// Drivers know devices, not the agent: no package under drivers/ imports
// agent/... (the scanner reports a QR code's text; the agent verifies a
// letter in it, once). Every pure-Go package under drivers/ (all but the
// cgo leaves under drivers/camera/ and drivers/scanner) stays free of the
// cgo libraries, with CGO_ENABLED=0.
func TestDriversDoNotImportTheAgent(t *testing.T) {
	for pkg, imps := range imports(t, "./drivers/...") {
		for _, imp := range imps {
			if strings.HasPrefix(imp, module+"/agent/") {
				t.Errorf("%s imports %s: drivers must not depend on the agent", pkg, imp)
			}
		}
	}
	for pkg := range imports(t, "./drivers/...") {
		rel := "./" + strings.TrimPrefix(pkg, module+"/")
		if strings.HasPrefix(rel, "./drivers/camera/") || strings.HasPrefix(rel, "./drivers/scanner") {
			continue
		}
		for dep := range deps(t, rel) {
			for _, lib := range cgoLibraries {
				if strings.HasPrefix(dep, lib) {
					t.Errorf("%s depends on %s (cgo libraries belong in leaf packages)", rel, dep)
				}
			}
		}
	}
}

// The camera's cgo leaves keep to one library each: the GStreamer source
// (drivers/camera/gstcam) never reaches OpenCV, and the Mat side
// (drivers/camera/cvcam; face, which reads Mats from any source; facecam,
// the kiosk's camera station over them, given an opened camera) never
// reaches GStreamer; they meet only in drivers/camera's plain Frame. cmd
// imports neither library itself, nor do its tests: it passes plain Go
// types to the camera and face packages.
func TestCameraLeavesKeepToTheirLibrary(t *testing.T) {
	const gocv, gst = "gocv.io/x/gocv", "github.com/go-gst/"
	for pattern, banned := range map[string]string{
		"./drivers/camera/gstcam":  gocv,
		"./drivers/camera/cvcam":   gst,
		"./drivers/camera/face":    gst,
		"./drivers/camera/facecam": gst,
	} {
		for pkg := range depsCgo(t, pattern, true) {
			if strings.HasPrefix(pkg, banned) {
				t.Errorf("%s depends on %s", pattern, pkg)
			}
		}
	}
	for _, list := range []map[string][]string{imports(t, "./cmd/xpt-kiosk"), testImports(t, "./cmd/xpt-kiosk")} {
		for pkg, imps := range list {
			for _, imp := range imps {
				if strings.HasPrefix(imp, gocv) || strings.HasPrefix(imp, gst) {
					t.Errorf("%s (or its tests) imports %s: cmd goes through the camera and face packages", pkg, imp)
				}
			}
		}
	}
}

// The ePassport chip packages (drivers/chip/...: the protocol, passive
// authentication, the issuer, the card emulator and the pcscd client) are
// pure Go: with CGO_ENABLED=0 they reach only the standard library and this
// module's mrz and drivers packages, so a kiosk can read and verify a chip
// without cgo and without a third-party module on the security path.
func TestChipIsPureGoStandardLibrary(t *testing.T) {
	for pkg, std := range deps(t, "./drivers/chip/...") {
		if std || pkg == module+"/mrz" || pkg == module+"/drivers" || strings.HasPrefix(pkg, module+"/drivers/chip") {
			continue
		}
		t.Errorf("drivers/chip/... depends on %s", pkg)
	}
}

// The kiosk core (agent/kiosk) sees the replica, the outbox's health and
// the link through narrow interfaces of its own in plain types: it never
// reaches the replica's store (Pebble) nor the MQTT client (paho), nor the
// packages that wrap them (agent/authz, agent/link).
func TestKioskCoreReachesNoStoreNorBroker(t *testing.T) {
	heavy := []string{"github.com/cockroachdb/pebble", "github.com/eclipse/paho.mqtt.golang", module + "/agent/authz", module + "/agent/link"}
	for pkg := range deps(t, "./agent/kiosk") {
		for _, h := range heavy {
			if pkg == h || strings.HasPrefix(pkg, h+"/") {
				t.Errorf("agent/kiosk depends on %s", pkg)
			}
		}
	}
}

// The decision (agent/decide) is a pure function over the protocol's
// types: it reaches only the standard library and wire. The parsed
// zone is mapped into its Document by agent/mrzdoc, which adds mrz and
// nothing else; mrz itself knows nothing of the agent (above).
func TestDecisionAndItsDocumentStayLight(t *testing.T) {
	for pattern, allowed := range map[string][]string{
		"./agent/decide": {module + "/agent/decide", module + "/wire"},
		"./agent/mrzdoc": {module + "/agent/mrzdoc", module + "/agent/decide", module + "/wire", module + "/mrz"},
	} {
		for pkg, std := range deps(t, pattern) {
			if !std && !slices.Contains(allowed, pkg) {
				t.Errorf("%s depends on %s", pattern, pkg)
			}
		}
	}
}

// The single-machine demo (internal/demo: the embedded broker, the
// central simulator, the simulated devices and the console's simulator
// panel) is cmd's to run: no other package, nor any other package's tests,
// imports it, so that nothing the kiosk runs on can reach the demo's fixed
// tokens and accounts. It is pure Go, tested with the core.
func TestOnlyCmdImportsTheDemo(t *testing.T) {
	const demo = module + "/internal/demo"
	for _, list := range []map[string][]string{imports(t, "./..."), testImports(t, "./...")} {
		for pkg, imps := range list {
			if pkg == module+"/cmd/xpt-kiosk" || pkg == demo {
				continue
			}
			if slices.Contains(imps, demo) {
				t.Errorf("%s (or its tests) imports %s: only cmd/xpt-kiosk runs the demo", pkg, demo)
			}
		}
	}
	for pkg := range deps(t, "./internal/demo") {
		for _, lib := range cgoLibraries {
			if strings.HasPrefix(pkg, lib) {
				t.Errorf("internal/demo depends on %s (the demo is pure Go)", pkg)
			}
		}
	}
}

// The kiosk's chip reader (agent/chipcheck) reads real chips only: it
// reaches the chip stack's protocol and its pcscd client, never the test
// issuer nor the emulated chip (drivers/chip/issuer, drivers/chip/cardsim;
// the demo's chips are handed to it as a Source, by cmd), nor the demo,
// nor a camera leaf (drivers/camera/...: a JPEG 2000 photo is converted
// by the function it is given, cmd passes face.ImageToJPEG; the camera's
// pure-Go parent comes with agent/config). The kiosk core sees it only
// through kiosk.ChipReader: agent/kiosk reaches neither it nor
// drivers/chip. A banned entry ending in "/" bans what is under it.
func TestChipReaderReachesNoTestChips(t *testing.T) {
	for pattern, banned := range map[string][]string{
		"./agent/chipcheck": {module + "/drivers/chip/issuer", module + "/drivers/chip/cardsim", module + "/internal/demo", module + "/drivers/camera/"},
		"./agent/kiosk":     {module + "/agent/chipcheck", module + "/drivers/chip"},
	} {
		for pkg := range deps(t, pattern) {
			for _, b := range banned {
				under := strings.TrimSuffix(b, "/") + "/"
				if pkg == b || strings.HasPrefix(pkg, under) {
					t.Errorf("%s depends on %s", pattern, pkg)
				}
			}
		}
	}
}
