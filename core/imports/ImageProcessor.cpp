#include "imports/ImageProcessor.h"

#include "imports/FaceAligner.h"
#include "imports/FaceQuality.h"
#include "imports/GifDecoder.h"
#include "imports/ImageProbe.h"

#include <QCryptographicHash>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fedpilot {
namespace {

QString errnoText(int err)
{
    return err == ELOOP ? QStringLiteral("symbolic link loop") : QString::fromLocal8Bit(std::strerror(err));
}

// Reads the whole file; on failure returns false with errno-based detail.
bool readFile(const QByteArray& path, std::int64_t maxBytes, std::vector<std::uint8_t>& out, FileOutcome& o)
{
    const int fd = ::open(path.constData(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        o.reason = ImportReason::Unreadable;
        o.detail = errnoText(errno);
        return false;
    }
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        o.reason = ImportReason::Unreadable;
        o.detail = QStringLiteral("not a regular file");
        return false;
    }
    if (st.st_size > maxBytes) {
        ::close(fd);
        o.reason = ImportReason::TooLarge;
        o.detail = QStringLiteral("file of %1 MiB is over the limit").arg(double(st.st_size) / (1 << 20), 0, 'f', 1);
        return false;
    }
    out.resize(std::size_t(st.st_size));
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            o.reason = ImportReason::Unreadable;
            o.detail = errnoText(err);
            return false;
        }
        if (n == 0)
            break;  // shrank while reading: take what is there
        done += std::size_t(n);
    }
    out.resize(done);
    ::close(fd);
    return true;
}

cv::Mat decode(const std::vector<std::uint8_t>& bytes, ImageFormat format, std::int64_t maxPixels, QString& error)
{
    if (format == ImageFormat::Gif) {
        DecodedImage gif;
        std::string message;
        if (!decodeGif(bytes.data(), bytes.size(), gif, message, maxPixels)) {
            error = QString::fromStdString(message);
            return {};
        }
        cv::Mat rgb(gif.height, gif.width, CV_8UC3, gif.rgb.data());
        cv::Mat bgr;
        cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
        return bgr;
    }
    try {
        // IMREAD_COLOR turns grey and palette images into 3 channels and drops alpha.
        cv::Mat image = cv::imdecode(cv::Mat(1, int(bytes.size()), CV_8UC1, const_cast<std::uint8_t*>(bytes.data())),
                                     cv::IMREAD_COLOR);
        if (image.empty())
            error = QStringLiteral("the decoder could not read it");
        return image;
    } catch (const cv::Exception& e) {
        error = QString::fromStdString(e.what()).simplified().left(200);
        return {};
    }
}

}  // namespace

ImageProcessor::ImageProcessor(const ImportOptions& options, QByteArray rawRoot)
    : m_options(options)
    , m_root(std::move(rawRoot))
{
}

ImageProcessor::~ImageProcessor() = default;

engine::Status ImageProcessor::prepare()
{
    if (m_options.mode != AlignMode::Detect)
        return engine::Status::ok();
    auto aligner = FaceAligner::create(m_options.cascadeDir, m_options.size);
    if (!aligner)
        return aligner.status();
    giveBack(std::move(aligner.value()));
    return engine::Status::ok();
}

std::unique_ptr<FaceAligner> ImageProcessor::borrow()
{
    {
        std::lock_guard<std::mutex> lock(m_poolMutex);
        if (!m_pool.empty()) {
            auto a = std::move(m_pool.back());
            m_pool.pop_back();
            return a;
        }
    }
    auto created = FaceAligner::create(m_options.cascadeDir, m_options.size);
    return created ? std::move(created.value()) : nullptr;
}

void ImageProcessor::giveBack(std::unique_ptr<FaceAligner> aligner)
{
    if (!aligner)
        return;
    std::lock_guard<std::mutex> lock(m_poolMutex);
    m_pool.push_back(std::move(aligner));
}

