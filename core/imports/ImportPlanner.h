#pragma once
// The dataset-wide decisions of an import, taken after every file is analysed, in path order so
// they do not depend on thread timing: exact duplicates (SHA-256, anywhere in the dataset), blur,
// near duplicates (crop dHash, within an identity), identities with too few images, held-out
// identities, the per-identity train/held-out split and the labels. Deterministic for a seed.

#include "imports/ImportTypes.h"
#include "storage/DatasetRepository.h"
#include "fedpilot/engine/Result.h"

#include <cstdint>
#include <vector>

namespace fedpilot {

struct PlanOptions {
    double blurThreshold = 25.0;
    int nearDuplicateBits = 12;
    int minImages = 2;
    double heldOutFraction = 0.2;
    int heldOutIdentities = 0;
    quint64 seed = 1;
};

struct ImportPlan {
    std::vector<std::size_t> cacheOrder;  // indices into files, in cache order (by label, then path)
    int numClasses = 0;
    int trainIdentities = 0;
    int heldOutIdentities = 0;
};

// Fills status, reason, detail, split and cacheIndex of every file (ordered by relPath) and
// status, label, heldOut and counts of every identity.
engine::Result<ImportPlan> planImport(std::vector<FileRecord>& files, std::vector<IdentityRecord>& identities,
                                      const PlanOptions& options);

// Seeded 64-bit hash of bytes: the order used to pick held-out images and identities.
std::uint64_t splitHash(quint64 seed, const QByteArray& bytes);

}  // namespace fedpilot
