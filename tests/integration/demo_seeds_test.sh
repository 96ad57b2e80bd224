#!/usr/bin/env bash
# bench/demo_seeds on the three micro jobs (fixtures/coord_three_jobs.yaml, seconds a round)
# with two seeds: every job of a round must train with that round's seed and keep its own
# overrides (the memory job stays the memory variant), and the summary must have a row per
# job and round and judge the target (micro models reach nowhere near 0.9: MISSED); with
# --seed-per-job the i-th job of a round gets seed S+i.
#   demo_seeds_test.sh BIN_DIR SOURCE_DIR
set -euo pipefail
bin=$1 src=$2
log=$(mktemp)
work=""
trap 'rm -f "$log"; [ -z "$work" ] || rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; cat "$log" >&2; exit 1; }

"$src/bench/demo_seeds" "$(dirname "$bin")" --experiment "$src/tests/integration/fixtures/coord_three_jobs.yaml" \
  --seeds 5,6 >"$log" 2>&1 || fail "demo_seeds exited non-zero"
work=$(sed -n 's/^demo_seeds: state dirs under //p' "$log")
[ -d "$work" ] || fail "no state dir named in the output"

for seed in 5 6; do
  for job in reasoning memory speed; do
    wlog="$work/seed-$seed/jobs/$job/attempt-1/worker.log"
    [ -f "$wlog" ] || fail "no $wlog"
    grep -q "Cognate $job (preset [a-z]*, seed $seed)" "$wlog" ||
      fail "$job of round seed=$seed did not train as the $job variant with seed $seed: $(grep -m1 Cognate "$wlog")"
  done
done
rows=$(grep -cE '^seed=[56] +(reasoning|memory|speed) +[0-9.]+ ' "$log" || true)
[ "$rows" = 6 ] || fail "expected 6 rows (2 rounds x 3 jobs) in the summary, got $rows"
grep -q "^models >= 0.90 overall: [0-9] of 6;" "$log" || fail "no tally over the 6 models"
grep -q "^verdict: target MISSED" "$log" || fail "micro models cannot meet the 0.9 target; the verdict says otherwise"

# --seed-per-job: the i-th job of a round starts from seed S+i.
rm -rf "$work"
"$src/bench/demo_seeds" "$(dirname "$bin")" --experiment "$src/tests/integration/fixtures/coord_three_jobs.yaml" \
  --seeds 5 --seed-per-job >"$log" 2>&1 || fail "demo_seeds --seed-per-job exited non-zero"
work=$(sed -n 's/^demo_seeds: state dirs under //p' "$log")
seed=5
for job in reasoning memory speed; do
  wlog="$work/seed-5/jobs/$job/attempt-1/worker.log"
  grep -q "Cognate $job (preset [a-z]*, seed $seed)" "$wlog" ||
    fail "--seed-per-job: $job did not train with seed $seed: $(grep -m1 Cognate "$wlog")"
  seed=$((seed + 1))
done
grep -qE '^seed=5\+i +speed ' "$log" || fail "--seed-per-job: the round's rows do not say seed=5+i"

# A bad seed list is refused before anything runs.
if "$src/bench/demo_seeds" "$(dirname "$bin")" --seeds 0 >"$log" 2>&1; then fail "--seeds 0 was accepted"; fi
grep -q "expected positive integers" "$log" || fail "--seeds 0: the error does not say what is expected"
if "$src/bench/demo_seeds" "$(dirname "$bin")" --seed-per-job >"$log" 2>&1; then fail "--seed-per-job without --seeds was accepted"; fi
grep -q "needs --seeds" "$log" || fail "--seed-per-job alone: the error does not say --seeds is needed"
echo "PASS: two rounds of three jobs, each with its round's seed and its own overrides; a round with a seed per job"
