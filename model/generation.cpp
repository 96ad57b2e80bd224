#include "model/generation.hpp"

#include <torch/torch.h>

#include "common/error.hpp"

namespace cog::model {

std::vector<int64_t> generate(CognateModelImpl& model, const std::vector<int64_t>& prompt,
                              const GenerationOptions& options) {
  if (prompt.empty()) throw DataError("generate: the prompt encodes to no tokens");
  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  auto generator = at::detail::createCPUGenerator(options.seed);
  const int64_t window = model.config().max_seq_len;
  // Tokens go where the model is; the last position's logits come back to the CPU, where
  // argmax and the sampling generator run.
  const torch::Device device = model.parameters().front().device();

  std::vector<int64_t> context = prompt;
  std::vector<int64_t> produced;
  for (int64_t i = 0; i < options.max_new_tokens; ++i) {
    const int64_t start = std::max<int64_t>(0, static_cast<int64_t>(context.size()) - window);
    auto tokens = torch::tensor(std::vector<int64_t>(context.begin() + start, context.end()),
                                torch::kLong).unsqueeze(0).to(device);
    auto logits = model.inferLogits(tokens).select(1, -1).squeeze(0).to(torch::kCPU, torch::kFloat32);
    int64_t next = 0;
    if (options.temperature <= 0.0) {
      next = logits.argmax().item<int64_t>();
    } else {
      logits = logits / options.temperature;
      if (options.top_k > 0 && options.top_k < logits.size(0)) {
        auto kth = std::get<0>(logits.topk(options.top_k)).min();
        logits = logits.masked_fill(logits < kth, -std::numeric_limits<float>::infinity());
      }
      auto probs = torch::softmax(logits, 0);
      next = torch::multinomial(probs, 1, /*replacement=*/false, generator).item<int64_t>();
    }
    produced.push_back(next);
    context.push_back(next);
    if (next == options.stop_token) break;
  }
  if (was_training) model.train();
  return produced;
}

}  // namespace cog::model