FileOutcome ImageProcessor::process(const WorkItem& item)
{
    FileOutcome o;
    o.relPath = item.relPath;
    o.sizeBytes = item.sizeBytes;
    o.mtimeNs = item.mtimeNs;
    if (item.scanError != 0) {
        o.reason = ImportReason::Unreadable;
        o.detail = item.scanErrorText;
        return o;
    }
    std::vector<std::uint8_t> bytes;
    if (!readFile(m_root + '/' + item.relPath, m_options.maxFileBytes, bytes, o))
        return o;
    o.sha256 = QCryptographicHash::hash(QByteArrayView(bytes.data(), qsizetype(bytes.size())), QCryptographicHash::Sha256).toHex();
    if (!item.knownSha256.isEmpty() && item.knownSha256 == o.sha256) {
        o.contentUnchanged = true;  // touched, not changed: the stored analysis and crop still hold
        return o;
    }
    if (bytes.empty()) {
        o.reason = ImportReason::NotImage;
        o.detail = QStringLiteral("empty file");
        return o;
    }
    const ImageHeader header = probeImage(bytes.data(), bytes.size());
    o.format = formatName(header.format);
    if (header.format == ImageFormat::Unknown) {
        o.reason = ImportReason::NotImage;
        o.detail = QStringLiteral("content is not a known image format");
        return o;
    }
    o.width = header.width;
    o.height = header.height;
    if (item.outsideIdentity) {
        o.reason = ImportReason::OutsideIdentity;
        o.detail = QStringLiteral("images belong in <folder>/<identity>/");
        return o;
    }
    if (header.width <= 0 || header.height <= 0) {
        o.reason = ImportReason::Corrupt;
        o.detail = QStringLiteral("%1 header damaged or cut short").arg(o.format);
        return o;
    }
    if (std::int64_t(header.width) * header.height > m_options.maxPixels || std::max(header.width, header.height) > m_options.maxSide) {
        o.reason = ImportReason::TooLarge;
        o.detail = QStringLiteral("%1x%2 pixels is over the limit (not decoded)").arg(header.width).arg(header.height);
        return o;
    }
    if (!header.complete) {
        o.reason = ImportReason::Corrupt;
        o.detail = QStringLiteral("%1 data cut short (truncated file)").arg(o.format);
        return o;
    }
    if (std::min(header.width, header.height) < m_options.minImageSide) {
        o.reason = ImportReason::TooSmall;
        o.detail = QStringLiteral("%1x%2 pixels").arg(header.width).arg(header.height);
        return o;
    }
    QString error;
    const cv::Mat image = decode(bytes, header.format, m_options.maxPixels, error);
    if (image.empty()) {
        o.reason = ImportReason::Corrupt;
        o.detail = error;
        return o;
    }
    o.decoded = true;
    o.width = image.cols;
    o.height = image.rows;

    cv::Mat crop;
    if (m_options.mode == AlignMode::Detect) {
        std::unique_ptr<FaceAligner> aligner = borrow();
        if (!aligner) {
            o.reason = ImportReason::NoFace;
            o.detail = QStringLiteral("face detector unavailable");
            return o;
        }
        AlignedFace face;
        try {
            face = aligner->detectAndAlign(image);
        } catch (const cv::Exception& e) {
            face = AlignedFace{};
            o.detail = QString::fromStdString(e.what()).simplified().left(200);
        }
        giveBack(std::move(aligner));
        o.faces = face.faces;
        o.faceSide = face.faceSide;
        o.eyesFound = face.eyesFound;
        if (face.crop.empty()) {
            o.reason = ImportReason::NoFace;
            return o;
        }
        if (face.faceSide < m_options.minFaceSide) {
            o.reason = ImportReason::TooSmall;
            o.detail = QStringLiteral("face of %1 px (minimum %2)").arg(face.faceSide).arg(m_options.minFaceSide);
            return o;
        }
        if (face.faces > 1)
            o.flags << kFlagSeveralFaces;
        if (!face.eyesFound)
            o.flags << kFlagEyesNotFound;
        crop = face.crop;
    } else {
        const int side = int(std::min(image.cols, image.rows) * m_options.cropFraction);
        if (side < m_options.minFaceSide) {
            o.reason = ImportReason::TooSmall;
            o.detail = QStringLiteral("crop of %1 px (minimum %2)").arg(side).arg(m_options.minFaceSide);
            return o;
        }
        crop = FaceAligner::centreCrop(image, m_options.cropFraction, m_options.size);
    }
    o.blur = laplacianVariance(crop);
    o.phash = differenceHash(crop);
    cv::Mat rgb;
    cv::cvtColor(crop, rgb, cv::COLOR_BGR2RGB);
    o.crop.assign(rgb.data, rgb.data + rgb.total() * rgb.elemSize());
    return o;
}

}  // namespace fedpilot
