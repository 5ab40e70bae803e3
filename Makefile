# XPT kiosk edge agent. The README names the two commands that matter:
#   make demo   run the kiosk with simulated devices and an embedded broker
#   make test   every test
SHELL := /bin/bash
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION) -extldflags "-Wl,--exclude-libs,ALL"
# pebblegozstd: the replica's store (Pebble) uses its pure-Go zstd, not a
# cgo copy of libzstd whose symbols would sit beside the system's (OpenCV
# and GStreamer load libzstd.so).
GOTAGS := pebblegozstd

# The core builds and tests without cgo. Packages that link OpenCV,
# GStreamer or MuPDF (and the binary, which links everything) are listed in
# CGO_PKGS; everything else is core, and deptest keeps that true. The
# camera's parent package (drivers/camera: its configuration and loop) is
# pure Go and core; its leaves under drivers/camera/ are not.
CGO_PKGS = $(shell $(GO) list ./... | grep -e '/cmd/' -e '/mrz/ocr' -e '/drivers/camera/' -e '/drivers/scanner' -e '/imaging' -e '/scripts/')
CORE_PKGS = $(shell CGO_ENABLED=0 $(GO) list ./... | grep -v -e '/cmd/' -e '/mrz/ocr' -e '/drivers/camera/' -e '/drivers/scanner' -e '/imaging' -e '/scripts/') ./drivers/camera/face/landmarks/

.PHONY: all deps build test test-core test-race test-leaks test-browser test-contract bench demo fuzz clean

all: build

deps:
	@bash scripts/deps.sh

build:
	$(GO) build -tags '$(GOTAGS)' -ldflags '$(LDFLAGS)' -o bin/xpt-kiosk ./cmd/xpt-kiosk

test: deps build test-core test-race test-leaks test-browser test-contract
	@echo "make test: all passed"

# The pure-Go core, fast, with CGO_ENABLED=0.
test-core:
	CGO_ENABLED=0 $(GO) test -count=1 $(CORE_PKGS)

# The rest, and the concurrent parts of the core, under the race detector.
test-race:
	$(GO) test -count=1 -race -tags '$(GOTAGS)' $(CGO_PKGS) ./agent/... ./drivers/...

# Every gocv Mat the camera loop makes is closed (gocv's matprofile build tag).
test-leaks:
	$(GO) test -count=1 -tags '$(GOTAGS),matprofile' -run TestNoMatLeaks ./drivers/camera/cvcam/

# The three consoles in Debian's Chromium, against the real kiosk in demo mode.
test-browser: build
	@d=$$(mktemp -d) && trap 'rm -rf "$$d"' EXIT && \
	XPT_OFFICER_TOKEN=officer-demo-token XPT_TECHNICIAN_TOKEN=technician-demo-token \
	XPT_UI_CMD="bin/xpt-kiosk run --demo --data $$d/demo --listen {addr}" tests/browser/run.sh

# The command-line contracts, on the public specimens.
test-contract: build
	@if [ -x ../shared/contract/mrz-cli ]; then ../shared/contract/mrz-cli bin/xpt-kiosk; else echo "contract checks not present, skipped"; fi

# Every fuzzer, FUZZTIME each (20s): make fuzz FUZZTIME=60s
fuzz:
	@FUZZTIME=$(or $(FUZZTIME),20s) bash scripts/fuzz.sh

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./mrz/
	CGO_ENABLED=0 $(GO) test -run '^$$' -bench . -benchmem ./drivers/chip/ ./drivers/chip/pcsc/
	$(GO) test -tags '$(GOTAGS)' -run '^$$' -bench AuthzSealCost -benchtime 1x ./agent/authz/

demo: deps build
	bin/xpt-kiosk run --demo

clean:
	rm -rf bin
