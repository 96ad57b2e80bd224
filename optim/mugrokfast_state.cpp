// MuGrokfast::save / load. Kept apart from the update math: this is the part that must
// stay compatible with checkpoints already on disk (bump kFormatVersion on any change).
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <sstream>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "optim/mugrokfast.hpp"

namespace cog::optim {
namespace {

constexpr int64_t kFormatVersion = 1;

// Archive keys are attribute names of a TorchScript module underneath, so they avoid '.'.
std::string paramKey(size_t index) { return "param_" + std::to_string(index); }

c10::IValue readValue(torch::serialize::InputArchive& archive, const std::string& key,
                      const std::string& where) {
  c10::IValue value;
  if (!archive.try_read(key, value)) {
    throw CheckpointError("optimizer state " + where + " has no '" + key +
                          "'; it was not written by this version of MuGrokfast");
  }
  return value;
}

int64_t readInt(torch::serialize::InputArchive& archive, const std::string& key,
                const std::string& where) {
  const c10::IValue value = readValue(archive, key, where);
  if (!value.isInt()) {
    throw CheckpointError("optimizer state " + where + ": '" + key + "' is not an integer");
  }
  return value.toInt();
}

std::string readString(torch::serialize::InputArchive& archive, const std::string& key,
                       const std::string& where) {
  const c10::IValue value = readValue(archive, key, where);
  if (!value.isString()) {
    throw CheckpointError("optimizer state " + where + ": '" + key + "' is not a string");
  }
  return value.toStringRef();
}

// Reads an optional state tensor and checks it against the parameter it belongs to. `out`
// becomes an independent copy on the parameter's device, so two optimizers loaded from one
// archive never share state. Returns false if the key is absent.
bool tryReadState(torch::serialize::InputArchive& archive, const std::string& key,
                  const NamedParameter& param, torch::Tensor& out) {
  torch::Tensor loaded;
  if (!archive.try_read(key, loaded)) return false;
  if (loaded.sizes() != param.tensor.sizes()) {
    std::ostringstream os;
    os << "optimizer state '" << key << "' of parameter '" << param.name << "' has shape "
       << loaded.sizes() << " but the parameter has shape " << param.tensor.sizes()
       << "; the checkpoint belongs to a different model configuration";
    throw CheckpointError(os.str());
  }
  out = loaded.to(param.tensor.device(), param.tensor.scalar_type(), /*non_blocking=*/false,
                  /*copy=*/true);
  return true;
}

torch::Tensor readState(torch::serialize::InputArchive& archive, const std::string& key,
                        const NamedParameter& param) {
  torch::Tensor out;
  if (!tryReadState(archive, key, param, out)) {
    throw CheckpointError("optimizer state for parameter '" + param.name + "' has no '" + key +
                          "' (was the checkpoint written with a different grouping?)");
  }
  return out;
}

}  // namespace

void MuGrokfast::save(torch::serialize::OutputArchive& archive) const {
  archive.write("format_version", c10::IValue(kFormatVersion));
  archive.write("step_count", c10::IValue(stepCount_));
  archive.write("lr_scale", c10::IValue(lrScale_));
  archive.write("num_params", c10::IValue(static_cast<int64_t>(states_.size())));
  for (size_t i = 0; i < states_.size(); ++i) {
    const ParamState& s = states_[i];
    torch::serialize::OutputArchive entry;
    entry.write("name", c10::IValue(s.param.name));
    entry.write("group", c10::IValue(std::string(paramGroupKindName(s.kind))));
    if (s.kind == ParamGroupKind::kMuon) {
      entry.write("momentum", s.momentum, /*is_buffer=*/true);
    } else {
      entry.write("exp_avg", s.expAvg, /*is_buffer=*/true);
      entry.write("exp_avg_sq", s.expAvgSq, /*is_buffer=*/true);
      entry.write("adam_steps", c10::IValue(s.adamSteps));
    }
    // Absent until the filter has run (lambda 0, or no grad yet): load then leaves it unset.
    if (s.grokfastEma.defined()) entry.write("grokfast_ema", s.grokfastEma, /*is_buffer=*/true);
    archive.write(paramKey(i), entry);
  }
}

void MuGrokfast::load(torch::serialize::InputArchive& archive) {
  const std::string top = "(top level)";
  const int64_t version = readInt(archive, "format_version", top);
  if (version != kFormatVersion) {
    throw CheckpointError("optimizer state has format version " + std::to_string(version) +
                          ", this build reads version " + std::to_string(kFormatVersion));
  }
  const int64_t numParams = readInt(archive, "num_params", top);
  if (numParams != static_cast<int64_t>(states_.size())) {
    throw CheckpointError("optimizer state has " + std::to_string(numParams) +
                          " parameters but the optimizer has " + std::to_string(states_.size()) +
                          "; the checkpoint belongs to a different model configuration");
  }
  const int64_t stepCount = readInt(archive, "step_count", top);
  const c10::IValue lrScale = readValue(archive, "lr_scale", top);
  if (!lrScale.isDouble()) throw CheckpointError("optimizer state: 'lr_scale' is not a number");

  // Everything is read and checked into `loaded` first, so a bad checkpoint leaves this
  // optimizer exactly as it was.
  std::vector<ParamState> loaded = states_;
  torch::NoGradGuard noGrad;
  for (size_t i = 0; i < loaded.size(); ++i) {
    ParamState& s = loaded[i];
    torch::serialize::InputArchive entry;
    if (!archive.try_read(paramKey(i), entry)) {
      throw CheckpointError("optimizer state has no entry for parameter #" + std::to_string(i) +
                            " ('" + s.param.name + "')");
    }
    const std::string where = "for parameter '" + s.param.name + "'";
    const std::string savedName = readString(entry, "name", where);
    const std::string savedGroup = readString(entry, "group", where);
    if (savedName != s.param.name || savedGroup != paramGroupKindName(s.kind)) {
      throw CheckpointError("optimizer state #" + std::to_string(i) + " is for '" + savedName +
                            "' (" + savedGroup + ") but the optimizer's parameter is '" +
                            s.param.name + "' (" + paramGroupKindName(s.kind) + ")");
    }
    if (s.kind == ParamGroupKind::kMuon) {
      s.momentum = readState(entry, "momentum", s.param);
    } else {
      s.expAvg = readState(entry, "exp_avg", s.param);
      s.expAvgSq = readState(entry, "exp_avg_sq", s.param);
      s.adamSteps = readInt(entry, "adam_steps", where);
    }
    s.grokfastEma = torch::Tensor();
    tryReadState(entry, "grokfast_ema", s.param, s.grokfastEma);
  }
  states_ = std::move(loaded);
  stepCount_ = stepCount;
  lrScale_ = lrScale.toDouble();
}

}  // namespace cog::optim
