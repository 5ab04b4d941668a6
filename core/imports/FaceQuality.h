#pragma once
// Quality measures on an aligned crop: sharpness and a perceptual hash for near duplicates.
// Internal to fedpilot_core (OpenCV types).

#include <QByteArray>

#include <opencv2/core.hpp>

namespace fedpilot {

// Variance of the Laplacian of the grey crop resized to 112x112, so one threshold fits every
// output size. Sharp faces score in the hundreds, strongly blurred ones below ~20.
double laplacianVariance(const cv::Mat& bgrCrop);

// 256-bit difference hash (grey 17x16, left/right brightness order) as 32 bytes. Re-encoded,
// resized or slightly recoloured copies of one photo differ by a few bits; other photos of the
// same person by dozens.
QByteArray differenceHash(const cv::Mat& bgrCrop);

// Number of differing bits; -1 when the sizes differ (e.g. a missing hash).
int hammingDistance(const QByteArray& a, const QByteArray& b);

}  // namespace fedpilot
