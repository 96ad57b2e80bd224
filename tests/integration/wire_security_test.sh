#!/usr/bin/env bash
# The authenticated wire with real processes on loopback:
#   spoof  while a job trains, rogue clients on the coordinator's wire port post a NaN report
#          (which would force a rollback), heartbeats and forged future steps: one with no key,
#          one with the attempt's own key file but claiming another attempt. Nothing of theirs
#          reaches the store or the job's state; /healthz counts them as unauthenticated.
#   checkpoint  two torch-free jobs (cog_fake_worker: an epoch every 300 ms, a checkpoint after
#          each). The victim's worker is frozen (SIGSTOP) and rogues speak for its attempt: one
#          with no key, one holding the other job's key; each sends heartbeats with rising
#          progress, future steps and a "checkpoint saved" of a folder that exists, far ahead of
#          the real ones. The forged heartbeats keep nothing alive (the coordinator finds the
#          attempt lost and restarts it), the forged checkpoint is in no store row and is not the
#          one the restart starts from (--init-from); then the ended attempt's own (revoked) key
#          forges for the new attempt, to no effect either. Only running attempts keep a route.
# Usage: wire_security_test.sh BIN_DIR REPO_DIR SCENARIO
set -euo pipefail
source "$(dirname "$0")/coord_test_lib.sh" "$@"

case "$scenario" in
spoof)
  [ -x "$bin/fake_worker" ] || { echo "fake_worker is missing from $bin (bench/CMakeLists.txt builds it)"; exit 1; }
  # Early stopping off: the job must outlive the rogues (a plateau once ended it first).
  run_coord "$fixtures/coord_one_job.yaml" --set 'jobs[0].overrides=[train.epochs=40]' --set policies.early_stopping.enabled=false
  check "the job reports metrics" wait_for 120 query_ge "SELECT count(*) FROM metrics" 5
  wire=$(python3 -c "import json;print(json.load(open('$work/state/coordinator.json'))['wire'])")
  keyfile="$work/state/jobs/micro/attempt-1/curve.key"
  check "the attempt's key file exists, private (0600)" test "$(stat -c %a "$keyfile")" = 600
  secret=$(sed -n 's/^client_secret=//p' "$keyfile")
  on_cmdline=0
  for p in $(worker_pids); do { tr '\0' ' ' < "/proc/$p/cmdline"; } 2>/dev/null | grep -qF -- "$secret" && on_cmdline=$((on_cmdline + 1)); done
  check "  ...and its secret is on no worker's command line ($(worker_pids | wc -l) processes, $on_cmdline with it)" \
    bash -c "[ -n '$secret' ] && [ $on_cmdline -eq 0 ] && [ $(worker_pids | wc -l) -ge 1 ]"
  rogue() {  # rogue NAME ATTEMPT [KEYFILE]: 20 reports from step 1000000, NaN at the third
    COG_COORDINATOR="$wire" COG_JOB=micro COG_ATTEMPT="$2" COG_CURVE_FILE="${3:-}" \
      timeout 30 "$bin/fake_worker" --set fake.reports=20 --set fake.nan_at=3 --set fake.first_step=1000000 \
      >"$work/rogue-$1.log" 2>&1 || true
  }
  rogue plain 1
  rogue other-attempt 2 "$keyfile"
  port=$(http_port)
  unauth=$(curl -sf "http://127.0.0.1:$port/healthz" | python3 -c "import json,sys; print(int(json.load(sys.stdin)['wire']['unauthenticated']))")
  check "the rogue with a key but another attempt was counted ($unauth unauthenticated)" test "$unauth" -ge 1
  check "no forged future step reached the store" test "$(q "SELECT count(*) FROM metrics WHERE step >= 1000000")" -eq 0
  check "no NaN report made a divergence" test "$(q "SELECT count(*) FROM events WHERE kind IN ('diverged','rollback')")" -eq 0
  check "no attempt 2 appeared" test "$(q "SELECT count(*) FROM attempts")" -eq 1
  check "the job still runs" bash -c "[ \"\$(sqlite3 '$db' 'SELECT state FROM jobs')\" = running ]"
  check "the real worker still reports" wait_for 60 query_ge "SELECT max(step) FROM metrics WHERE step < 1000000" \
    "$(( $(q "SELECT max(step) FROM metrics WHERE step < 1000000") + 1 ))"
  token=$(cat "$work/state/api_token")
  curl -sf -X POST -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/jobs/micro/stop" >/dev/null
  wait_coord 120
  check "the coordinator ends (exit $rc)" test "$rc" -eq 0
  check "the job ended stopped, with no rollback" test "$(q "SELECT state || ',' || relaunches FROM jobs")" = "stopped,0"
  ;;
checkpoint)
  for exe in cog_fake_worker fake_worker; do
    [ -x "$bin/$exe" ] || { echo "$exe is missing from $bin (cmake --build build --target $exe)"; exit 1; }
  done
  micro="$repo/tests/worker/fixtures/micro.yaml"
  cat >"$work/two.yaml" <<YAML
name: two-fake
slots: 2
jobs:
  - {name: victim, config: $micro, overrides: [train.epochs=100000]}
  - {name: other, config: $micro, overrides: [train.epochs=100000]}
launcher: {worker: $bin/cog_fake_worker, stop_grace_s: 1}
coordinator: {status_every_s: 2}
policies:
  early_stopping: {enabled: false}
  restart: {heartbeat_timeout_s: 4}
