#include "worker/report/wire_reporter.hpp"

namespace cog::worker {

WireReporter::WireReporter(std::unique_ptr<wire::WorkerLink> link) : link_(std::move(link)) {}

WireReporter::~WireReporter() { close(std::chrono::milliseconds(2000)); }

void WireReporter::onStep(const StepReport& r) { link_->post(r); }

void WireReporter::onValidation(const ValidationReport& r) { link_->post(r); }

void WireReporter::onEvent(const EventReport& r) { link_->post(r); }

void WireReporter::onCheckpoint(const CheckpointReport& r) { link_->post(r); }

void WireReporter::onFinished(const FinishReport& r) { link_->post(r); }

void WireReporter::onProgress(int64_t step) { link_->markProgress(step); }

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
