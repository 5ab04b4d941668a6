#include "FaceModelImpl.h"

#include "train/BatchLoader.h"

namespace fedpilot::engine {

Result<std::vector<float>> embedImages(BackboneNet& net, const torch::Device& device, bool channelsLast,
                                       const FaceCache& cache, const std::vector<std::int64_t>& indices,
                                       const EmbedOptions& options, const std::atomic<bool>* cancel,
                                       const std::function<torch::Tensor(const torch::Tensor&)>& head)
{
    namespace F = torch::nn::functional;
    for (auto i : indices) {
        if (i < 0 || i >= cache.size())
            return Result<std::vector<float>>::error("image index " + std::to_string(i) + " is outside the cache");
    }
    const bool wasTraining = net.is_training();
    net.eval();
    std::vector<LoaderItem> items(indices.size());
    for (std::size_t i = 0; i < indices.size(); ++i)
        items[i] = {indices[i], 0, false};
    std::vector<float> out;
    std::int64_t dim = 0;
    {
        torch::InferenceMode inference;
        BatchLoader loader(cache, std::move(items), std::max(1, options.batchSize), 1, device.is_cuda());
        while (auto batch = loader.next()) {
            if (cancel && cancel->load()) {
                net.train(wasTraining);
                return Result<std::vector<float>>::error("cancelled");
            }
            auto images = batch->images.to(device);
            if (!channelsLast)
                images = images.contiguous();
            auto embed = [&](const torch::Tensor& x) {
                auto e = net.forward(x);
                return head ? head(e) : e;
            };
            auto e = F::normalize(embed(images), F::NormalizeFuncOptions().dim(1));
            if (options.flipAverage)
                e = F::normalize(e + F::normalize(embed(images.flip({3})), F::NormalizeFuncOptions().dim(1)),
                                 F::NormalizeFuncOptions().dim(1));
            e = e.to(torch::kCPU, torch::kFloat).contiguous();
            dim = e.size(1);
            out.insert(out.end(), e.data_ptr<float>(), e.data_ptr<float>() + e.numel());
        }
    }
    net.train(wasTraining);
    if (static_cast<std::int64_t>(out.size()) != static_cast<std::int64_t>(indices.size()) * dim && !indices.empty())
        return Result<std::vector<float>>::error("embedding stopped early (out of memory?)");
    return out;
}

}  // namespace fedpilot::engine
