#!/usr/bin/env bash
# Cog on a real one-node Slurm cluster (scripts/slurm-cluster: munged, slurmctld, slurmd on
# 127.0.0.1, 2 CPUs), started for the scenario and stopped after it with every job cancelled.
#   sbatch_worker  deploy/slurm/cogworker.sbatch with 2 tasks (srun --mpi=pmix, then mpirun)
#                  trains the micro model; its losses equal a local `mpirun -np 2` run's
#   requeue        a job with a 2-minute limit is signalled (USR1), every rank checkpoints,
#                  the job requeues itself and resumes from the checkpoint to the end
#   coord_queue    three jobs with launcher.kind=slurm; each fills the node, so the others
#                  wait PENDING (shown as queued with Slurm's reason) and start in turn
#   coord_interrupt  Ctrl-C while one job runs and two are PENDING: the running one checkpoints,
#                  the queued ones are cancelled in Slurm; `resume` finishes all three
#   coord_time_limit  attempts with a 1-minute limit: TIMEOUT resumes from the checkpoint the
#                  worker saved on Slurm's SIGTERM, without using max_restarts (0 here)
#   coord_faults   scancel of a running attempt from outside is a crash and restarts; kill -9
#                  of cogcoord, then `resume` adopts the Slurm job still running; squeue ends empty
# Exits 77 (ctest: skipped), saying why, only where Slurm cannot start (not root, no packages).
# Usage: slurm_test.sh BIN_DIR REPO_DIR SCENARIO
set -euo pipefail
source "$(dirname "$0")/coord_test_lib.sh" "$@"

cluster="$work/slurm"
stop_cluster() { "$repo/scripts/slurm-cluster" stop "$cluster" >/dev/null 2>&1 || true; }
trap 'stop_cluster; cleanup' EXIT
set +e
"$repo/scripts/slurm-cluster" start "$cluster" >"$work/cluster.out" 2>&1
started=$?
set -e
if [ "$started" -eq 2 ]; then
  echo "SKIP: $(tail -1 "$work/cluster.out")"
  exit 77
