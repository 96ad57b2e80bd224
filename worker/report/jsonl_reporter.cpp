#include "worker/report/jsonl_reporter.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "common/error.hpp"

namespace cog::worker {
namespace {

// JSON has no NaN/Inf: non-finite values (a diverged loss) are written as strings so the
// line stays valid and the fact is kept.
nlohmann::json number(double v) {
  if (std::isfinite(v)) return v;
  return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
}

nlohmann::json scalarsJson(const Scalars& scalars) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [k, v] : scalars) out[k] = number(v);
  return out;
}

}  // namespace

JsonlReporter::JsonlReporter(const std::string& path) : out_(path, std::ios::app) {
  if (!out_) throw DataError(path + ": cannot open metrics file for appending");
}

void JsonlReporter::onStep(const StepReport& r) {
  nlohmann::json j = {{"type", "step"},       {"step", r.step},
                      {"epoch", r.epoch},     {"step_in_epoch", r.step_in_epoch},
                      {"steps_in_epoch", r.steps_in_epoch}, {"eta_s", number(r.eta_seconds)},
                      {"metrics", scalarsJson(r.scalars)}};
  out_ << j.dump() << "\n" << std::flush;
}

void JsonlReporter::onValidation(const ValidationReport& r) {
  nlohmann::json samples = nlohmann::json::array();
  for (const auto& s : r.samples) {
    samples.push_back({{"source", s.source}, {"prompt", s.prompt}, {"generated", s.generated},
                       {"expected", s.expected}, {"correct", s.correct}});
  }
  nlohmann::json j = {{"type", "validation"}, {"step", r.step}, {"epoch", r.epoch},
                      {"metrics", scalarsJson(r.scalars)}, {"per_source_loss", scalarsJson(r.per_source)},
                      {"samples", samples}};
  out_ << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n" << std::flush;
}

void JsonlReporter::onEvent(const EventReport& r) {
  nlohmann::json j = {{"type", "event"}, {"step", r.step}, {"kind", r.kind}, {"detail", r.detail}};
  out_ << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n" << std::flush;
}

}  // namespace cog::worker
