#pragma once
// The names of the scalars the coordinator reads from a worker's reports. The worker writes
// them, the coordinator's policies, status table and summary read them: both sides use
// these constants, so a rename is one edit and a typo a compile error. Scalars only the
// worker's own console or the dashboard show (step_seconds, ...) need no constant here.
namespace cog::wire::metric {

// Metrics (every log_every steps)
inline constexpr const char* kLoss = "loss";                        // this step's training loss
inline constexpr const char* kLossWindowMean = "loss_window_mean";  // mean since the last report
inline constexpr const char* kGradNorm = "grad_norm";               // pre-clip global gradient norm
inline constexpr const char* kTokensPerS = "tokens_per_s";
inline constexpr const char* kSeqLen = "seq_len";
inline constexpr const char* kCurriculumStage = "curriculum_stage";
inline constexpr const char* kLrMuon = "lr_muon";
inline constexpr const char* kLrFallback = "lr_fallback";
// Added by the coordinator to a job's last_metrics from Metrics::eta_seconds.
inline constexpr const char* kEtaS = "eta_s";

// Validation
inline constexpr const char* kValLoss = "val_loss";
inline constexpr const char* kExactMatch = "exact_match";
// Scored on the last number of each answer (lm-evaluation-harness's flexible-extract; GSM8K's
// strict score needs "####" in the answer).
inline constexpr const char* kExactMatchFlexible = "exact_match_flexible";
inline constexpr const char* kAnswered = "answered";
inline constexpr const char* kDistinct1 = "distinct_1";
inline constexpr const char* kDistinct2 = "distinct_2";
inline constexpr const char* kTopTokenShare = "top_token_share";
// Answers that are empty (the model emitted end-of-answer at once) / answers. A collapse to
// empty answers has no tokens for top_token_share and distinct-1 to see.
inline constexpr const char* kEmptyAnswerShare = "empty_answer_share";
// Prefixes of per-slice exact match: "exact_match.family.recall", "exact_match.class.one_digit".
inline constexpr const char* kExactMatchFamilyPrefix = "exact_match.family.";
inline constexpr const char* kExactMatchClassPrefix = "exact_match.class.";
// The lowest of the per-family and per-class exact matches (absent when there are none).
inline constexpr const char* kExactMatchWeakest = "exact_match.weakest";
// Per curriculum stage k (0-based), on the held-out records of difficulty <= the stage's
// max_difficulty: "val_loss.stage.1", "exact_match.stage.1". Early stopping and the best
// checkpoint can so compare a stage with itself.
inline constexpr const char* kValLossStagePrefix = "val_loss.stage.";
inline constexpr const char* kExactMatchStagePrefix = "exact_match.stage.";

}  // namespace cog::wire::metric
