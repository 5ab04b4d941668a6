#pragma once
// The per-file work of an import, run on worker threads: read, hash, probe the header, refuse
// by size before decoding, decode (OpenCV, or our GIF reader), detect + align (or centre-crop
// pre-aligned images), measure sharpness and a perceptual hash. Pure function of the file and
// the options: decisions that need other files (duplicates, split) are taken later.

#include "imports/ImportTypes.h"
#include "fedpilot/engine/Result.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace fedpilot {

class FaceAligner;

struct WorkItem {
    QByteArray relPath;
    std::int64_t sizeBytes = 0;
    std::int64_t mtimeNs = 0;
    int scanError = 0;          // errno from the scan (the file is reported, not opened)
    QString scanErrorText;
    bool outsideIdentity = false;
    QByteArray knownSha256;     // hex of the last import's content, if any
};

struct FileOutcome {
    QByteArray relPath;
    std::int64_t sizeBytes = 0;
    std::int64_t mtimeNs = 0;
    QByteArray sha256;              // hex; empty when the file could not be read
    bool contentUnchanged = false;  // same bytes as last time: the stored analysis still holds
    ImportReason reason = ImportReason::None;
    QString detail;                 // human-readable, for the manifest
    QString format;
    int width = 0;
    int height = 0;
    bool decoded = false;
    int faces = -1;                 // -1: detection not run
    int faceSide = 0;
    bool eyesFound = false;
    double blur = -1;
    QByteArray phash;
    QStringList flags;
    std::vector<std::uint8_t> crop;  // size*size*3 RGB when usable
};

class ImageProcessor {
public:
    ImageProcessor(const ImportOptions& options, QByteArray rawRoot);
    ~ImageProcessor();
    // Loads the detector once (fails early when the cascades are missing).
    engine::Status prepare();
    // Thread-safe: each call borrows one detector from a pool.
    FileOutcome process(const WorkItem& item);

private:
    std::unique_ptr<FaceAligner> borrow();
    void giveBack(std::unique_ptr<FaceAligner> aligner);

    ImportOptions m_options;
    QByteArray m_root;
    std::mutex m_poolMutex;
    std::vector<std::unique_ptr<FaceAligner>> m_pool;
};

}  // namespace fedpilot
