#pragma once
// Walks <root>/<identity>/... with POSIX calls on raw byte paths: file names that are not valid
// UTF-8 survive (QDir would decode them lossily and could not open them again), symlink loops
// and special files (FIFOs would block a read) are reported instead of followed.

#include <QByteArray>
#include <QString>

#include <functional>
#include <cstdint>
#include <vector>

namespace fedpilot {

struct ScanEntry {
    QByteArray relPath;    // raw bytes, '/'-separated, relative to the root
    QByteArray identity;   // first path component; empty for files directly in the root
    std::int64_t sizeBytes = 0;
    std::int64_t mtimeNs = 0;
    int error = 0;         // errno when the entry cannot be used (ELOOP, EACCES, ENOENT...), else 0
    QString errorText;     // why, for the operator
};

struct ScanResult {
    std::vector<ScanEntry> files;            // sorted by relPath
    std::vector<QByteArray> identityFolders; // every first-level folder, sorted (empty ones too)
};

// Hidden entries (names starting with '.') are ignored. Fails only when the root itself cannot be read.
// Returns an empty result with cancelled set when cancel is raised.
struct ScanOutcome {
    bool ok = false;
    bool cancelled = false;
    QString error;
    ScanResult result;
};
ScanOutcome scanFolder(const QString& root, const std::function<bool()>& cancelled = {});

// Display form of a raw path (invalid UTF-8 bytes shown as U+FFFD).
QString displayPath(const QByteArray& raw);

}  // namespace fedpilot
