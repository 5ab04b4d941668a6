#include "imports/FolderScanner.h"

#include <QFile>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include <dirent.h>
#include <sys/stat.h>

namespace fedpilot {
namespace {

class Walker {
public:
    Walker(QByteArray root, std::function<bool()> cancelled) : m_root(std::move(root)), m_cancelled(std::move(cancelled)) {}

    bool walk(const QByteArray& rel, int depth, ScanResult& out)
    {
        if (m_cancelled && m_cancelled())
            return false;
        const QByteArray dirPath = rel.isEmpty() ? m_root : m_root + '/' + rel;
        DIR* dir = opendir(dirPath.constData());
        if (!dir) {
            if (depth > 0)
                addError(rel, errno, out);
            return depth > 0;  // an unreadable root is the caller's error
        }
        std::vector<QByteArray> names;
        while (dirent* e = readdir(dir)) {
            if (e->d_name[0] == '.')
                continue;  // ".", ".." and hidden files/folders
            names.emplace_back(e->d_name);
        }
        closedir(dir);
        std::sort(names.begin(), names.end());
        for (const QByteArray& name : names) {
            const QByteArray childRel = rel.isEmpty() ? name : rel + '/' + name;
            const QByteArray full = m_root + '/' + childRel;
            struct stat st {};
            if (stat(full.constData(), &st) != 0) {  // follows symlinks; ELOOP for a loop
                addError(childRel, errno, out);
                continue;
            }
            if (S_ISDIR(st.st_mode)) {
                // A folder reached twice (a symlink to an ancestor or a sibling) would loop or
                // import the same files twice.
                if (!m_visited.insert({st.st_dev, st.st_ino}).second) {
                    addError(childRel, ELOOP, out);
                    continue;
                }
                if (depth == 0)
                    out.identityFolders.push_back(name);
                if (!walk(childRel, depth + 1, out))
                    return false;
            } else if (S_ISREG(st.st_mode)) {
                ScanEntry entry;
                entry.relPath = childRel;
                entry.identity = identityOf(childRel);
                entry.sizeBytes = std::int64_t(st.st_size);
                entry.mtimeNs = std::int64_t(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
                out.files.push_back(std::move(entry));
            } else {
                addError(childRel, ENODEV, out, QStringLiteral("not a regular file"));
            }
        }
        return true;
    }

    void markRoot(const QByteArray& root)
    {
        struct stat st {};
        if (stat(root.constData(), &st) == 0)
            m_visited.insert({st.st_dev, st.st_ino});
    }

private:
    static QByteArray identityOf(const QByteArray& rel)
    {
        const int slash = rel.indexOf('/');
        return slash < 0 ? QByteArray() : rel.left(slash);
    }

    static void addError(const QByteArray& rel, int err, ScanResult& out, QString text = {})
    {
        ScanEntry entry;
        entry.relPath = rel;
        entry.identity = identityOf(rel);
        entry.error = err == 0 ? EIO : err;
        if (text.isEmpty())
            text = err == ELOOP ? QStringLiteral("symbolic link loop") : QString::fromLocal8Bit(std::strerror(entry.error));
        entry.errorText = text;
        out.files.push_back(std::move(entry));
    }

    QByteArray m_root;
    std::function<bool()> m_cancelled;
    std::set<std::pair<dev_t, ino_t>> m_visited;
};

}  // namespace

ScanOutcome scanFolder(const QString& root, const std::function<bool()>& cancelled)
{
    ScanOutcome outcome;
    QByteArray rawRoot = QFile::encodeName(root);
    while (rawRoot.size() > 1 && rawRoot.endsWith('/'))
        rawRoot.chop(1);
    struct stat st {};
    if (stat(rawRoot.constData(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        outcome.error = QStringLiteral("%1 is not a readable folder").arg(root);
        return outcome;
    }
    Walker walker(rawRoot, cancelled);
    walker.markRoot(rawRoot);
    if (DIR* probe = opendir(rawRoot.constData()); probe) {
        closedir(probe);
    } else {
        outcome.error = QStringLiteral("cannot read folder %1: %2").arg(root, QString::fromLocal8Bit(std::strerror(errno)));
        return outcome;
    }
    if (!walker.walk(QByteArray(), 0, outcome.result)) {
        outcome.cancelled = true;
        outcome.result = {};
        return outcome;
    }
    std::sort(outcome.result.files.begin(), outcome.result.files.end(),
              [](const ScanEntry& a, const ScanEntry& b) { return a.relPath < b.relPath; });
    outcome.ok = true;
    return outcome;
}

QString displayPath(const QByteArray& raw)
{
    return QString::fromUtf8(raw);
}

}  // namespace fedpilot
