#include "fedpilot/engine/Federation.h"

#include <cmath>
#include <exception>
#include <limits>
#include <unordered_map>

namespace fedpilot::engine {

namespace {

// Element count implied by a shape, or -1 for a negative or overflowing dimension (computed
// here so the accumulator does not depend on NamedTensor::numel).
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

}  // namespace

Status FedAvgAccumulator::add(const TensorBundle& update, double weight)
{
    if (!std::isfinite(weight) || weight <= 0)
        return Status::error("FedAvg: update weight must be a positive finite number");
    if (update.tensors.empty())
        return Status::error("FedAvg: update holds no tensors");

    try {
        // Everything is checked before anything is summed, so a rejected update leaves the
        // accumulator exactly as it was and the round can go on without that site.
        const bool first = m_count == 0;
        std::vector<std::size_t> slots(update.tensors.size());
        if (first) {
            std::unordered_map<std::string, std::size_t> seen;
            for (std::size_t i = 0; i < update.tensors.size(); ++i) {
                if (!seen.emplace(update.tensors[i].name, i).second)
                    return Status::error("FedAvg: update holds tensor '" + update.tensors[i].name + "' twice");
                slots[i] = i;
            }
        } else {
            if (update.tensors.size() != m_names.size())
                return Status::error("FedAvg: update holds " + std::to_string(update.tensors.size())
                                     + " tensors, expected " + std::to_string(m_names.size()));
            std::unordered_map<std::string, std::size_t> slotOf;
            for (std::size_t s = 0; s < m_names.size(); ++s)
                slotOf.emplace(m_names[s], s);
            std::vector<bool> taken(m_names.size(), false);
            for (std::size_t i = 0; i < update.tensors.size(); ++i) {
                const NamedTensor& tensor = update.tensors[i];
                const auto found = slotOf.find(tensor.name);
                if (found == slotOf.end())
                    return Status::error("FedAvg: unexpected tensor '" + tensor.name + "'");
                if (taken[found->second])
                    return Status::error("FedAvg: update holds tensor '" + tensor.name + "' twice");
                taken[found->second] = true;
                if (tensor.shape != m_shapes[found->second])
                    return Status::error("FedAvg: shape mismatch at tensor '" + tensor.name + "'");
                if (tensor.kind != m_kinds[found->second])
                    return Status::error("FedAvg: kind mismatch at tensor '" + tensor.name + "'");
                slots[i] = found->second;
            }
        }
        for (const NamedTensor& tensor : update.tensors) {
            const std::int64_t elements = shapeElements(tensor.shape);
            if (elements < 0 || static_cast<std::uint64_t>(elements) != tensor.values.size())
                return Status::error("FedAvg: tensor '" + tensor.name + "' has "
                                     + std::to_string(tensor.values.size()) + " values, not what its shape needs");
            for (float v : tensor.values) {
                if (!std::isfinite(v))
                    return Status::error("FedAvg: non-finite value at tensor '" + tensor.name + "'");
            }
        }

        if (first) {
            // Allocate fully before touching members, so a failed allocation changes nothing.
            std::vector<std::vector<double>> sums;
            sums.reserve(update.tensors.size());
            for (const NamedTensor& tensor : update.tensors)
                sums.emplace_back(tensor.values.size(), 0.0);
            m_names.clear();
            m_shapes.clear();
            m_kinds.clear();
            for (const NamedTensor& tensor : update.tensors) {
                m_names.push_back(tensor.name);
                m_shapes.push_back(tensor.shape);
                m_kinds.push_back(tensor.kind);
            }
            m_sums = std::move(sums);
        }
        for (std::size_t i = 0; i < update.tensors.size(); ++i) {
            const std::vector<float>& values = update.tensors[i].values;
            std::vector<double>& sum = m_sums[slots[i]];
            for (std::size_t j = 0; j < values.size(); ++j)
                sum[j] += weight * values[j];
        }
        m_totalWeight += weight;
        ++m_count;
        return Status::ok();
    } catch (const std::exception& e) {
        return Status::error(std::string("FedAvg: cannot add update: ") + e.what());
    }
}

Result<TensorBundle> FedAvgAccumulator::average() const
{
    if (m_count == 0)
        return Result<TensorBundle>::error("FedAvg: no updates to average");
    try {
        TensorBundle mean;
        mean.tensors.reserve(m_names.size());
        for (std::size_t s = 0; s < m_names.size(); ++s) {
            NamedTensor tensor;
            tensor.name = m_names[s];
            tensor.shape = m_shapes[s];
            tensor.kind = m_kinds[s];
            tensor.values.resize(m_sums[s].size());
            for (std::size_t j = 0; j < m_sums[s].size(); ++j) {
                const double value = m_sums[s][j] / m_totalWeight;
                // Huge weights times huge values can overflow the sum, or the mean can overflow
                // a float; either way the result is not a model.
                if (!std::isfinite(static_cast<float>(value)))
                    return Result<TensorBundle>::error("FedAvg: average of tensor '" + tensor.name
                                                       + "' overflowed");
                tensor.values[j] = static_cast<float>(value);
            }
            mean.tensors.push_back(std::move(tensor));
        }
        return mean;
    } catch (const std::exception& e) {
        return Result<TensorBundle>::error(std::string("FedAvg: cannot build the average: ") + e.what());
    }
}

void FedAvgAccumulator::clear()
{
    // Swapping with empties really frees the model-sized buffers between rounds.
    std::vector<std::string>().swap(m_names);
    std::vector<std::vector<std::int64_t>>().swap(m_shapes);
    std::vector<TensorKind>().swap(m_kinds);
    std::vector<std::vector<double>>().swap(m_sums);
    m_totalWeight = 0;
    m_count = 0;
}

}  // namespace fedpilot::engine
