#ifndef XPT_FACE_DNN_H
#define XPT_FACE_DNN_H
#ifdef __cplusplus
extern "C" {
#endif

// A cv::dnn::Net behind a C handle. OpenCV reports failures with C++
// exceptions; these wrappers catch them (gocv's own do not, and an
// exception crossing cgo aborts the process) and return a message instead,
// to be freed with free().
typedef void *XptNet;

XptNet xpt_net_read(const char *model, char **err);
void xpt_net_free(XptNet net);

// xpt_net_embed runs the net on img (a cv::Mat* holding a BGR face crop):
// blobFromImage(img, scale, size x size, mean, swapRB), forward, and copies
// up to cap floats of the flattened output into out. It returns the number
// of output values (which may exceed cap), or -1 with *err set.
int xpt_net_embed(XptNet net, void *img, int size, double scale, double mean, int swapRB, float *out, int cap, char **err);

#ifdef __cplusplus
}
#endif
#endif
