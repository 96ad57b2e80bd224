#include "worker/report/wire_reporter.hpp"

namespace cog::worker {

WireReporter::WireReporter(std::unique_ptr<wire::WorkerLink> link) : link_(std::move(link)) {}

WireReporter::~WireReporter() { close(std::chrono::milliseconds(2000)); }

void WireReporter::onStep(const StepReport& r) {
  link_->setStep(r.step);
  wire::Metrics m;
  m.step = r.step;
  m.epoch = r.epoch;
  m.step_in_epoch = r.step_in_epoch;
  m.steps_in_epoch = r.steps_in_epoch;
  m.eta_seconds = r.eta_seconds;
  m.scalars = r.scalars;
  link_->post(std::move(m));
}

void WireReporter::onValidation(const ValidationReport& r) {
  wire::Validation v;
  v.step = r.step;
  v.epoch = r.epoch;
  v.scalars = r.scalars;
  v.per_source = r.per_source;
  for (const auto& s : r.samples) v.samples.push_back({s.source, s.prompt, s.generated, s.expected, s.correct});
  link_->post(std::move(v));
}

void WireReporter::onEvent(const EventReport& r) { link_->post(wire::Event{r.step, r.kind, r.detail}); }

ExternalCommands WireReporter::pollCommands() {
  ExternalCommands out;
  while (auto command = link_->pollCommand()) {
    if (command->kind == wire::CommandKind::kStop) out.stop = true;
    if (command->kind == wire::CommandKind::kCheckpointNow) out.checkpoint_now = true;
  }
  return out;
}

void WireReporter::close(std::chrono::milliseconds timeout) {
  if (closed_) return;
  closed_ = true;
  link_->close(timeout);
}

}  // namespace cog::worker
