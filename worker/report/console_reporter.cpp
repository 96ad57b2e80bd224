#include "worker/report/console_reporter.hpp"

#include <cmath>
#include <cstdio>
#include <string>

#include "comms/wire/metric_names.hpp"

namespace cog::worker {

double scalarOr(const Scalars& scalars, const std::string& name, double fallback) {
  for (const auto& [key, value] : scalars) {
    if (key == name) return value;
  }
  return fallback;
}

std::string formatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<int64_t>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>((s % 3600) / 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  }
  return buf;
}

void ConsoleReporter::onStep(const StepReport& r) {
  char line[256];
  std::snprintf(line, sizeof line,
                "step %6lld  epoch %lld (%lld/%lld)  loss %.4f  lr %.2e/%.2e  gnorm %.3f  %.0f "
                "tok/s  ETA %s\n",
                static_cast<long long>(r.step), static_cast<long long>(r.epoch + 1),
                static_cast<long long>(r.step_in_epoch), static_cast<long long>(r.steps_in_epoch),
                scalarOr(r.scalars, "loss", NAN), scalarOr(r.scalars, "lr_muon", NAN),
                scalarOr(r.scalars, "lr_fallback", NAN), scalarOr(r.scalars, "grad_norm", NAN),
                scalarOr(r.scalars, "tokens_per_s", NAN), formatDuration(r.eta_seconds).c_str());
  out_ << line << std::flush;
}

void ConsoleReporter::onValidation(const ValidationReport& r) {
  char line[256];
  out_ << "validation after epoch " << r.epoch + 1 << " (step " << r.step << ")\n";
  std::snprintf(line, sizeof line, "  %-10s %-9s %-11s %-10s %-10s %-9s\n", "val_loss", "val_ppl",
                "exact_match", "distinct_1", "distinct_2", "top_share");
  out_ << line;
  std::snprintf(line, sizeof line, "  %-10.4f %-9.3f %-11.3f %-10.3f %-10.3f %-9.3f\n",
                scalarOr(r.scalars, "val_loss", NAN), scalarOr(r.scalars, "val_ppl", NAN),
                scalarOr(r.scalars, "exact_match", NAN), scalarOr(r.scalars, "distinct_1", NAN),
                scalarOr(r.scalars, "distinct_2", NAN),
                scalarOr(r.scalars, "top_token_share", NAN));
  out_ << line;
  // Per slice and per curriculum stage, one line each: "exact_match family arithmetic 1.000 ...".
  auto slices = [&](const std::string& prefix, const char* title, int precision) {
    std::string text;
    for (const auto& [key, value] : r.scalars) {
      if (key.rfind(prefix, 0) != 0) continue;
      std::snprintf(line, sizeof line, " %s %.*f", key.substr(prefix.size()).c_str(), precision, value);
      text += line;
    }
    if (!text.empty()) out_ << "  " << title << ":" << text << "\n";
  };
  slices(wire::metric::kExactMatchFamilyPrefix, "exact_match by family", 3);
  slices(wire::metric::kExactMatchClassPrefix, "exact_match by operand class", 3);
  slices(wire::metric::kValLossStagePrefix, "val_loss by curriculum stage", 4);
  slices(wire::metric::kExactMatchStagePrefix, "exact_match by curriculum stage", 3);
  for (const auto& [source, loss] : r.per_source) {
    std::snprintf(line, sizeof line, "  loss[%s] %.4f\n", source.c_str(), loss);
    out_ << line;
  }
  const size_t shown = std::min<size_t>(r.samples.size(), 3);
  for (size_t i = 0; i < shown; ++i) {
    const auto& s = r.samples[i];
    out_ << "  " << (s.correct ? "ok  " : "miss") << " " << s.prompt << " -> \"" << s.generated
         << "\" (expected " << s.expected << ")\n";
  }
  out_ << std::flush;
}

void ConsoleReporter::onEvent(const EventReport& r) {
  out_ << "[" << r.kind << "] step " << r.step << ": " << r.detail << "\n" << std::flush;
}

void ConsoleReporter::onCheckpoint(const CheckpointReport& r) {
  out_ << "[checkpoint] step " << r.step << ": " << r.name << " -> " << r.path << "\n"
       << std::flush;
}

void ConsoleReporter::onFinished(const FinishReport& r) {
  out_ << "[finished] step " << r.step << ": " << wire::runEndName(r.reason)
       << (r.detail.empty() ? "" : ", " + r.detail) << "\n"
       << std::flush;
}

}  // namespace cog::worker
