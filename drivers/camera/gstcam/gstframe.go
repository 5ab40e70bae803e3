package gstcam

/*
#cgo pkg-config: gstreamer-1.0 gstreamer-app-1.0 gstreamer-video-1.0
#include <string.h>
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>

// xpt_frame is one pulled sample, mapped for reading. It owns a reference
// to the sample until xpt_release.
typedef struct {
	GstSample *sample;
	GstVideoFrame frame;
	int width, height, stride, bgr;
} xpt_frame;

// xpt_pull waits up to timeout for the appsink's next sample. It returns 0
// with *f mapped, 1 when nothing came in time, 2 at end of stream, 3 when
// the sample could not be mapped (no caps, or not raw video).
static int xpt_pull(GstElement *sink, GstClockTime timeout, xpt_frame *f) {
	memset(f, 0, sizeof(*f));
	GstSample *s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), timeout);
	if (s == NULL) {
		return gst_app_sink_is_eos(GST_APP_SINK(sink)) ? 2 : 1;
	}
	GstCaps *caps = gst_sample_get_caps(s);
	GstBuffer *buf = gst_sample_get_buffer(s);
	GstVideoInfo info;
	if (caps == NULL || buf == NULL || !gst_video_info_from_caps(&info, caps)) {
		gst_sample_unref(s);
		return 3;
	}
	if (!gst_video_frame_map(&f->frame, &info, buf, GST_MAP_READ)) {
		gst_sample_unref(s);
		return 3;
	}
	f->sample = s;
	f->width = GST_VIDEO_FRAME_WIDTH(&f->frame);
	f->height = GST_VIDEO_FRAME_HEIGHT(&f->frame);
	f->stride = GST_VIDEO_FRAME_PLANE_STRIDE(&f->frame, 0);
	f->bgr = GST_VIDEO_FRAME_FORMAT(&f->frame) == GST_VIDEO_FORMAT_BGR;
	return 0;
}

// xpt_copy copies the mapped BGR frame row by row into dst (a continuous
// width*3 by height buffer: a camera.Frame's Pix).
static void xpt_copy(xpt_frame *f, guint8 *dst) {
	const guint8 *src = GST_VIDEO_FRAME_PLANE_DATA(&f->frame, 0);
	int row = f->width * 3;
	if (f->stride == row) {
		memcpy(dst, src, (size_t)row * f->height);
		return;
	}
	for (int y = 0; y < f->height; y++) {
		memcpy(dst + (size_t)y * row, src + (size_t)y * f->stride, row);
	}
}

static void xpt_release(xpt_frame *f) {
	if (f->sample != NULL) {
		gst_video_frame_unmap(&f->frame);
		gst_sample_unref(f->sample);
		f->sample = NULL;
	}
}
*/
import "C"

import (
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/xpt-pilot/xpt-kiosk/drivers/camera"
)

// pullInto waits up to timeout for the next frame of the appsink and
// copies it into *dst, reallocating dst's buffer only when the frame grows.
// The GStreamer sample is released before it returns, whatever happens, so
// no frame memory outlives the call. sink is a GstElement* (an appsink).
func pullInto(sink unsafe.Pointer, timeout time.Duration, dst *camera.Frame) error {
	var f C.xpt_frame
	switch C.xpt_pull((*C.GstElement)(sink), C.GstClockTime(timeout.Nanoseconds()), &f) {
	case 1:
		return camera.ErrNoSample
	case 2:
		return camera.ErrEOS
	case 3:
		return errors.New("the appsink delivered a sample that is not raw video")
	}
	defer C.xpt_release(&f)
	if f.bgr == 0 {
		return fmt.Errorf("the appsink must receive video/x-raw,format=BGR (put videoconvert before it)")
	}
	w, h := int(f.width), int(f.height)
	if w <= 0 || h <= 0 {
		return fmt.Errorf("the appsink delivered a %dx%d frame", w, h)
	}
	dst.Resize(w, h)
	C.xpt_copy(&f, (*C.guint8)(unsafe.Pointer(&dst.Pix[0])))
	return nil
}
