#include "imports/ImportPlanner.h"

#include "imports/FaceQuality.h"

#include <QHash>

#include <algorithm>
#include <cmath>
#include <map>

namespace fedpilot {

std::uint64_t splitHash(quint64 seed, const QByteArray& bytes)
{
    std::uint64_t h = 1469598103934665603ULL ^ (seed * 0x9E3779B97F4A7C15ULL);
    for (const char c : bytes) {
        h ^= std::uint8_t(c);
        h *= 1099511628211ULL;
    }
    // splitmix64 finaliser: FNV alone orders similar names (img_001, img_002) too regularly.
    h ^= h >> 30;
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 27;
    h *= 0x94D049BB133111EBULL;
    return h ^ (h >> 31);
}

engine::Result<ImportPlan> planImport(std::vector<FileRecord>& files, std::vector<IdentityRecord>& identities,
                                      const PlanOptions& options)
{
    using R = engine::Result<ImportPlan>;
    std::map<qint64, std::size_t> identityIndex;
    for (std::size_t i = 0; i < identities.size(); ++i) {
        identities[i].imagesOk = identities[i].imagesTotal = 0;
        identities[i].label = -1;
        identities[i].heldOut = false;
        identityIndex[identities[i].id] = i;
    }
    // Per-file verdicts, in path order.
    QHash<QByteArray, std::size_t> firstBySha;
    std::map<qint64, std::vector<std::size_t>> keptByIdentity;
    for (std::size_t i = 0; i < files.size(); ++i) {
        FileRecord& f = files[i];
        f.split.clear();
        f.cacheIndex = -1;
        f.reason = f.processReason;
        if (f.identityId > 0 && identityIndex.count(f.identityId))
            ++identities[identityIndex[f.identityId]].imagesTotal;
        if (!f.reason.isEmpty() || f.cropIndex < 0) {
            if (f.reason.isEmpty())
                f.reason = reasonCode(ImportReason::Corrupt);  // analysed earlier without a crop: should not happen
            f.status = QStringLiteral("rejected");
            continue;
        }
        if (auto it = firstBySha.constFind(f.sha256); it != firstBySha.constEnd()) {
            f.status = QStringLiteral("rejected");
            f.reason = reasonCode(ImportReason::Duplicate);
            f.detail = QStringLiteral("same bytes as %1").arg(QString::fromUtf8(files[*it].relPath));
            continue;
        }
        firstBySha.insert(f.sha256, i);
        if (f.blur >= 0 && f.blur < options.blurThreshold) {
            f.status = QStringLiteral("rejected");
            f.reason = reasonCode(ImportReason::Blurry);
            f.detail = QStringLiteral("sharpness %1 < %2").arg(f.blur, 0, 'f', 1).arg(options.blurThreshold, 0, 'f', 1);
            continue;
        }
        auto& kept = keptByIdentity[f.identityId];
        bool near = false;
        if (options.nearDuplicateBits > 0) {
            for (std::size_t k : kept) {
                const int bits = hammingDistance(f.phash, files[k].phash);
                if (bits >= 0 && bits <= options.nearDuplicateBits) {
                    f.status = QStringLiteral("rejected");
                    f.reason = reasonCode(ImportReason::NearDuplicate);
                    f.detail = QStringLiteral("%1 of 256 hash bits from %2").arg(bits).arg(QString::fromUtf8(files[k].relPath));
                    near = true;
                    break;
                }
            }
        }
        if (near)
            continue;
        f.status = QStringLiteral("ok");
        f.detail.clear();
        kept.push_back(i);
        if (f.identityId > 0 && identityIndex.count(f.identityId))
            ++identities[identityIndex[f.identityId]].imagesOk;
    }

    // Identities: enough images, then which are held out entirely.
    std::vector<std::size_t> eligible;
    for (std::size_t i = 0; i < identities.size(); ++i) {
        IdentityRecord& id = identities[i];
        if (id.imagesTotal == 0)
            id.status = QStringLiteral("empty");
        else if (id.imagesOk < std::max(1, options.minImages))
            id.status = QStringLiteral("too_few_images");
        else {
            id.status = QStringLiteral("ok");
            eligible.push_back(i);
        }
    }
    if (options.heldOutIdentities > 0 && options.heldOutIdentities >= int(eligible.size()))
        return R::error(QStringLiteral("cannot hold out %1 identities: only %2 have at least %3 usable images (one must stay for training)")
                            .arg(options.heldOutIdentities).arg(eligible.size()).arg(options.minImages).toStdString());
    std::vector<std::size_t> byHash = eligible;
    std::sort(byHash.begin(), byHash.end(), [&](std::size_t a, std::size_t b) {
        return splitHash(options.seed, identities[a].folder) < splitHash(options.seed, identities[b].folder);
    });
    for (int k = 0; k < options.heldOutIdentities; ++k)
        identities[byHash[std::size_t(k)]].heldOut = true;

    // Labels: training identities first (0..T-1), then held-out ones, each group by folder name.
    ImportPlan plan;
    for (const bool heldOutGroup : {false, true}) {
        for (std::size_t i : eligible) {
            if (identities[i].heldOut != heldOutGroup)
                continue;
            identities[i].label = plan.numClasses++;
            (heldOutGroup ? plan.heldOutIdentities : plan.trainIdentities) += 1;
        }
    }
    std::vector<std::size_t> byLabel = eligible;
    std::sort(byLabel.begin(), byLabel.end(), [&](std::size_t a, std::size_t b) { return identities[a].label < identities[b].label; });
    for (std::size_t i : byLabel) {
        const IdentityRecord& id = identities[i];
        std::vector<std::size_t>& kept = keptByIdentity[id.id];
        // Held-out images: the first k in seeded-hash order, so adding a photo moves few others.
        std::vector<std::size_t> order = kept;
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return splitHash(options.seed, files[a].relPath) < splitHash(options.seed, files[b].relPath);
        });
        const int n = int(order.size());
        int heldOut = id.heldOut ? n : int(std::lround(options.heldOutFraction * n));
        if (!id.heldOut) {
            const int atLeast = (options.heldOutFraction > 0 && n >= 2) ? 1 : 0;
            heldOut = std::clamp(heldOut, atLeast, std::max(0, n - 1));
        }
        for (int k = 0; k < n; ++k)
            files[order[std::size_t(k)]].split = k < heldOut ? QStringLiteral("held_out") : QStringLiteral("train");
        for (std::size_t f : kept) {  // kept is in path order
            files[f].cacheIndex = qint64(plan.cacheOrder.size());
            plan.cacheOrder.push_back(f);
        }
    }
    return plan;
}

}  // namespace fedpilot
