#include "worker/model_summary.hpp"

#include <torch/torch.h>

#include <iomanip>

#include "model/cognate.hpp"

namespace cog::worker {

void printModelSummary(const model::ModelConfig& c, std::ostream& out) {
  const auto saved_precision = out.precision();
  auto net = model::CognateModel(c);
  const int64_t total = model::parameterCount(*net);
  out << "Cognate " << c.variant << " (preset " << c.preset << ", seed " << c.seed << "): "
      << std::fixed << std::setprecision(2) << total / 1e6 << "M parameters\n"
      << "  d_model " << c.d_model << ", " << c.n_layers << " layers, " << c.n_heads << " heads x "
      << c.head_dim << ", SwiGLU " << c.d_ff << ", vocab " << c.vocab_size << ", window "
      << c.attention_window << ", max_seq " << c.max_seq_len << ", positions " << c.positions
      << ", residual init " << c.residual_init << "\n"
      << "  LTM d_mem " << c.d_mem << " decay " << std::setprecision(3) << c.mem_decay
      << ", TRM T_max " << c.t_max << " x " << c.micro_steps << " micro steps, ACT threshold "
      << c.act_threshold << "\n";
  for (const auto& [name, count] : model::parameterBreakdown(*net)) {
    out << "    " << std::left << std::setw(12) << name << std::right << std::setw(12) << count
        << "  " << std::setprecision(1) << std::setw(5) << 100.0 * count / total << "%\n";
  }
  out << std::defaultfloat;
  out.precision(saved_precision);
}

}  // namespace cog::worker
