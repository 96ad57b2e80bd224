#!/usr/bin/env bash
# Integration test of the cogworker command line: real processes, real files, bounded time.
# Usage: cogworker_cli_test.sh BIN_DIR REPO_DIR SHARED_DATA_DIR
set -euo pipefail
bin="$1/cogworker"
repo="$2"
shared="$3"
micro="$repo/tests/worker/fixtures/micro.yaml"
work=$(mktemp -d)
trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

failures=0
check() {  # check DESCRIPTION COMMAND...
  local what="$1"; shift
  if "$@"; then echo "ok   - $what"; else echo "FAIL - $what"; failures=$((failures + 1)); fi
}
expect_exit() {  # expect_exit CODE COMMAND...
  local want="$1"; shift
  set +e; "$@" >"$work/out" 2>"$work/err"; local got=$?; set -e
  [ "$got" -eq "$want" ] || { echo "  exit $got, wanted $want; stderr:"; sed 's/^/    /' "$work/err"; return 1; }
}

check "--version names libtorch and the BLAS" bash -c "'$bin' --version | grep -q 'libtorch' && '$bin' --version | grep -qi 'blas'"
# The OpenBLAS core and why (worker/blas/blas_core_choice.hpp): the user's OPENBLAS_CORETYPE wins;
# without one, OpenBLAS's choice stands or cogworker re-executed itself with a faster core.
check "--version keeps and names the user's OPENBLAS_CORETYPE" \
  bash -c "OPENBLAS_CORETYPE=Prescott '$bin' --version | grep -q 'blas core    Prescott (set by the user in OPENBLAS_CORETYPE'"
check "--version says why OpenBLAS runs the core it runs" \
  bash -c "env -u OPENBLAS_CORETYPE '$bin' --version | grep -E -q \"blas core    [A-Za-z0-9_]+ \\((OpenBLAS's own choice|OPENBLAS_CORETYPE set by Cog: OpenBLAS chose)\""

# A short run ends with exit 0, a final checkpoint and one metrics line per report.
check "train runs to max_steps" expect_exit 0 "$bin" --threads 1 train --config "$micro" --run-dir "$work/run" \
  --set train.max_steps=20 --set train.log_every=5 --set schedule.warmup_steps=2
check "final checkpoint written" test -f "$work/run/checkpoints/final/manifest.json"
check "metrics.jsonl holds the 4 step reports and 1 validation" \
  bash -c "[ \$(grep -c '\"type\":\"step\"' '$work/run/metrics.jsonl') -eq 4 ] && [ \$(grep -c '\"type\":\"validation\"' '$work/run/metrics.jsonl') -eq 1 ]"

# Queries on the checkpoint.
ck="$work/run/checkpoints/final"
check "generate continues a prompt" bash -c "'$bin' generate --checkpoint '$ck' --prompt 'Q: What is 2 + 3? A:' --max-new-tokens 4 | grep -q '^Q: What is 2 + 3? A:'"
check "score prints one JSON line per token" bash -c "[ \$('$bin' score --checkpoint '$ck' --text 'Q: 1' | grep -c logprob) -eq 4 ]"
check "tokenize prints ids as JSON" bash -c "[ \"\$('$bin' tokenize --config '$micro' --text 'AB')\" = '[65,66]' ]"
if [ -f "$shared/gsm8k/train.jsonl" ]; then
  head -n 5 "$shared/gsm8k/train.jsonl" >"$work/gsm8k5.jsonl"
  check "eval on GSM8K records prints loss and exact match as JSON" \
    bash -c "'$bin' eval --checkpoint '$ck' --data '$work/gsm8k5.jsonl' --format gsm8k --max-new-tokens 4 | tail -n 1 | grep -q '\"exact_match\"'"
else
  echo "skip - eval on GSM8K records: $shared/gsm8k/train.jsonl is missing (shared data not beside the checkout)"
fi

# A user's own held-out file: per-slice exact match beside the overall, strict and flexible.
printf '%s\n' '{"question": "What is 2 + 3?", "answer": 5, "operand_class": "one_digit"}' \
  '{"question": "The capital of Tarn is Vel. Q: What is the capital of Tarn?", "answer": "Vel", "family": "recall"}' >"$work/mine.jsonl"
check "eval --format qa reports exact match per family and class" \
  bash -c "'$bin' eval --checkpoint '$ck' --data '$work/mine.jsonl' --format qa --max-new-tokens 4 | tail -n 1 | grep '\"exact_match.class.one_digit\"' | grep '\"exact_match.family.recall\"' | grep -q '\"exact_match_flexible\"'"
check "ask puts the three original prompts to the model, expected answers beside" \
  bash -c "[ \$('$bin' ask --checkpoint '$ck' --label micro | grep -c '^  micro .*expected \(8\|42\|Paris\) ') -eq 3 ]"

# A short trial of a config warming up for longer than the run: warned about, not refused.
check "a warmup longer than the run is scaled to it" expect_exit 0 "$bin" --threads 1 train --config "$micro" \
  --run-dir "$work/short" --set train.max_steps=5 --set schedule.warmup_steps=100
check "  ...and the progress output says so" grep -q '^\[warmup_scaled\] .*warming up over 1 steps instead' "$work/out"

# Errors are one line naming what to fix, with distinct exit codes.
check "unknown key exits 2 naming it" expect_exit 2 "$bin" train --config "$micro" --run-dir "$work/bad" --set train.bacth_size=2
check "  ...and the message names the key" grep -q "unknown key train.bacth_size" "$work/err"
check "faults.exit_at_step exits 17 like a crash" expect_exit 17 "$bin" --threads 1 train --config "$micro" \
  --run-dir "$work/crash" --set faults.exit_at_step=3 --set schedule.warmup_steps=1
check "  ...and leaves no final checkpoint" test ! -e "$work/crash/checkpoints/final"

# SIGTERM: finish the step, checkpoint, exit 0; --resume then completes the run.
"$bin" --threads 1 train --config "$micro" --run-dir "$work/term" --set train.epochs=50 >"$work/term.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  grep -q '"type":"step"' "$work/term/metrics.jsonl" 2>/dev/null && break
  sleep 0.1
done
kill -TERM "$pid"
set +e
timeout 60 tail --pid="$pid" -f /dev/null
wait "$pid"; term_exit=$?
set -e
check "SIGTERM ends the run with exit 0" test "$term_exit" -eq 0
check "  ...after writing a final checkpoint marked unfinished" \
  bash -c "grep -Eq '\"finished\": *false' '$work/term/checkpoints/final/manifest.json'"
check "--resume continues from it" expect_exit 0 "$bin" --threads 1 train --config "$micro" --run-dir "$work/term" \
  --resume --set train.epochs=50 --set train.max_steps=$(( $(grep -c '"type":"step"' "$work/term/metrics.jsonl") + 3 ))
check "  ...and says where it resumed" grep -q "\[resume\]" "$work/out"

if [ "$failures" -ne 0 ]; then echo "$failures check(s) failed"; exit 1; fi
echo "all cogworker CLI checks passed"
