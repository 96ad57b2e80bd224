#!/usr/bin/env bash
# bench/sweep_curves records two trials of a shrunken task (a few hundred records, so each
# trial is seconds), and bench/sweep_replay reads what it wrote: the recording's format and
# the replay's loader must agree, every trial must carry one validation per epoch, and a
# replay of them must run both searchers to the end.
#   sweep_curves_smoke_test.sh BIN_DIR SOURCE_DIR
set -euo pipefail
bin=$1 src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$src/bench/sweep_curves" "$(dirname "$bin")" --out "$work/c" --trials 2 --parallel 2 --seed 3 \
  --set data.sources[0].count=400 --set validation.generate_samples=8 --set validation.max_new_tokens=3 \
  --set schedule.warmup_steps=2 >"$work/log" 2>&1 || { cat "$work/log"; fail "sweep_curves exited non-zero"; }
[ -f "$work/c/curves.jsonl" ] || { cat "$work/log"; fail "no curves.jsonl"; }
[ "$(wc -l <"$work/c/curves.jsonl")" = 2 ] || fail "expected 2 trials in curves.jsonl: $(cat "$work/c/curves.jsonl")"
python3 - "$work/c/curves.jsonl" <<'PY' || fail "curves.jsonl is not as sweep_replay expects"
import json, sys
for line in open(sys.argv[1]):
    t = json.loads(line)
    assert 1e-4 <= t["muon_lr"] <= 1.0 and 1e-5 <= t["fallback_lr"] <= 0.1, t  # the broad space
    assert [v["epoch"] for v in t["validations"]] == [0, 1, 2, 3], t           # one per epoch
    assert all(0 <= v["exact_match"] <= 1 and v["val_loss"] > 0 for v in t["validations"]), t
PY
# A rerun keeps the finished trials: nothing is trained again.
"$src/bench/sweep_curves" "$(dirname "$bin")" --out "$work/c" --trials 2 --seed 3 >"$work/log2" 2>&1 ||
  fail "the rerun exited non-zero"
grep -q "muon .* fallback .*: done" "$work/log2" && fail "the rerun trained a finished trial again"

"$bin/sweep_replay" "$work/c/curves.jsonl" --trials 1 --orderings 4 --base "$src/bench/learn_arithmetic.yaml" \
  >"$work/replay" 2>&1 || { cat "$work/replay"; fail "sweep_replay exited non-zero"; }
grep -q "compute in all, mean  *4.00 " "$work/replay" || { cat "$work/replay"; fail "random search's one trial should train 4 epochs"; }
grep -q "^verdict: " "$work/replay" || fail "no verdict"
echo "PASS: two trials recorded, reloaded and replayed"
