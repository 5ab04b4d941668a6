#pragma once
// Writes the built-in synthetic faces as an import-ready folder: <out>/<identity>/<image>.png.

#include "fedpilot/engine/FaceSynth.h"

#include <QString>

#include <atomic>
#include <functional>

namespace fedpilot {

struct SyntheticFolderOptions {
    QString outDir;
    int identities = 20;
    int imagesPerIdentity = 10;
    int size = 112;
    quint64 seed = 1;
};

struct SyntheticFolderResult {
    int identities = 0;
    qint64 images = 0;
};

// Identity folders are named "person_0001" ...; files "img_0001.png" ... Existing files are
// overwritten; nothing else in outDir is touched.
engine::Result<SyntheticFolderResult> writeSyntheticFolder(
    const SyntheticFolderOptions& options,
    const std::function<void(qint64 done, qint64 total)>& progress = {},
    const std::atomic<bool>* cancel = nullptr);

}  // namespace fedpilot
