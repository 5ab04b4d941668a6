#include "fedpilot/engine/Federation.h"

#include "io/Half.h"

#include <cmath>
#include <exception>
#include <limits>
#include <locale>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace fedpilot::engine {

namespace {

// Element count implied by a shape, or -1 for a negative or overflowing dimension. Computed here
// rather than via NamedTensor::numel so the federation math stands on its own.
std::int64_t shapeElements(const std::vector<std::int64_t>& shape)
{
    std::int64_t elements = 1;
    for (std::int64_t dim : shape) {
        if (dim < 0 || (dim != 0 && elements > std::numeric_limits<std::int64_t>::max() / dim))
            return -1;
        elements *= dim;
    }
    return elements;
}

std::string shapeText(const std::vector<std::int64_t>& shape)
{
    std::ostringstream text;
    text << '[';
    for (std::size_t i = 0; i < shape.size(); ++i)
        text << (i ? ", " : "") << shape[i];
    text << ']';
    return text.str();
}

std::string numberText(double value)
{
    std::ostringstream text;
    text.imbue(std::locale::classic());
    text.precision(6);
    text << value;
    return text.str();
}

// A tensor whose value count disagrees with its shape would make every later index unsafe.
Status checkConsistent(const NamedTensor& tensor)
{
    const std::int64_t elements = shapeElements(tensor.shape);
    if (elements < 0 || static_cast<std::uint64_t>(elements) != tensor.values.size())
        return Status::error("tensor '" + tensor.name + "' holds " + std::to_string(tensor.values.size())
                             + " values but its shape " + shapeText(tensor.shape) + " needs "
                             + (elements < 0 ? std::string("an invalid count") : std::to_string(elements)));
    return Status::ok();
}

// Name -> position, failing on duplicate names (one of them would silently win otherwise).
Result<std::unordered_map<std::string, std::size_t>> indexByName(const TensorBundle& bundle, const char* what)
{
    std::unordered_map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < bundle.tensors.size(); ++i) {
        if (!index.emplace(bundle.tensors[i].name, i).second)
            return Result<std::unordered_map<std::string, std::size_t>>::error(
                std::string(what) + " holds tensor '" + bundle.tensors[i].name + "' twice");
    }
    return index;
}

}  // namespace

Result<TensorBundle> difference(const TensorBundle& after, const TensorBundle& before)
{
    try {
        auto beforeIndex = indexByName(before, "the base model");
        if (!beforeIndex)
            return beforeIndex.status();
        auto afterIndex = indexByName(after, "the updated model");
        if (!afterIndex)
            return afterIndex.status();
        for (const NamedTensor& tensor : before.tensors) {
            if (afterIndex->count(tensor.name) == 0)
                return Result<TensorBundle>::error("difference: missing tensor '" + tensor.name + "'");
        }

        TensorBundle delta;
        delta.tensors.reserve(after.tensors.size());
        for (const NamedTensor& a : after.tensors) {
            const auto found = beforeIndex->find(a.name);
            if (found == beforeIndex->end())
                return Result<TensorBundle>::error("difference: unexpected tensor '" + a.name + "'");
            const NamedTensor& b = before.tensors[found->second];
            if (a.shape != b.shape)
                return Result<TensorBundle>::error("difference: shape mismatch at tensor '" + a.name
                                                   + "': " + shapeText(a.shape) + " vs " + shapeText(b.shape));
            if (Status status = checkConsistent(a); !status)
                return status;
            if (Status status = checkConsistent(b); !status)
                return status;
            NamedTensor d;
            d.name = a.name;
            d.shape = a.shape;
            d.kind = a.kind;
            d.values.resize(a.values.size());
            for (std::size_t i = 0; i < a.values.size(); ++i)
                d.values[i] = static_cast<float>(static_cast<double>(a.values[i]) - b.values[i]);
            delta.tensors.push_back(std::move(d));
        }
        // Metadata describes a model (hash, round); a delta is not that model, so none is copied.
        return delta;
    } catch (const std::exception& e) {
        return Result<TensorBundle>::error(std::string("difference failed: ") + e.what());
    }
}

