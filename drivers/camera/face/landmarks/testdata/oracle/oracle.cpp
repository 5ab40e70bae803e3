// oracle.cpp: the reference side of the landmarks golden test. It runs
// real dlib (Debian's libdlib-dev 19.24) on the test images and prints, as
// JSON on stdout, for each image: the face box, the 68 landmarks of
// shape_predictor::operator() (dlib's rounded parts) and the same
// landmarks before rounding, and get_mapping_to_chip of
// get_face_chip_details(shape, size, padding) for two chip settings.
//
// Build and run (see regen.sh, which writes ../golden.json):
//
//	apt-get install -y libdlib-dev libdlib-data
//	g++ -O2 -std=c++14 -o /tmp/oracle oracle.cpp $(pkg-config --cflags --libs dlib-1)
//	/tmp/oracle /usr/share/dlib/shape_predictor_68_face_landmarks.dat img.png[:l,t,r,b] ...
//
// Without ":l,t,r,b" the box is the first detection of dlib's frontal face
// detector (no upsampling); with it, that dlib rectangle (inclusive
// corners). Build without -march=native: the Go side assumes, as a stock
// x86-64 build has it, no fused multiply-add.
//
// The unrounded landmarks repeat operator()'s loop with dlib's own
// functions (impl::extract_feature_pixel_values, regression_tree and
// unnormalizing_tform) on the model's members, deserialized here in the
// order shape_predictor's deserialize reads them; the program checks that
// rounding them gives operator()'s parts exactly.
#include <dlib/revision.h>
#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_io.h>
#include <dlib/image_transforms.h>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

using namespace dlib;

struct model_members
{
    matrix<float,0,1> initial_shape;
    std::vector<std::vector<impl::regression_tree> > forests;
    std::vector<std::vector<unsigned long> > anchor_idx;
    std::vector<std::vector<dlib::vector<float,2> > > deltas;
};

static std::vector<dlib::vector<double,2> > unrounded(const model_members& m, const array2d<unsigned char>& img, const rectangle& rect)
{
    matrix<float,0,1> current_shape = m.initial_shape;
    std::vector<float> feature_pixel_values;
    for (unsigned long iter = 0; iter < m.forests.size(); ++iter)
    {
        impl::extract_feature_pixel_values(img, rect, current_shape, m.initial_shape,
                                           m.anchor_idx[iter], m.deltas[iter], feature_pixel_values);
        unsigned long leaf_idx;
        for (unsigned long i = 0; i < m.forests[iter].size(); ++i)
            current_shape += m.forests[iter][i](feature_pixel_values, leaf_idx);
    }
    const point_transform_affine tform_to_img = impl::unnormalizing_tform(rect);
    std::vector<dlib::vector<double,2> > parts(current_shape.size()/2);
    for (unsigned long i = 0; i < parts.size(); ++i)
        parts[i] = tform_to_img(impl::location(current_shape, i));
    return parts;
}

static void print_chip(const full_object_detection& det, unsigned long size, double padding, bool last)
{
    const chip_details cd = get_face_chip_details(det, size, padding);
    const point_transform_affine t = get_mapping_to_chip(cd);
    std::printf("      {\"size\": %lu, \"padding\": %.17g, \"angle\": %.17g, \"rect\": [%.17g, %.17g, %.17g, %.17g],\n",
                size, padding, cd.angle, cd.rect.left(), cd.rect.top(), cd.rect.right(), cd.rect.bottom());
    std::printf("       \"to_chip\": [[%.17g, %.17g, %.17g], [%.17g, %.17g, %.17g]]}%s\n",
                t.get_m()(0,0), t.get_m()(0,1), t.get_b()(0),
                t.get_m()(1,0), t.get_m()(1,1), t.get_b()(1), last ? "" : ",");
}