fi
[ "$started" -eq 0 ] || { cat "$work/cluster.out"; tail -20 "$cluster"/log/*.log; exit 1; }
export SLURM_CONF="$cluster/slurm.conf"
micro="$repo/tests/worker/fixtures/micro.yaml"
sq() { squeue --noheader --states=all --format='%i|%T|%r' "$@"; }
squeue_empty() { [ -z "$(squeue --noheader --format=%i)" ]; }

# same_losses A B N: the N step losses of two runs agree to 1e-5 relative.
same_losses() {
  python3 - "$1/metrics.jsonl" "$2/metrics.jsonl" "$3" <<'PY'
import json, sys
def losses(path):
    return [json.loads(l)["metrics"]["loss"] for l in open(path) if '"type":"step"' in l]
a, b, n = losses(sys.argv[1]), losses(sys.argv[2]), int(sys.argv[3])
assert len(a) == len(b) == n, (len(a), len(b))
worst = max(abs(x - y) / max(abs(x), 1e-12) for x, y in zip(a, b))
print("  worst relative difference %.2e over %d steps" % (worst, len(a)))
sys.exit(0 if worst <= 1e-5 else 1)
PY
}

case "$scenario" in
sbatch_worker)
  common=(--config "$micro" --set train.max_steps=20 --set train.batch_size=2 --set schedule.warmup_steps=2)
  mpirun --oversubscribe --bind-to none -np 2 "$bin/cogworker" --threads 1 train --run-dir "$work/local" \
    "${common[@]}" >"$work/local.log" 2>&1 || { cat "$work/local.log"; exit 1; }
  sbatch_run() {  # sbatch_run NAME [env...]: submits the script and waits for its end
    local name=$1; shift
    env COGWORKER="$bin/cogworker" "$@" timeout 300 sbatch --wait --ntasks-per-node=2 --cpus-per-task=1 \
      --time=5 --output="$work/$name.out" "$repo/deploy/slurm/cogworker.sbatch" --run-dir "$work/$name" \
      "${common[@]}" >/dev/null
  }
  check "sbatch cogworker.sbatch (srun --mpi=pmix, 2 tasks) ends COMPLETED" sbatch_run srun
  check "  its 2 ranks formed one world" grep -q "2 ranks over mpi" "$work/srun.out"
  check "  its losses equal a local mpirun -np 2 run's (20 steps)" same_losses "$work/local" "$work/srun" 20
  check "the mpirun variant (COG_LAUNCH=mpirun) ends COMPLETED" sbatch_run mpirun COG_LAUNCH=mpirun
  check "  its losses equal too" same_losses "$work/local" "$work/mpirun" 20
  ;;

requeue)
  # The first run is long (it cannot end before the limit's warning). Slurm checks limits
  # every 30 s, so the warning 100 s before a 2-minute limit comes 20-50 s in and leaves the
  # ranks over a minute to stop and requeue before the limit itself could end the job as
  # TIMEOUT. Once requeued, the test lowers max_steps in its config file, so the resumed run
  # ends 40 steps after the checkpoint (as a user shortening a run would).
  sed '/^train:/a\  max_steps: 1000000' "$micro" >"$work/rq.yaml"
  id=$(COGWORKER="$bin/cogworker" sbatch --parsable --ntasks-per-node=2 --cpus-per-task=1 --time=2 \
    --signal=B:USR1@100 --output="$work/rq.out" "$repo/deploy/slurm/cogworker.sbatch" \
    --run-dir "$work/rq" --config "$work/rq.yaml" --set train.batch_size=2 --set train.epochs=1000)
  on_failure() {
    echo "== squeue: $(sq --jobs="$id")"; scontrol show job "$id"; sinfo -R
    echo "== rq.out (without step lines)"; grep -v '^step ' "$work/rq.out" | tail -n 30
    echo "== slurmctld.log"; tail -n 30 "$cluster/log/slurmctld.log"
    echo "== slurmd.log"; tail -n 15 "$cluster/log/slurmd.log"
  }
  requeued() { sq --jobs="$id" | grep -q "|PENDING|" && grep -q "requeueing job" "$work/rq.out"; }
  check "the 2-minute job is signalled and requeues itself" wait_for 120 requeued
  check "  every rank stopped at one step and rank 0 checkpointed 'final'" test -d "$work/rq/checkpoints/final"
  first_stop=$(python3 -c "
import json
print(max(json.loads(l)['step'] for l in open('$work/rq/metrics.jsonl') if '\"type\":\"step\"' in l))")
  echo "  first run stopped at step $first_stop"
  sed -i "s/^  max_steps: .*/  max_steps: $((first_stop + 40))/" "$work/rq.yaml"
  # A requeued job waits for a begin time ~2 minutes away: released now, with a longer limit.
  # Asked again while it still waits: an update that reaches slurmctld while the requeue is
  # still being completed can be overwritten by the requeue's own begin time.
  # Not within the second of the requeue: slurmd refuses a launch credential created in the
  # same second as the revocation of the job's previous one ("Job credential revoked", the job
  # then FAILED; seen once in a fresh-clone run when the worker was faster), as it compares
  # whole seconds.
  sleep 2
  scontrol update jobid="$id" TimeLimit=10
  released() {
    case "$(sq --jobs="$id")" in
      *"|PENDING|"*Held*)  # e.g. a launch failure held it: say so, and let it try again
        echo "  note: the requeued job waits held: $(sq --jobs="$id"); scontrol release"
        scontrol release "$id" >/dev/null 2>&1; return 1 ;;
      *"|PENDING|"*) scontrol update jobid="$id" StartTime=now >/dev/null 2>&1; return 1 ;;
      *) return 0 ;;
    esac
  }
  wait_for_every() {  # like wait_for, polling every 3 s (each poll may ask slurmctld to act)
    local limit=$(( $1 / 3 )); shift
    for _ in $(seq 1 "$limit"); do "$@" && return 0; sleep 3; done
    return 1
  }
  check "the requeued job is released and starts" wait_for_every 120 released
  completed() { sq --jobs="$id" | grep -q "|COMPLETED|"; }
  check "the requeued run finishes the training" wait_for 240 completed
  check "  it was the job's second run (restart 1)" grep -q "restart 1" "$work/rq.out"
  check "  it resumed from the final checkpoint and trained to max_steps" python3 -c "