Result<TensorBundle> applyDelta(const TensorBundle& base, const TensorBundle& delta, double scale)
{
    if (!std::isfinite(scale))
        return Result<TensorBundle>::error("applyDelta: scale is not finite");
    try {
        auto baseIndex = indexByName(base, "the base model");
        if (!baseIndex)
            return baseIndex.status();
        if (auto deltaIndex = indexByName(delta, "the delta"); !deltaIndex)
            return deltaIndex.status();

        TensorBundle result = base;
        for (const NamedTensor& d : delta.tensors) {
            const auto found = baseIndex->find(d.name);
            if (found == baseIndex->end())
                continue;   // by contract only tensors the base has are updated
            NamedTensor& target = result.tensors[found->second];
            if (d.shape != target.shape)
                return Result<TensorBundle>::error("applyDelta: shape mismatch at tensor '" + d.name
                                                   + "': " + shapeText(target.shape) + " vs " + shapeText(d.shape));
            if (Status status = checkConsistent(d); !status)
                return status;
            if (Status status = checkConsistent(target); !status)
                return status;
            for (std::size_t i = 0; i < d.values.size(); ++i)
                target.values[i] = static_cast<float>(target.values[i] + scale * d.values[i]);
        }
        return result;
    } catch (const std::exception& e) {
        return Result<TensorBundle>::error(std::string("applyDelta failed: ") + e.what());
    }
}

Result<TensorBundle> applyDeltaRounded(const TensorBundle& base, const TensorBundle& delta, Encoding precision)
{
    if (precision == Encoding::Int8)
        return Result<TensorBundle>::error("applyDeltaRounded: int8 is not a model precision");
    auto applied = applyDelta(base, delta, 1.0);
    if (!applied || precision == Encoding::Fp32)
        return applied;
    for (NamedTensor& tensor : applied->tensors) {
        for (float& v : tensor.values)
            v = detail::halfToFloat(detail::floatToHalf(v));
    }
    return applied;
}

double l2Norm(const TensorBundle& bundle, bool includeBuffers)
{
    double sum = 0;
    for (const NamedTensor& tensor : bundle.tensors) {
        if (!includeBuffers && tensor.kind != TensorKind::Parameter)
            continue;
        for (float v : tensor.values)
            sum += static_cast<double>(v) * v;
    }
    return std::sqrt(sum);
}

Status validateUpdate(const TensorBundle& reference, const TensorBundle& update, const UpdateLimits& limits)
{
    if (std::isnan(limits.maxNorm) || limits.maxNorm < 0)
        return Status::error("invalid update norm bound " + numberText(limits.maxNorm));
    try {
        auto referenceIndex = indexByName(reference, "the reference model");
        if (!referenceIndex)
            return referenceIndex.status();
        std::unordered_set<std::string> seen;
        // The norm bound uses the reference's kinds: an update must not dodge it by relabelling
        // parameters as buffers.
        double parameterSum = 0;
        for (const NamedTensor& tensor : update.tensors) {
            if (!seen.insert(tensor.name).second)
                return Status::error("update holds tensor '" + tensor.name + "' twice");
            const auto found = referenceIndex->find(tensor.name);
            if (found == referenceIndex->end())
                return Status::error("unexpected tensor '" + tensor.name + "'");
            const NamedTensor& expected = reference.tensors[found->second];
            if (tensor.shape != expected.shape)
                return Status::error("shape mismatch at tensor '" + tensor.name + "': expected "
                                     + shapeText(expected.shape) + ", got " + shapeText(tensor.shape));
            if (tensor.kind != expected.kind)
                return Status::error("kind mismatch at tensor '" + tensor.name + "'");
            if (Status status = checkConsistent(tensor); !status)
                return status;
            for (std::size_t i = 0; i < tensor.values.size(); ++i) {
                if (!std::isfinite(tensor.values[i]))
                    return Status::error("non-finite value at tensor '" + tensor.name + "' (index "
                                         + std::to_string(i) + ")");
                if (expected.kind == TensorKind::Parameter)
                    parameterSum += static_cast<double>(tensor.values[i]) * tensor.values[i];
            }
        }
        if (limits.requireAllTensors) {
            for (const NamedTensor& tensor : reference.tensors) {
                if (seen.count(tensor.name) == 0)
                    return Status::error("missing tensor '" + tensor.name + "'");
            }
        }
        const double norm = std::sqrt(parameterSum);
        if (limits.maxNorm > 0 && !(norm <= limits.maxNorm))
            return Status::error("update norm " + numberText(norm) + " exceeds bound " + numberText(limits.maxNorm));
        return Status::ok();
    } catch (const std::exception& e) {
        return Status::error(std::string("update validation failed: ") + e.what());
    }
}

}  // namespace fedpilot::engine
