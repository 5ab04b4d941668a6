#pragma once
// Internal: margin heads, the AdaFedFR k-negative contrastive loss and the residual adapter.

#include "fedpilot/engine/Config.h"

#include <torch/torch.h>

namespace fedpilot::engine {

// Margin logits for normalised embeddings z [B,d] against class weights W [C,d] (normalised
// inside): CosFace s*(cos - m*onehot) or ArcFace s*cos(theta + m) on the target class.
torch::Tensor marginLogits(const torch::Tensor& z, const torch::Tensor& weight,
                           const torch::Tensor& labels, const HeadConfig& head);
// Cross-entropy over margin logits.
torch::Tensor marginLoss(const torch::Tensor& z, const torch::Tensor& weight,
                         const torch::Tensor& labels, const HeadConfig& head);

struct KNegativeOptions {
    int k = 100;
    double tau = 1.0 / 30.0;
    double similarityDelta = -1.0;  // < 0: off
};
// AdaFedFR's adaptive k-negative loss. z [B,d] normalised; positives = normalised classifier
// rows of the labels [B,d]; publicReps [P,d] (normalised inside, gradients flow into the
// selected rows). Negatives: the k public rows most similar to each z (chosen without gradient).
// tau may be a tensor (learnable temperature); pass an undefined tensor to use options.tau.
torch::Tensor kNegativeLoss(const torch::Tensor& z, const torch::Tensor& positives,
                            const torch::Tensor& publicReps, const KNegativeOptions& options,
                            const torch::Tensor& tau = {});

// Residual adapter p = e + U e with U zero-initialised: starts as the identity.
struct AdapterImpl : torch::nn::Module {
    explicit AdapterImpl(int dim);
    torch::Tensor forward(const torch::Tensor& e);
    torch::nn::Linear u{nullptr};
};
TORCH_MODULE(Adapter);

}  // namespace fedpilot::engine
