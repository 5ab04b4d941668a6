#pragma once
// Plain values shared by the face import: options in, progress and a summary out, and the
// per-file reason codes that are stored in the site DB and shown to the operator.

#include <QMap>
#include <QString>
#include <QStringList>

#include <cstdint>

namespace fedpilot {

// Why a file is not in the cache. The string codes are persisted (files.reason): never rename one.
enum class ImportReason {
    None,             // usable
    NotImage,         // content is no image format we know (text, empty file, ...)
    Unreadable,       // cannot be opened or read (permissions, symlink loop, I/O error)
    Corrupt,          // looks like an image but does not decode (truncated, damaged)
    TooLarge,         // header dimensions or file size over the limits; never decoded
    TooSmall,         // image or detected face smaller than the minimum
    NoFace,           // no face found
    Blurry,           // variance of the Laplacian of the aligned crop under the threshold
    Duplicate,        // byte-identical to an earlier file (SHA-256)
    NearDuplicate,    // perceptual hash of the crop close to an earlier file of the same identity
    OutsideIdentity,  // an image directly in the root folder: no identity folder to label it
};

QString reasonCode(ImportReason reason);
ImportReason reasonFromCode(const QString& code);
// A short human phrase ("not an image") for messages.
QString reasonText(ImportReason reason);
QStringList allReasonCodes();

// Informational flags on usable files (comma-separated in files.flags).
inline const QString kFlagSeveralFaces = QStringLiteral("several_faces");   // largest face taken
inline const QString kFlagEyesNotFound = QStringLiteral("eyes_not_found");  // aligned from the face box

enum class AlignMode {
    Detect,      // detect the face (Haar cascades), align on the eyes
    PreAligned,  // the images already are face crops: centre square (cropFraction) resized
};

struct ImportOptions {
    QString folder;             // <root>/<identity>/<images>
    QString cachePath;          // packed face cache written atomically at the end
    int size = 112;             // output crop size (square)
    AlignMode mode = AlignMode::Detect;
    double cropFraction = 1.0;  // PreAligned: side of the centre square, as a fraction of the short side
    double heldOutFraction = 0.2;   // per identity, fraction of images in the held-out split
    int heldOutIdentities = 0;      // identities held out entirely (for evaluation on unseen people)
    int minImages = 2;              // identities with fewer usable images are reported and left out
    int threads = 0;                // per-image workers; 0 = all cores
    double blurThreshold = 25.0;    // variance of the Laplacian on the 112-px grey crop
    int nearDuplicateBits = 12;     // max Hamming distance of the 256-bit dHash (0 = off)
    std::int64_t maxPixels = 50'000'000;
    int maxSide = 20000;
    std::int64_t maxFileBytes = 200LL * 1024 * 1024;
    int minImageSide = 32;          // smaller images are "too small" without decoding
    int minFaceSide = 40;           // detected faces (or pre-aligned crops) smaller than this are "too small"
    quint64 seed = 1;               // split seed; the same seed gives the same split
    QString cascadeDir;             // empty: $FEDPILOT_CASCADE_DIR or /usr/share/opencv4/haarcascades
};

enum class ImportPhase { Scanning, Processing, WritingCache, Done };

struct ImportProgress {
    ImportPhase phase = ImportPhase::Scanning;
    std::int64_t done = 0;       // files handled in this phase
    std::int64_t total = 0;
    std::int64_t ok = 0;         // processed files that produced a crop
    std::int64_t rejected = 0;
    std::int64_t reused = 0;     // unchanged files not reprocessed
    double imagesPerSec = 0;
    double etaSec = -1;
};

enum class ImportState { Completed, Cancelled };

struct ImportSummary {
    ImportState state = ImportState::Completed;
    qint64 datasetId = 0;
    qint64 runId = 0;
    int identities = 0;            // identities in the cache
    int identitiesFound = 0;       // identity folders seen
    int identitiesTooFew = 0;      // fewer than minImages usable images (left out, listed in the DB)
    int identitiesEmpty = 0;       // folders without any file
    int heldOutIdentities = 0;
    std::int64_t imagesTotal = 0;  // files seen (every file, images or not)
    std::int64_t imagesOk = 0;     // usable files (in the cache, or of left-out identities)
    std::int64_t imagesInCache = 0;
    std::int64_t imagesTrain = 0;
    std::int64_t imagesHeldOut = 0;
    std::int64_t processed = 0;    // decoded/analysed in this run
    std::int64_t reused = 0;       // unchanged since the last import: not reprocessed
    std::int64_t decoded = 0;      // files that decoded as images (denominator of the detection rate)
    std::int64_t facesDetected = 0;
    QMap<QString, std::int64_t> rejected;  // reason code -> files
    QMap<QString, std::int64_t> flagged;   // flag -> files
    bool cacheWritten = false;
    QString cachePath;
    double seconds = 0;
};

}  // namespace fedpilot
