#!/usr/bin/env bash
# A real sweep (tests/integration/fixtures/sweep_micro.yaml): cogworker trains four trials of
# the micro model under the local launcher; ASHA pauses two after their first epoch and
# promotes two, which resume from their own epoch-1 checkpoint. In the middle of it the
# coordinator is killed (kill -9) and `cogcoord resume` finishes the same sweep: the same
# trials and rungs, every step and validation stored once, nothing left running.
# Usage: sweep_test.sh BIN_DIR REPO_DIR real
set -euo pipefail
source "$(dirname "$0")/coord_test_lib.sh" "$@"
sweep_file="$fixtures/sweep_micro.yaml"
state="$work/state"

"$bin/cogcoord" sweep "$sweep_file" --state-dir "$state" --http off >"$work/coord.log" 2>&1 &
coord_pid=$!
# Killed once the sweep has taken a decision (a trial paused at its rung), before all four
# trials could have started (two slots).
check "a trial is paused at its rung while others train" wait_for 120 query_ge \
  "SELECT count(*) FROM events WHERE kind='operator_stop' AND detail LIKE 'sweep (pause%'" 1
kill -9 "$coord_pid"
wait "$coord_pid" 2>/dev/null || true
coord_pid=""
started_before=$(q "SELECT count(*) FROM jobs")
echo "  killed with $started_before of 4 trials started"
check "  ...and the sweep's state was saved" test -s "$state/sweep_state.json"

"$bin/cogcoord" resume --state-dir "$state" --http off >>"$work/coord.log" 2>&1 &
coord_pid=$!
wait_coord 240
check "cogcoord resume finishes the sweep and exits 0 (exit $rc)" test "$rc" -eq 0
check "the summary ranks the four trials" grep -q "sweep sweep_micro (asha, val_loss min), model micro: 4 trials" "$work/coord.log"
check "best.yaml holds the searched keys" grep -q "muon_lr" "$state/best.yaml"
check "four trials became jobs, no more" test "$(q "SELECT count(*) FROM jobs")" -eq 4
# eta 2: the best two of four reach epoch 2. A trial promoted while it still runs goes on; one
# promoted after its pause is relaunched from its own epoch-1 checkpoint, and its worker's own
# resume event says it started there.
check "two trials trained to the top rung (2 epochs)" test "$(q "
  SELECT count(*) FROM (SELECT job_id FROM validations WHERE superseded=0 GROUP BY job_id HAVING max(epoch)=1)")" -eq 2
promoted=$(q "SELECT count(*) FROM events WHERE kind='operator_relaunch' AND detail LIKE 'sweep (promoted%'")
own=$(q "SELECT count(*) FROM events WHERE kind='operator_relaunch' AND detail LIKE 'sweep (promoted%'
  AND detail LIKE '%/' || job_id || '/attempt-%/checkpoints/epoch-0001%'")
resumed=$(q "SELECT count(*) FROM events e WHERE kind='resume' AND detail LIKE 'from %/checkpoints/epoch-0001%'
  AND EXISTS (SELECT 1 FROM events p WHERE p.job_id=e.job_id AND p.kind='operator_relaunch' AND p.detail LIKE 'sweep (promoted%' AND p.id < e.id)")
echo "  $promoted promotion(s) after a pause, $own from the trial's own rung checkpoint, $resumed resumed there"
check "a paused trial was promoted later (fixture seed 5: t001 pauses first, alone at its rung)" test "$promoted" -ge 1
check "  ...a promotion after a pause relaunches from the trial's own epoch-1 checkpoint" test "$own" -eq "$promoted"
check "  ...and its worker resumed from that checkpoint" test "$resumed" -ge "$promoted"
for job in $(q "SELECT id FROM jobs ORDER BY id"); do
  check "$job: each step stored once, 1..last" history_complete "$job"
  epochs=$(q "SELECT max(epoch) + 1 FROM validations WHERE job_id='$job' AND superseded=0")
  check "$job: a validation for each of its $epochs epoch(s), once" validations_complete "$job" "$epochs"
done
check "every trial's ranked metric is finite" python3 - "$state/sweep_state.json" <<'PY'
import json, math, sys
state = json.load(open(sys.argv[1]))
scores = [e["score"] for m in state["models"] for r in m["searcher"]["rungs"] for e in r["entries"]]
print("  rung scores:", ", ".join("%.4f" % s for s in scores))
sys.exit(0 if scores and all(math.isfinite(s) for s in scores) else 1)
PY
# A validation from an attempt the divergence policy condemned ranks a collapse, not the
# hyperparameters: each rung score must be one of a validation from an attempt that did not
# diverge (fixture seed 5: trial t000 collapses twice before its third attempt validates).
check "no rung score comes from a diverged attempt" python3 - "$state/sweep_state.json" "$db" <<'PY'
import json, sqlite3, sys
state = json.load(open(sys.argv[1]))
db = sqlite3.connect(sys.argv[2])
bad = 0
for m in state["models"]:
    for rung in m["searcher"]["rungs"]:
        for e in rung["entries"]:
            job = "sweep_micro-%s-t%03d" % (m["name"], e["trial"])
            rows = db.execute("""SELECT v.attempt, json_extract(v.scalars, '$.val_loss'),
                EXISTS (SELECT 1 FROM events d WHERE d.job_id = v.job_id AND d.attempt = v.attempt
                        AND d.kind = 'diverged') FROM validations v WHERE v.job_id = ?""", (job,)).fetchall()
            source = [r for r in rows if abs(r[1] - e["score"]) < 1e-9]
            diverged = sum(r[0] > 1 or r[2] for r in rows if r[2])
            print("  %s: rung %d score %.4f from attempt %s%s" % (job, rung["milestone"], e["score"],
                  ",".join(str(r[0]) for r in source) or "?", " (%d diverged attempt(s) before)" % diverged if diverged else ""))
            bad += not source or any(r[2] for r in source)
sys.exit(1 if bad else 0)
PY
check "no worker process is left" test "$(workers_left)" -eq 0
finish