int main(int argc, char** argv)
{
    if (argc < 3)
    {
        std::fprintf(stderr, "usage: %s model.dat image.png[:l,t,r,b] ...\n", argv[0]);
        return 2;
    }
    try
    {
        shape_predictor sp;
        deserialize(argv[1]) >> sp;

        model_members m;
        {
            std::ifstream in(argv[1], std::ios::binary);
            int version = 0;
            deserialize(version, in);
            deserialize(m.initial_shape, in);
            deserialize(m.forests, in);
            deserialize(m.anchor_idx, in);
            deserialize(m.deltas, in);
        }

        frontal_face_detector detector = get_frontal_face_detector();

        std::printf("{\n  \"dlib\": \"%d.%d.%d\",\n  \"model\": \"%s\",\n  \"cases\": [\n",
                    DLIB_MAJOR_VERSION, DLIB_MINOR_VERSION, DLIB_PATCH_VERSION, argv[1]);
        for (int a = 2; a < argc; ++a)
        {
            std::string arg = argv[a], file = arg, source = "dlib frontal_face_detector";
            rectangle rect;
            const auto colon = arg.find(':');
            if (colon != std::string::npos)
            {
                file = arg.substr(0, colon);
                long l, t, r, b;
                if (std::sscanf(arg.c_str() + colon + 1, "%ld,%ld,%ld,%ld", &l, &t, &r, &b) != 4)
                {
                    std::fprintf(stderr, "bad box in %s\n", arg.c_str());
                    return 2;
                }
                rect = rectangle(l, t, r, b);
                source = "given";
            }
            array2d<unsigned char> img;
            load_image(img, file);
            if (source != "given")
            {
                const std::vector<rectangle> dets = detector(img);
                if (dets.empty())
                {
                    std::fprintf(stderr, "%s: no face detected; give a box as %s:l,t,r,b\n", file.c_str(), file.c_str());
                    return 1;
                }
                rect = dets[0];
            }

            const full_object_detection det = sp(img, rect);
            const std::vector<dlib::vector<double,2> > pts = unrounded(m, img, rect);
            for (unsigned long i = 0; i < det.num_parts(); ++i)
            {
                if (point(pts[i]) != det.part(i))
                {
                    std::fprintf(stderr, "%s: part %lu: replicated loop gives (%g,%g), operator() (%ld,%ld)\n",
                                 file.c_str(), i, pts[i].x(), pts[i].y(), det.part(i).x(), det.part(i).y());
                    return 1;
                }
            }

            const std::string base = file.substr(file.find_last_of('/') + 1);
            std::printf("    {\"image\": \"%s\", \"box_source\": \"%s\", \"box\": [%ld, %ld, %ld, %ld],\n",
                        base.c_str(), source.c_str(), rect.left(), rect.top(), rect.right(), rect.bottom());
            std::printf("     \"parts\": [");
            for (unsigned long i = 0; i < det.num_parts(); ++i)
                std::printf("%s[%ld, %ld]", i ? ", " : "", det.part(i).x(), det.part(i).y());
            std::printf("],\n     \"points\": [");
            for (unsigned long i = 0; i < pts.size(); ++i)
                std::printf("%s[%.17g, %.17g]", i ? ", " : "", pts[i].x(), pts[i].y());
            std::printf("],\n     \"chips\": [\n");
            print_chip(det, 150, 0.25, false);
            print_chip(det, 200, 0.2, true);
            // The 5-point template, on five of the 68 parts in the order of
            // dlib's 5-point model (outer and inner corner of the eye on
            // the image's right, then of the other eye, then the nose).
            const long five[] = {45, 42, 36, 39, 33};
            std::vector<point> parts5;
            for (long k : five)
                parts5.push_back(det.part(k));
            std::printf("     ],\n     \"five_parts\": [45, 42, 36, 39, 33],\n     \"chips5\": [\n");
            print_chip(full_object_detection(rect, parts5), 150, 0.25, true);
            std::printf("     ]}%s\n", a + 1 < argc ? "," : "");
        }
        std::printf("  ]\n}\n");
    }
    catch (std::exception& e)
    {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
