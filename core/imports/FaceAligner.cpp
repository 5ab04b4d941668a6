#include "imports/FaceAligner.h"

#include <QDir>
#include <QFile>

#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace fedpilot {
namespace {

// ArcFace's 112x112 template eye centres (the engine's models expect this framing).
constexpr float kTemplateLeftEyeX = 38.2946f;
constexpr float kTemplateRightEyeX = 73.5318f;
constexpr float kTemplateEyeY = 51.6f;
// Where the eyes sit in a face box (LBP and alt2 boxes agree within 0.01), measured on LFW
// detections whose eyes were found (mean of ~300 faces): used to align when the eye cascade
// finds no plausible pair.
constexpr float kBoxLeftEyeX = 0.31f;
constexpr float kBoxRightEyeX = 0.66f;
constexpr float kBoxEyeY = 0.39f;
// Faces are searched on a copy whose short side is this long: Haar cost grows with pixels and
// scales, and at this size a face filling >= 20% of the short side is still >= 24 px, the
// cascade's window. A second, finer pass runs only on large images where the first found nothing.
constexpr int kCoarseSide = 120;
constexpr int kFineSide = 480;
constexpr int kEyeFaceWidth = 100;  // eyes are searched on the face resized to this width

}  // namespace

struct FaceAligner::Impl {
    cv::CascadeClassifier face;
    cv::CascadeClassifier fastFace;  // may stay empty: then Haar alone
    cv::CascadeClassifier eye;
    int size = 112;

