#pragma once
// Cleaning up after a crash in the middle of CheckpointWriter::commit() (see the protocol
// in checkpoint_writer.hpp). Call both at job start, before this job writes checkpoints:
// they assume no other process is writing into ROOT at the same time. Temporaries made by
// the calling process itself are never touched.
#include <filesystem>
#include <string>
#include <vector>

namespace cog::checkpoint {

// For every NAME that is missing while a set-aside ".old-NAME-…" exists (a crash between
// the two renames of an overwrite), renames the newest such copy that fully verifies back
// to NAME and fsyncs ROOT. Returns the restored names. Copies that fail verification are
// left alone. A missing ROOT restores nothing.
std::vector<std::string> recoverInterrupted(const std::filesystem::path& root);

// Removes staging directories ".tmp-…" of other processes, and set-aside ".old-NAME-…"
// copies whose NAME exists (never the last copy of a checkpoint: run recoverInterrupted
// first). Returns the removed paths; a removal failure is a CheckpointError.
std::vector<std::filesystem::path> removeStaleTemporaries(const std::filesystem::path& root);

}  // namespace cog::checkpoint