import json, sys
lines = [json.loads(l) for l in open('$work/rq/metrics.jsonl')]
steps = [l['step'] for l in lines if l.get('type') == 'step']
resumed = [l for l in lines if 'from $work/rq/checkpoints/final' in json.dumps(l)]
print('  last step', steps[-1], 'resume events', len(resumed))
sys.exit(0 if steps[-1] == $first_stop + 40 and resumed else 1)"
  ;;

coord_queue)
  run_coord "$fixtures/coord_three_jobs.yaml" --set launcher.kind=slurm --set launcher.slurm.cpus_per_task=2 \
    --set launcher.slurm.poll_max_s=2 --set slots=3 --set 'jobs[0].overrides=[train.epochs=1]' \
    --set 'jobs[1].overrides=[train.epochs=1, model.variant=memory]' \
    --set 'jobs[2].overrides=[train.epochs=1, model.variant=speed]'
  check "a job waits in Slurm's queue, shown as queued with the reason" wait_for 120 query_ge \
    "SELECT count(*) FROM jobs WHERE state='queued' AND end_reason LIKE 'Slurm: %'" 1
  rest_queued() {
    curl -sf "http://127.0.0.1:$(http_port)/api/v1/jobs" | python3 -c '
import json, sys
body = json.load(sys.stdin)
jobs = body.get("jobs", body) if isinstance(body, dict) else body
sys.exit(0 if any(j["state"] == "queued" and j.get("end_reason", "").startswith("Slurm: ") for j in jobs) else 1)'
  }
  check "  ...and so in REST (/api/v1/jobs: state queued, end_reason Slurm: <reason>)" wait_for 30 rest_queued
  check "  ...while at most one Slurm job runs on the 2-CPU node" \
    test "$(squeue --noheader --states=RUNNING --format=%i | wc -l)" -le 1
  wait_coord 400
  check "the coordinator exits 0 when every job finished (exit $rc)" test "$rc" -eq 0
  check "all three jobs finished" test "$(q "SELECT count(*) FROM jobs WHERE state='finished'")" -eq 3
  check "jobs waited PENDING (Resources) and were recorded so" \
    test "$(q "SELECT count(*) FROM events WHERE kind='pending' AND detail LIKE '%(Resources)%'")" -ge 1
  check "one attempt each, its Slurm job id stored" \
    test "$(q "SELECT count(*) FROM attempts WHERE launch_id > 0 AND end='finished'")" -eq 3
  check "three distinct Slurm job ids" test "$(q "SELECT count(DISTINCT launch_id) FROM attempts")" -eq 3
  check "squeue is empty at the end" wait_for 30 squeue_empty
  ;;