    std::vector<cv::Rect> detect(const cv::Mat& gray, int workSide)
    {
        const int shortSide = std::min(gray.cols, gray.rows);
        const double scale = std::min(2.0, double(workSide) / shortSide);
        cv::Mat work;
        cv::resize(gray, work, cv::Size(), scale, scale, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
        cv::equalizeHist(work, work);
        std::vector<cv::Rect> found;
        if (!fastFace.empty())
            fastFace.detectMultiScale(work, found, 1.1, 3, 0, cv::Size(24, 24));
        if (found.empty())
            face.detectMultiScale(work, found, 1.1, 3, 0, cv::Size(24, 24));
        for (cv::Rect& r : found)
            r = cv::Rect(cvRound(r.x / scale), cvRound(r.y / scale), cvRound(r.width / scale), cvRound(r.height / scale));
        return found;
    }

    // Eye centres in source coordinates when a plausible pair is found.
    bool findEyes(const cv::Mat& gray, const cv::Rect& box, cv::Point2f& left, cv::Point2f& right)
    {
        const cv::Rect clipped = box & cv::Rect(0, 0, gray.cols, gray.rows);
        if (clipped.width < 16 || clipped.height < 16)
            return false;
        const double s = double(kEyeFaceWidth) / clipped.width;
        cv::Mat faceImg;
        cv::resize(gray(clipped), faceImg, cv::Size(), s, s, s < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
        cv::equalizeHist(faceImg, faceImg);
        const int top = int(faceImg.rows * 0.15);
        const int bottom = int(faceImg.rows * 0.60);
        cv::Mat band = faceImg(cv::Range(top, bottom), cv::Range::all());
        std::vector<cv::Rect> eyes;
        eye.detectMultiScale(band, eyes, 1.1, 2, 0, cv::Size(12, 12), cv::Size(45, 45));
        // Per side, the candidate nearest to where that eye usually is.
        const cv::Point2f priorL(kBoxLeftEyeX * faceImg.cols, kBoxEyeY * faceImg.rows);
        const cv::Point2f priorR(kBoxRightEyeX * faceImg.cols, kBoxEyeY * faceImg.rows);
        const float maxOffset = 0.14f * faceImg.cols;
        float bestL = maxOffset, bestR = maxOffset;
        bool haveL = false, haveR = false;
        cv::Point2f l, r;
        for (const cv::Rect& e : eyes) {
            const cv::Point2f c(e.x + e.width * 0.5f, top + e.y + e.height * 0.5f);
            const float dl = float(cv::norm(c - priorL));
            const float dr = float(cv::norm(c - priorR));
            if (dl < bestL) { bestL = dl; l = c; haveL = true; }
            if (dr < bestR) { bestR = dr; r = c; haveR = true; }
        }
        if (!haveL || !haveR)
            return false;
        const cv::Point2f delta = r - l;
        const float distance = float(cv::norm(delta));
        const float angle = std::atan2(delta.y, delta.x);
        if (distance < 0.25f * faceImg.cols || distance > 0.5f * faceImg.cols || std::abs(angle) > 0.35f)
            return false;  // a nostril or brow, not an eye pair
        left = cv::Point2f(float(clipped.x + l.x / s), float(clipped.y + l.y / s));
        right = cv::Point2f(float(clipped.x + r.x / s), float(clipped.y + r.y / s));
        return true;
    }

    cv::Mat align(const cv::Mat& bgr, cv::Point2f left, cv::Point2f right) const
    {
        const float k = float(size) / 112.f;
        const cv::Point2f dstL(kTemplateLeftEyeX * k, kTemplateEyeY * k);
        const cv::Point2f dstR(kTemplateRightEyeX * k, kTemplateEyeY * k);
        const cv::Point2f src = right - left;
        const cv::Point2f dst = dstR - dstL;
        const double scale = cv::norm(dst) / std::max(1e-3, cv::norm(src));
        const double rotation = std::atan2(dst.y, dst.x) - std::atan2(src.y, src.x);
        const double a = scale * std::cos(rotation);
        const double b = scale * std::sin(rotation);
        // x' = a x - b y + tx, y' = b x + a y + ty, with the left eye landing on its template point.
        const double tx = dstL.x - (a * left.x - b * left.y);
        const double ty = dstL.y - (b * left.x + a * left.y);
        const cv::Matx23d m(a, -b, tx, b, a, ty);
        cv::Mat out;
        cv::warpAffine(bgr, out, m, cv::Size(size, size), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
        return out;
    }
};

FaceAligner::FaceAligner() : d(std::make_unique<Impl>()) {}
FaceAligner::~FaceAligner() = default;

QString FaceAligner::defaultCascadeDir()
{
    const QByteArray env = qgetenv("FEDPILOT_CASCADE_DIR");
    return env.isEmpty() ? QStringLiteral("/usr/share/opencv4/haarcascades") : QFile::decodeName(env);
}

engine::Result<std::unique_ptr<FaceAligner>> FaceAligner::create(const QString& cascadeDir, int outputSize)
{
    using R = engine::Result<std::unique_ptr<FaceAligner>>;
    const QDir dir(cascadeDir.isEmpty() ? defaultCascadeDir() : cascadeDir);
    std::unique_ptr<FaceAligner> aligner(new FaceAligner());
    aligner->d->size = outputSize;
    const QString facePath = dir.filePath(QStringLiteral("haarcascade_frontalface_alt2.xml"));
    const QString eyePath = dir.filePath(QStringLiteral("haarcascade_eye.xml"));
    try {
        for (const QString& lbp : {dir.filePath(QStringLiteral("lbpcascade_frontalface.xml")),
                                   dir.filePath(QStringLiteral("../lbpcascades/lbpcascade_frontalface.xml"))}) {
            if (QFile::exists(lbp) && aligner->d->fastFace.load(QFile::encodeName(lbp).toStdString()))
                break;
        }
        if (!aligner->d->face.load(QFile::encodeName(facePath).toStdString()) || !aligner->d->eye.load(QFile::encodeName(eyePath).toStdString()))
            return R::error("cannot load the OpenCV face cascades from " + dir.path().toStdString()
                            + " (Debian package opencv-data; or set FEDPILOT_CASCADE_DIR)");
    } catch (const cv::Exception& e) {
        return R::error(std::string("cannot load the OpenCV face cascades: ") + e.what());
    }
    return R(std::move(aligner));
}

AlignedFace FaceAligner::detectAndAlign(const cv::Mat& bgr)
{
    AlignedFace out;
    cv::Mat gray;
    cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
    std::vector<cv::Rect> faces = d->detect(gray, kCoarseSide);
    if (faces.empty() && std::min(gray.cols, gray.rows) > 2 * kCoarseSide)
        faces = d->detect(gray, kFineSide);
    out.faces = int(faces.size());
    if (faces.empty())
        return out;
    const cv::Rect box = *std::max_element(faces.begin(), faces.end(),
                                           [](const cv::Rect& a, const cv::Rect& b) { return a.area() < b.area(); });
    out.faceSide = std::min(box.width, box.height);
    cv::Point2f left, right;
    out.eyesFound = d->findEyes(gray, box, left, right);
    if (!out.eyesFound) {
        left = cv::Point2f(box.x + kBoxLeftEyeX * box.width, box.y + kBoxEyeY * box.height);
        right = cv::Point2f(box.x + kBoxRightEyeX * box.width, box.y + kBoxEyeY * box.height);
    }
    out.crop = d->align(bgr, left, right);
    return out;
}

cv::Mat FaceAligner::centreCrop(const cv::Mat& bgr, double fraction, int size)
{
    const int shortSide = std::min(bgr.cols, bgr.rows);
    const int side = std::max(1, int(std::lround(shortSide * std::clamp(fraction, 0.05, 1.0))));
    const cv::Rect square((bgr.cols - side) / 2, (bgr.rows - side) / 2, side, side);
    cv::Mat out;
    cv::resize(bgr(square), out, cv::Size(size, size), 0, 0, side > size ? cv::INTER_AREA : cv::INTER_LINEAR);
    return out;
}

}  // namespace fedpilot
