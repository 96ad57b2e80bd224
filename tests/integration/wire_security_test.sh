#!/usr/bin/env bash
# The authenticated wire with real processes on loopback:
#   spoof  while a job trains, rogue clients on the coordinator's wire port post a NaN report
#          (which would force a rollback), heartbeats and forged future steps: one with no key,
#          one with the attempt's own key file but claiming another attempt. Nothing of theirs
#          reaches the store or the job's state; /healthz counts them as unauthenticated.
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
*)
  echo "unknown scenario $scenario"; exit 2 ;;
esac
finish