YAML
  COG_FAKE_EPOCH_MS=300 run_coord "$work/two.yaml"
  check "the victim saves checkpoints" wait_for 60 query_ge "SELECT count(*) FROM checkpoints WHERE job_id='victim'" 2
  check "the other job runs" wait_for 60 query_ge "SELECT count(*) FROM checkpoints WHERE job_id='other'" 1
  wire=$(python3 -c "import json;print(json.load(open('$work/state/coordinator.json'))['wire'])")
  port=$(http_port)
  wire_stat() { curl -sf "http://127.0.0.1:$port/healthz" | python3 -c "import json,sys; print(int(json.load(sys.stdin)['wire']['$1']))"; }
  attempt_pids() {  # attempt_pids JOB ATTEMPT
    local p
    for p in $(worker_pids); do
      { tr '\0' '\n' <"/proc/$p/environ"; } 2>/dev/null | grep -qx "COG_ATTEMPT_DIR=$work/state/jobs/$1/attempt-$2" && echo "$p"
    done
    return 0
  }
  rows() { q "SELECT path FROM checkpoints WHERE job_id='victim' AND attempt=$1 ORDER BY path"; }
  forged="$work/forged/epoch-9999"  # it exists: only who sent it can keep it out
  mkdir -p "$forged" && echo 9999 >"$forged/epoch"
  # rogue NAME ATTEMPT KEYFILE [REPORTS]: a report every 0.2 s from step 1000000, each with
  # the forged checkpoint, and heartbeats; 75 reports (15 s) outlast by far the 4 s the frozen
  # attempt may stay silent. A refused rogue's queue never drains: `timeout` ends it.
  rogue() {
    local reports=${4:-75}
    COG_COORDINATOR="$wire" COG_JOB=victim COG_ATTEMPT="$2" COG_CURVE_FILE="$3" \
      timeout $((reports / 5 + 5)) "$bin/fake_worker" --set fake.reports="$reports" --set fake.interval_ms=200 \
      --set fake.first_step=1000000 --set "fake.checkpoint=$forged" >"$work/rogue-$1.log" 2>&1 || true
  }

  frozen=$(attempt_pids victim 1)
  check "the victim's worker is found ($frozen)" test -n "$frozen"
  kill -STOP $frozen
  sleep 1  # what it sent before it froze lands
  rows 1 >"$work/before.txt"
  newest=$(q "SELECT path FROM checkpoints WHERE job_id='victim' AND healthy=1 ORDER BY step DESC LIMIT 1")
  unauth_before=$(wire_stat unauthenticated)
  rogue plain 1 "" &
  rogues="$!"
  rogue other-key 1 "$work/state/jobs/other/attempt-1/curve.key" &
  rogues="$rogues $!"
  check "the forged heartbeats kept nothing alive: the frozen attempt was found lost" \
    wait_for 30 query_ge "SELECT count(*) FROM events WHERE job_id='victim' AND kind='lost_heartbeat'" 1
  check "  ...while the rogues were still sending" kill -0 $rogues
  check "  ...and restarted" wait_for 30 query_ge "SELECT count(*) FROM attempts WHERE job_id='victim'" 2
  wait $rogues
  start=$(q "SELECT start_checkpoint FROM attempts WHERE job_id='victim' AND attempt=2")
  echo "  newest real checkpoint: $newest; attempt 2 started from: $start"
  check "the restart starts from the newest real checkpoint, not the forged one" \
    bash -c "[ -n '$newest' ] && [ '$start' = '$newest' ]"
  check "  ...and its worker was given it (--init-from)" \
    bash -c "tr '\0' ' ' </proc/$(attempt_pids victim 2 | head -1)/cmdline | grep -qF -- '--init-from $newest'"
  rows 1 >"$work/after.txt"
  check "attempt 1's checkpoint rows gained nothing ($(wc -l <"$work/before.txt") before, $(wc -l <"$work/after.txt") now)" \
    test -z "$(comm -13 "$work/before.txt" "$work/after.txt")"
  check "the forged checkpoint is in no row and no event" \
    test "$(q "SELECT (SELECT count(*) FROM checkpoints WHERE path LIKE '%epoch-9999%' OR step >= 1000000) + (SELECT count(*) FROM events WHERE detail LIKE '%epoch-9999%')")" -eq 0
  check "no forged report was stored (the real fake workers send none)" test "$(q "SELECT count(*) FROM metrics")" -eq 0
  unauth=$(wire_stat unauthenticated)
  check "the rogue with the other job's key was counted ($unauth_before -> $unauth unauthenticated)" test "$unauth" -gt "$unauth_before"
  check "the other job was untouched (attempt 1, running)" \
    test "$(q "SELECT attempt || ' ' || state FROM jobs WHERE id='other'")" = "1 running"

  # The ended attempt's own key, revoked with it, now forges for the new attempt.
  check "attempt 2 saves checkpoints" wait_for 30 query_ge "SELECT count(*) FROM checkpoints WHERE job_id='victim' AND attempt=2" 1
  unauth_before=$(wire_stat unauthenticated)
  rogue revoked 2 "$work/state/jobs/victim/attempt-1/curve.key" 10
  unauth=$(wire_stat unauthenticated)
  check "the revoked key was refused ($unauth_before -> $unauth unauthenticated)" test "$unauth" -gt "$unauth_before"
  check "  ...and forged nothing" \
    test "$(q "SELECT count(*) FROM checkpoints WHERE path LIKE '%epoch-9999%' OR step >= 1000000")" -eq 0
  check "the victim's attempt 2 still runs" test "$(q "SELECT attempt || ' ' || state FROM jobs WHERE id='victim'")" = "2 running"
  routes=$(wire_stat routes)
  check "only the two running attempts keep a route for commands ($routes)" test "$routes" -eq 2
  token=$(cat "$work/state/api_token")
  curl -sf -X POST -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/experiments/two-fake/stop" >/dev/null
  wait_coord 60
  check "the coordinator ends (exit $rc)" test "$rc" -eq 0
  ;;
*)
  echo "unknown scenario $scenario"; exit 2 ;;
esac
finish
