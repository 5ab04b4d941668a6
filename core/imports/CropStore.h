#pragma once
// A dataset's aligned face crops, kept beside the site DB so that a re-import can rebuild the
// cache without decoding unchanged images again. Append-only file of fixed-size records after a
// 64-byte header (magic "FPCS", version, width, height, channels). Records are referenced by
// index from the files table; a record is made durable (sync()) before the DB row pointing to it
// commits, so a crash leaves at most unreferenced records at the tail, never a dangling index.

#include "fedpilot/engine/Result.h"

#include <QString>

#include <cstdint>

namespace fedpilot {

class CropStore {
public:
    CropStore() = default;
    ~CropStore();
    CropStore(const CropStore&) = delete;
    CropStore& operator=(const CropStore&) = delete;
    CropStore(CropStore&& other) noexcept;
    CropStore& operator=(CropStore&& other) noexcept;

    // Opens (creating when absent) a store for crops of this geometry. An existing store with
    // another geometry is an error (the caller starts a new one). A torn tail record is dropped.
    static engine::Result<CropStore> open(const QString& path, int width, int height, int channels);

    std::int64_t recordBytes() const { return m_recordBytes; }
    std::int64_t count() const { return m_count; }
    // Appends one record; returns its index. Not thread-safe (the import's writer thread owns it).
    engine::Result<std::int64_t> append(const std::uint8_t* pixels);
    // Flushes appended records to stable storage.
    engine::Status sync();
    // Reads record `index` into out (recordBytes() bytes). Safe to call from one thread at a time.
    engine::Status read(std::int64_t index, std::uint8_t* out) const;

private:
    void close();
    int m_fd = -1;
    QString m_path;
    std::int64_t m_recordBytes = 0;
    std::int64_t m_count = 0;
};

}  // namespace fedpilot