coord_interrupt)
  # One job runs (it fills the node), two wait PENDING; Ctrl-C: the running one checkpoints
  # and ends, the queued ones are cancelled in Slurm; `resume` then finishes all three.
  run_coord "$fixtures/coord_three_jobs.yaml" --set launcher.kind=slurm --set launcher.slurm.cpus_per_task=2 \
    --set launcher.slurm.poll_max_s=2 --set slots=3 --set 'jobs[0].overrides=[train.epochs=2]' \
    --set 'jobs[1].overrides=[train.epochs=1, model.variant=memory]' \
    --set 'jobs[2].overrides=[train.epochs=1, model.variant=speed]'
  check "one job trains while two wait in Slurm's queue" wait_for 120 bash -c "
    [ \"\$(sqlite3 '$db' \"SELECT count(*) FROM jobs WHERE state='queued' AND end_reason LIKE 'Slurm: %'\")\" = 2 ] &&
    [ \"\$(sqlite3 '$db' \"SELECT count(*) FROM metrics WHERE step >= 20\")\" -ge 1 ]"
  kill -INT "$coord_pid"
  wait_coord 90
  check "SIGINT ends the coordinator with exit 130 (exit $rc)" test "$rc" -eq 130
  check "every job is interrupted" test "$(q "SELECT count(*) FROM jobs WHERE state='interrupted'")" -eq 3
  check "the running attempt checkpointed 'final'" test "$(ls -d "$work"/state/jobs/*/attempt-1/checkpoints/final | wc -l)" -eq 1
  check "the queued Slurm jobs were cancelled: squeue is empty" wait_for 30 squeue_empty
  "$bin/cogcoord" resume --state-dir "$work/state" >"$work/coord.log" 2>&1 &
  coord_pid=$!
  wait_coord 400
  check "resume finishes the experiment (exit $rc)" test "$rc" -eq 0
  check "every job finished" test "$(q "SELECT count(*) FROM jobs WHERE state='finished'")" -eq 3
  for job in reasoning memory speed; do check "no stored metric of $job lost or doubled" history_complete "$job"; done
  check "squeue is empty at the end" wait_for 30 squeue_empty
  ;;

coord_time_limit)
  # Attempts with a 1-minute limit and no restarts allowed: Slurm ends the first at its limit
  # (TIMEOUT; the worker checkpoints on Slurm's SIGTERM), the next resumes from that
  # checkpoint without using a restart, and the job finishes.
  run_coord "$fixtures/coord_one_job.yaml" --set launcher.kind=slurm --set launcher.slurm.poll_max_s=2 \
    --set launcher.slurm.time=1 --set policies.restart.max_restarts=0 --set policies.early_stopping.patience=1000 \
    --set 'jobs[0].overrides=[train.epochs=120, train.log_every=10]'
  # 120 epochs of the micro fixture are about 13,000 steps, two minutes of training: well past
  # the limit however idle the machine (60 epochs once finished inside it).
  wait_coord 500
  check "the coordinator exits 0 when the job finished (exit $rc)" test "$rc" -eq 0
  check "the job finished with no restart used" \
    test "$(q "SELECT state || ':' || restarts FROM jobs")" = "finished:0"
  check "attempt 1 ended at its time limit (Slurm state TIMEOUT)" test \
    "$(q "SELECT count(*) FROM attempts WHERE attempt=1 AND end='time_limit' AND end_reason LIKE '%TIMEOUT%'")" -eq 1
  check "the next attempt resumed from a checkpoint past its start" test \
    "$(q "SELECT count(*) FROM attempts WHERE attempt=2 AND kind='resume' AND start_step > 0")" -eq 1
  echo "  attempts: $(q "SELECT group_concat(attempt || ' ' || end || ' from ' || start_step, '; ') FROM attempts")"
  check "squeue is empty at the end" wait_for 30 squeue_empty
  ;;

coord_faults)
  run_coord "$fixtures/coord_one_job.yaml" --set launcher.kind=slurm --set launcher.slurm.poll_max_s=2 \
    --set 'jobs[0].overrides=[train.epochs=6]' --set launcher.stop_grace_s=10
  check "attempt 1 runs in Slurm and checkpoints" wait_for 180 query_ge \
    "SELECT count(*) FROM checkpoints WHERE attempt=1" 1
  slurm_id=$(q "SELECT launch_id FROM attempts WHERE attempt=1")
  scancel "$slurm_id"
  check "scancel from outside is a crash, restarted" wait_for 60 query_ge \
    "SELECT count(*) FROM attempts WHERE attempt=2 AND kind='restart'" 1
  check "  attempt 1 ended crashed (Slurm state CANCELLED)" test \
    "$(q "SELECT count(*) FROM attempts WHERE attempt=1 AND end='crashed' AND end_reason LIKE '%CANCELLED%'")" -eq 1
  check "attempt 2 reports metrics" wait_for 120 query_ge \
    "SELECT count(*) FROM metrics WHERE attempt=2" 5
  second=$(q "SELECT launch_id FROM attempts WHERE attempt=2")
  kill -9 "$coord_pid"; wait "$coord_pid" 2>/dev/null || true; coord_pid=""
  second_running() { sq --jobs="$second" | grep -q '|RUNNING|'; }
  check "the Slurm job outlives the coordinator" second_running
  "$bin/cogcoord" resume --state-dir "$work/state" >"$work/coord.log" 2>&1 &
  coord_pid=$!
  wait_coord 300
  check "cogcoord resume completes the experiment (exit $rc)" test "$rc" -eq 0
  check "the running Slurm job was adopted, not relaunched" \
    test "$(q "SELECT count(*) FROM events WHERE kind='adopt'")" -eq 1
  check "  two attempts in all, the second finished" \
    test "$(q "SELECT count(*) || ':' || max(attempt) || ':' || (SELECT end FROM attempts WHERE attempt=2) FROM attempts")" = "2:2:finished"
  check "no stored metric lost or doubled" history_complete micro
  check "squeue is empty at the end" wait_for 30 squeue_empty
  ;;
*)
  echo "unknown scenario $scenario"; exit 2 ;;
esac
finish
