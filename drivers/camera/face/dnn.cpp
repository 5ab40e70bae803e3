#include <cstdlib>
#include <cstring>
#include <string>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include "dnn.h"

static char *dup_msg(const std::string &s) {
	char *p = (char *)malloc(s.size() + 1);
	if (p != NULL) {
		memcpy(p, s.c_str(), s.size() + 1);
	}
	return p;
}

XptNet xpt_net_read(const char *model, char **err) {
	*err = NULL;
	try {
		cv::dnn::Net net = cv::dnn::readNet(model);
		if (net.empty()) {
			*err = dup_msg("OpenCV read the file but found no network in it");
			return NULL;
		}
		return new cv::dnn::Net(net);
	} catch (const cv::Exception &e) {
		*err = dup_msg(e.what());
	} catch (const std::exception &e) {
		*err = dup_msg(e.what());
	} catch (...) {
		*err = dup_msg("unknown error reading the model");
	}
	return NULL;
}

void xpt_net_free(XptNet net) { delete (cv::dnn::Net *)net; }

int xpt_net_embed(XptNet net, void *img, int size, double scale, double mean, int swapRB, float *out, int cap, char **err) {
	*err = NULL;
	try {
		cv::dnn::Net *n = (cv::dnn::Net *)net;
		cv::Mat *m = (cv::Mat *)img;
		cv::Mat blob = cv::dnn::blobFromImage(*m, scale, cv::Size(size, size), cv::Scalar(mean, mean, mean), swapRB != 0, false);
		n->setInput(blob);
		cv::Mat o = n->forward();
		if (o.depth() != CV_32F) {
			*err = dup_msg("the model's output is not 32-bit float");
			return -1;
		}
		cv::Mat flat = o.isContinuous() ? o : o.clone();
		int total = (int)flat.total() * flat.channels();
		const float *p = flat.ptr<float>();
		for (int i = 0; i < total && i < cap; i++) {
			out[i] = p[i];
		}
		return total;
	} catch (const cv::Exception &e) {
		*err = dup_msg(e.what());
	} catch (const std::exception &e) {
		*err = dup_msg(e.what());
	} catch (...) {
		*err = dup_msg("unknown error running the model");
	}
	return -1;
}
