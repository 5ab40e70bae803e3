// Package gstcam is the camera's GStreamer frame source (go-gst): it
// builds and plays the launch strings package camera makes and copies each
// frame out of the appsink as plain BGR bytes (camera.Frame). It does not
// import OpenCV; package cvcam turns frames into Mats.
package gstcam

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/go-gst/go-gst/gst"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/camera"
)

var gstInit sync.Once

// Open validates cfg and starts a camera on GStreamer (see camera.Open).
func Open(cfg camera.Config) (*camera.Camera, error) {
	return camera.Open(cfg, Source{})
}

// Source is the GStreamer camera.Source.
type Source struct{}

// Start implements camera.Source.
func (Source) Start(launch string, timeout time.Duration) (camera.Stream, error) {
	pl, err := startPipeline(launch, timeout)
	if err != nil {
		return nil, err
	}
	return pl, nil
}

// initGStreamer initialises GStreamer once per process.
func initGStreamer() { gstInit.Do(func() { gst.Init(nil) }) }

// pipeline is one built GStreamer pipeline and the appsink it ends in.
type pipeline struct {
	p    *gst.Pipeline
	bus  *gst.Bus
	sink *gst.Element
}

// startPipeline parses launch, finds the appsink and sets the pipeline
// PLAYING, waiting up to timeout for the state change. Any error is a
// *drivers.Error; the pipeline is torn down on error.
func startPipeline(launch string, timeout time.Duration) (*pipeline, error) {
	initGStreamer()
	p, err := gst.NewPipelineFromString(launch)
	if err != nil {
		return nil, classify(err.Error(), "", "parse")
	}
	pl := &pipeline{p: p, bus: p.GetPipelineBus()}
	pl.sink, err = findSink(p)
	if err != nil {
		pl.Stop()
		return nil, &drivers.Error{Kind: drivers.CodeConfig, Op: "parse", Err: err}
	}
	if err := p.SetState(gst.StatePlaying); err != nil {
		e := pl.busErrorWait(time.Second)
		pl.Stop()
		if e != nil {
			return nil, e
		}
		return nil, &drivers.Error{Kind: drivers.CodeIO, Op: "start", Err: err}
	}
	ret, _ := p.GetState(gst.StatePlaying, gst.ClockTime(timeout.Nanoseconds()))
	if ret == gst.StateChangeFailure {
		e := pl.busErrorWait(time.Second)
		pl.Stop()
		if e != nil {
			return nil, e
		}
		return nil, &drivers.Error{Kind: drivers.CodeIO, Op: "start", Err: errors.New("the pipeline could not start")}
	}
	// ASYNC after the timeout: a live source that has not produced yet; the
	// stall watchdog catches one that never does.
	return pl, nil
}

func findSink(p *gst.Pipeline) (*gst.Element, error) {
	if e, err := p.GetElementByName(camera.SinkName); err == nil && e != nil {
		return e, nil
	}
	sinks, _ := p.GetSinkElements()
	for _, e := range sinks {
		if f := e.GetFactory(); f != nil && f.GetName() == "appsink" {
			return e, nil
		}
	}
	return nil, fmt.Errorf("the launch string has no appsink (name it %q, or end the string before the conversion and let the camera add it)", camera.SinkName)
}

// BusError pops the pending messages and returns the first error or EOS as
// a device error, or nil when there is none.
func (pl *pipeline) BusError() *drivers.Error { return pl.busErrorWait(0) }

// Pull copies the appsink's next frame into dst (camera.Stream).
func (pl *pipeline) Pull(timeout time.Duration, dst *camera.Frame) error {
	return pullInto(pl.sinkPtr(), timeout, dst)
}

// busErrorWait is busError waiting up to d for the first message.
func (pl *pipeline) busErrorWait(d time.Duration) *drivers.Error {
	for {
		m := pl.bus.TimedPopFiltered(gst.ClockTime(d.Nanoseconds()), gst.MessageError|gst.MessageEOS)
		d = 0
		if m == nil {
			return nil
		}
		switch m.Type() {
		case gst.MessageEOS:
			return &drivers.Error{Kind: drivers.CodeDisconnected, Op: "read", Err: camera.ErrEOS}
		case gst.MessageError:
			if ge := m.ParseError(); ge != nil {
				return classify(ge.Error(), ge.DebugString(), "read")
			}
			return &drivers.Error{Kind: drivers.CodeIO, Op: "read", Err: errors.New("GStreamer error")}
		}
	}
}

// sinkPtr is the appsink as a GstElement*, for pullInto.
func (pl *pipeline) sinkPtr() unsafe.Pointer { return unsafe.Pointer(pl.sink.Unsafe()) }

// Stop sets the pipeline to NULL, which releases the device and every
// buffer; GStreamer's own references are dropped with the Go wrappers.
func (pl *pipeline) Stop() {
	if pl == nil || pl.p == nil {
		return
	}
	_ = pl.p.SetState(gst.StateNull)
	pl.p = nil
}

// classify maps a GStreamer error message (and its debug string) onto a
// device error code. GStreamer's Go binding does not expose the error's
// domain and code, so the English messages of the core and good plugins
// are matched; anything else is io.
func classify(msg, debug, op string) *drivers.Error {
	m := strings.ToLower(msg + " " + debug)
	kind := drivers.CodeIO
	switch {
	case strings.Contains(m, "no element"), strings.Contains(m, "no such element"),
		strings.Contains(m, "syntax error"), strings.Contains(m, "could not link"),
		strings.Contains(m, "too short for a pipeline"), strings.Contains(m, "no property"),
		strings.Contains(m, "could not set property"), strings.Contains(m, "empty pipeline"),
		strings.Contains(m, "unexpected reference"):
		kind = drivers.CodeConfig
	case strings.Contains(m, "isn't a v4l2 driver"), strings.Contains(m, "not a capture device"),
		strings.Contains(m, "not a v4l2 device"), strings.Contains(m, "not a video capture device"):
		// The path is there but is not a camera's capture node (a USB
		// camera's second /dev/video node carries only metadata).
		kind = drivers.CodeConfig
	case strings.Contains(m, "missing a plug-in"), strings.Contains(m, "missing plug"):
		kind = drivers.CodeNotBuilt
	case strings.Contains(m, "permission denied"), strings.Contains(m, "not authorized"):
		kind = drivers.CodePermission
	case strings.Contains(m, "busy"):
		kind = drivers.CodeBusy
	case strings.Contains(m, "cannot identify device"), strings.Contains(m, "not found"),
		strings.Contains(m, "no such file"), strings.Contains(m, "does not exist"):
		kind = drivers.CodeNotFound
	case strings.Contains(m, "no such device"), strings.Contains(m, "could not read from resource"),
		strings.Contains(m, "failed to allocate"), strings.Contains(m, "device has been removed"):
		kind = drivers.CodeDisconnected
	case strings.Contains(m, "not-negotiated"), strings.Contains(m, "not negotiated"),
		strings.Contains(m, "could not determine type"), strings.Contains(m, "could not decode"), strings.Contains(m, "corrupt"):
		kind = drivers.CodeProtocol
	}
	err := errors.New(msg)
	if debug != "" && kind != drivers.CodeConfig {
		err = fmt.Errorf("%s (%s)", msg, lastLine(debug))
	}
	return &drivers.Error{Kind: kind, Op: op, Err: err}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
