#pragma once
// Face detection and alignment with the cascades Debian ships (opencv-data): the largest frontal
// face (LBP cascade first, Haar "alt2" when LBP finds none: on LFW the pair finds at least as many
// faces as Haar alone at about half the CPU, see docs/benchmarks.md), its eyes (Haar eye cascade,
// validated against where eyes sit in a face box), then a similarity transform that puts the eyes
// where the 112x112 ArcFace template has them.
// When the eyes are not found the face box's typical eye positions are used instead (flagged).
// Internal to fedpilot_core (OpenCV types); not thread-safe: one instance per worker thread.

#include "fedpilot/engine/Result.h"

#include <QString>

#include <opencv2/core.hpp>

#include <memory>

namespace fedpilot {

struct AlignedFace {
    int faces = 0;          // faces detected
    int faceSide = 0;       // side of the largest face box, in source pixels
    bool eyesFound = false; // false: aligned from the box's typical eye positions
    cv::Mat crop;           // size x size BGR; empty when no face was found
};

class FaceAligner {
public:
    // Loads the cascades from cascadeDir (empty: $FEDPILOT_CASCADE_DIR, then /usr/share/opencv4/haarcascades).
    static engine::Result<std::unique_ptr<FaceAligner>> create(const QString& cascadeDir, int outputSize);
    ~FaceAligner();

    AlignedFace detectAndAlign(const cv::Mat& bgr);

    // The already-aligned path: centre square of `fraction` x the short side, resized to size.
    static cv::Mat centreCrop(const cv::Mat& bgr, double fraction, int size);
    static QString defaultCascadeDir();

private:
    FaceAligner();
    struct Impl;
    std::unique_ptr<Impl> d;
};

}  // namespace fedpilot
