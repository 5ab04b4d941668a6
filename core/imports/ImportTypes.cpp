#include "imports/ImportTypes.h"

#include <array>
#include <utility>

namespace fedpilot {
namespace {

struct ReasonName {
    ImportReason reason;
    const char* code;
    const char* text;
};

constexpr std::array<ReasonName, 11> kReasons{{
    {ImportReason::None, "", "ok"},
    {ImportReason::NotImage, "not_image", "not an image"},
    {ImportReason::Unreadable, "unreadable", "unreadable"},
    {ImportReason::Corrupt, "corrupt", "corrupt image"},
    {ImportReason::TooLarge, "too_large", "too large"},
    {ImportReason::TooSmall, "too_small", "too small"},
    {ImportReason::NoFace, "no_face", "no face found"},
    {ImportReason::Blurry, "blurry", "blurry"},
    {ImportReason::Duplicate, "duplicate", "exact duplicate"},
    {ImportReason::NearDuplicate, "near_duplicate", "near duplicate"},
    {ImportReason::OutsideIdentity, "outside_identity", "not inside an identity folder"},
}};

}  // namespace

QString reasonCode(ImportReason reason)
{
    for (const auto& r : kReasons)
        if (r.reason == reason)
            return QString::fromLatin1(r.code);
    return QString();
}

ImportReason reasonFromCode(const QString& code)
{
    for (const auto& r : kReasons)
        if (code == QLatin1String(r.code))
            return r.reason;
    return ImportReason::None;
}

QString reasonText(ImportReason reason)
{
    for (const auto& r : kReasons)
        if (r.reason == reason)
            return QString::fromLatin1(r.text);
    return QString();
}

QStringList allReasonCodes()
{
    QStringList out;
    for (const auto& r : kReasons)
        if (r.reason != ImportReason::None)
            out << QString::fromLatin1(r.code);
    return out;
}

}  // namespace fedpilot
