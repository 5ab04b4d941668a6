#include "imports/FaceQuality.h"

#include <opencv2/imgproc.hpp>

namespace fedpilot {

double laplacianVariance(const cv::Mat& bgrCrop)
{
    cv::Mat gray, small, lap;
    cv::cvtColor(bgrCrop, gray, cv::COLOR_BGR2GRAY);
    if (gray.cols != 112 || gray.rows != 112)
        cv::resize(gray, small, cv::Size(112, 112), 0, 0, gray.cols > 112 ? cv::INTER_AREA : cv::INTER_LINEAR);
    else
        small = gray;
    cv::Laplacian(small, lap, CV_32F);
    cv::Scalar mean, stddev;
    cv::meanStdDev(lap, mean, stddev);
    return stddev[0] * stddev[0];
}

QByteArray differenceHash(const cv::Mat& bgrCrop)
{
    cv::Mat gray, small;
    cv::cvtColor(bgrCrop, gray, cv::COLOR_BGR2GRAY);
    cv::resize(gray, small, cv::Size(17, 16), 0, 0, cv::INTER_AREA);
    QByteArray out(32, '\0');
    int bit = 0;
    for (int y = 0; y < 16; ++y) {
        const auto* row = small.ptr<std::uint8_t>(y);
        for (int x = 0; x < 16; ++x, ++bit) {
            if (row[x] < row[x + 1])
                out[bit / 8] = char(std::uint8_t(out[bit / 8]) | (1u << (bit % 8)));
        }
    }
    return out;
}

int hammingDistance(const QByteArray& a, const QByteArray& b)
{
    if (a.size() != b.size() || a.isEmpty())
        return -1;
    int bits = 0;
    for (int i = 0; i < a.size(); ++i)
        bits += __builtin_popcount(unsigned(std::uint8_t(a[i]) ^ std::uint8_t(b[i])));
    return bits;
}

}  // namespace fedpilot
