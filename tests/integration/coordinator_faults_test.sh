#!/usr/bin/env bash
# The coordinator killed at the instants that matter (COG_FAULT_AT, coordinator/fault_hook.hpp),
# then `cogcoord resume`: every job finishes with a complete, duplicate-free history.
#   attempt_committed    after an attempt row is committed, before its processes start
#   process_started      right after the processes start, before their id is stored
#   metrics_uncommitted  with a batch of metrics ingested but not committed
#   divergence_stop      while a divergence stop is under way: resume rolls back, adjusted
#   db_locked            another process holds the store's write lock for 8 s: cogcoord waits
#   stalled              a worker whose training thread hangs (heartbeats go on) is restarted
# Usage: coordinator_faults_test.sh BIN_DIR REPO_DIR SCENARIO
set -euo pipefail
source "$(dirname "$0")/coord_test_lib.sh" "$@"

# run_until_fault EXPERIMENT FAULT [args...]: runs the coordinator with COG_FAULT_AT=FAULT and
# waits (120 s at most) until it has killed itself there.
run_until_fault() {
  local experiment="$1" fault="$2"; shift 2
  COG_FAULT_AT="$fault" "$bin/cogcoord" run "$experiment" "$@" --state-dir "$work/state" --http off \
    >"$work/coord.log" 2>&1 &
  coord_pid=$!
  wait_coord 120
  check "the coordinator died at $fault (exit $rc)" test "$rc" -eq 137
  check "  ...where the hook said" grep -q "COG_FAULT_AT reached" "$work/coord.log"
}
resume_to_end() {
  "$bin/cogcoord" resume --state-dir "$work/state" --http off >>"$work/coord.log" 2>&1 &
  coord_pid=$!
  wait_coord "$1"
  check "cogcoord resume completes the experiment (exit $rc)" test "$rc" -eq 0
  left=$(workers_left)
  check "no worker process is left running ($left found)" test "$left" -eq 0
}
attempt_numbers_unique() {
  local job="$1"
  test "$(q "SELECT count(*) FROM attempts WHERE job_id='$job'")" -eq \
       "$(q "SELECT count(DISTINCT run_dir) FROM attempts WHERE job_id='$job'")"
}

case "$scenario" in
attempt_committed|process_started)
  # The second job's first attempt: the first job is running meanwhile.
  run_until_fault "$fixtures/coord_three_jobs.yaml" "$scenario:2"
  check "the attempt was recorded before the coordinator died" \
    test "$(q "SELECT count(*) FROM attempts WHERE job_id='memory'")" -eq 1
  resume_to_end 300
  for job in reasoning memory speed; do
    check "$job finished" test "$(q "SELECT state FROM jobs WHERE id='$job'")" = finished
    check "no stored metric of $job lost or doubled" history_complete "$job"
    check "no validation of $job lost or doubled" validations_complete "$job" 2
    check "$job: no attempt number or run folder used twice" attempt_numbers_unique "$job"
  done
  check "the interrupted start ended as coordinator_lost" \
    test "$(q "SELECT end FROM attempts WHERE job_id='memory' AND attempt=1")" = coordinator_lost
  ;;

metrics_uncommitted)
  run_until_fault "$fixtures/coord_one_job.yaml" "$scenario:30"
  resume_to_end 240
  check "the job finished" test "$(q "SELECT state FROM jobs")" = finished
  check "no stored metric lost or doubled" history_complete micro
  check "no validation lost or doubled" validations_complete micro 4
  check "the metrics the wire delivered but the store lost were read back from the worker's log" \
    test "$(q "SELECT count(*) FROM events WHERE kind='backfill'")" -ge 1
  ;;

divergence_stop)
  run_until_fault "$fixtures/coord_one_job.yaml" "$scenario:1" \
    --set 'jobs[0].overrides=[train.epochs=4, faults.nan_at_step=150, faults.attempt=1]'
  diverged=$(q "SELECT diverged_at_step FROM attempts WHERE attempt=1")
  check "the divergence step was stored before the coordinator died ($diverged)" test "$diverged" -ge 150
  resume_to_end 300
  check "the job finished" test "$(q "SELECT state FROM jobs")" = finished
  check "attempt 1 ended diverged" test "$(q "SELECT end FROM attempts WHERE attempt=1")" = diverged
  start2=$(q "SELECT start_step FROM attempts WHERE attempt=2")
  check "attempt 2 is a relaunch from before the divergence (step $start2 < $diverged)" \
    test "$(q "SELECT kind FROM attempts WHERE attempt=2")" = relaunch -a "$start2" -lt "$diverged"
  check "  ...with lr x 0.5" bash -c "sqlite3 '$db' \"SELECT overrides FROM attempts WHERE attempt=2\" | grep -q 'adjust.lr_factor=0.5'"
  check "the checkpoint written as the worker stopped is marked unhealthy" \
    test "$(q "SELECT count(*) FROM checkpoints WHERE attempt=1 AND name='final' AND healthy=0")" -eq 1
  check "no stored metric lost or doubled" history_complete micro
  ;;

db_locked)
  "$bin/cogcoord" run "$fixtures/coord_one_job.yaml" --state-dir "$work/state" --http off >"$work/coord.log" 2>&1 &
  coord_pid=$!
  check "the job reports metrics" wait_for 120 query_ge "SELECT count(*) FROM metrics" 20
  python3 -c "
import sqlite3, time
db = sqlite3.connect('$db', timeout=30, isolation_level=None)
db.execute('BEGIN IMMEDIATE')
time.sleep(8)
db.execute('ROLLBACK')
print('lock held 8 s and released')" >"$work/locker.log" 2>&1
  check "the other process held the lock for 8 s" grep -q "released" "$work/locker.log"
  wait_coord 240
  check "cogcoord waited and went on to the end (exit $rc)" test "$rc" -eq 0
  check "it said it was waiting for the lock" grep -q "another process holds the database lock" "$work/coord.log"
  check "the job finished" test "$(q "SELECT state FROM jobs")" = finished
  check "no stored metric lost or doubled" history_complete micro
  ;;

stalled)
  run_coord "$fixtures/coord_one_job.yaml" \
    --set 'jobs[0].overrides=[train.epochs=3, faults.hang_at_step=60, faults.attempt=1]' \
    --set policies.restart.progress_timeout_s=5 --set launcher.stop_grace_s=2
  wait_coord 240
  check "the coordinator exits 0 (exit $rc)" test "$rc" -eq 0
  check "the hung attempt was found stalled" test "$(q "SELECT end FROM attempts WHERE attempt=1")" = stalled
  check "  ...as a decision with its reason" \
    bash -c "sqlite3 '$db' \"SELECT detail FROM events WHERE kind='stalled'\" | grep -q 'no progress'"
  check "it was restarted and finished" test "$(q "SELECT kind || ' ' || end FROM attempts WHERE attempt=2")" = "restart finished"
  check "no stored metric lost or doubled" history_complete micro
  ;;
*)
  echo "unknown scenario $scenario"; exit 2 ;;
esac
finish
