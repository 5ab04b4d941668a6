#include "imports/SyntheticFolder.h"

#include "common/Strings.h"

#include <QDir>
#include <QFile>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <vector>

namespace fedpilot {

engine::Result<SyntheticFolderResult> writeSyntheticFolder(const SyntheticFolderOptions& options,
                                                           const std::function<void(qint64, qint64)>& progress,
                                                           const std::atomic<bool>* cancel)
{
    using R = engine::Result<SyntheticFolderResult>;
    if (options.identities < 1 || options.imagesPerIdentity < 1)
        return R::error("need at least one identity and one image per identity");
    if (options.size < 16 || options.size > 1024)
        return R::error("image size must be between 16 and 1024 pixels");
    QDir root(options.outDir);
    if (!root.mkpath(QStringLiteral(".")))
        return R::error("cannot create folder " + options.outDir.toStdString());

    engine::FaceSynth synth(options.seed);
    std::vector<std::uint8_t> rgb(static_cast<std::size_t>(options.size) * options.size * 3);
    const qint64 total = qint64(options.identities) * options.imagesPerIdentity;
    qint64 done = 0;
    for (int id = 0; id < options.identities; ++id) {
        const QString idName = QStringLiteral("person_%1").arg(id + 1, 4, 10, QLatin1Char('0'));
        if (!root.mkpath(idName))
            return R::error("cannot create folder " + root.filePath(idName).toStdString());
        for (int i = 0; i < options.imagesPerIdentity; ++i) {
            if (cancel && cancel->load())
                return R::error("cancelled");
            synth.render(id, i, options.size, rgb.data());
            cv::Mat image(options.size, options.size, CV_8UC3, rgb.data());
            cv::Mat bgr;
            cv::cvtColor(image, bgr, cv::COLOR_RGB2BGR);
            const QString file = root.filePath(idName + QStringLiteral("/img_%1.png").arg(i + 1, 4, 10, QLatin1Char('0')));
            std::vector<uchar> encoded;
            if (!cv::imencode(".png", bgr, encoded))
                return R::error("cannot encode a PNG image");
            QFile out(file);
            if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate)
                || out.write(reinterpret_cast<const char*>(encoded.data()), qint64(encoded.size())) != qint64(encoded.size()))
                return R::error("cannot write " + file.toStdString() + ": " + out.errorString().toStdString());
            ++done;
            if (progress)
                progress(done, total);
        }
    }
    return SyntheticFolderResult{options.identities, done};
}

}  // namespace fedpilot
