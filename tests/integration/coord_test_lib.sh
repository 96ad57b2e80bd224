# Shared by the coordinator integration tests (coordinator_test.sh, coordinator_faults_test.sh):
# arguments, a scratch state dir removed on exit with whatever a failed check left running,
# checks that count failures, store queries and the history checks.
# Usage: source coord_test_lib.sh BIN_DIR REPO_DIR SCENARIO
bin="$1"
repo="$2"
scenario="$3"
fixtures="$repo/tests/integration/fixtures"
work=$(mktemp -d)
cleanup() {
  # Whatever a failed check left running: the coordinator and every worker process group.
  [ -n "${coord_pid:-}" ] && kill -9 "$coord_pid" 2>/dev/null || true
  for p in $(worker_pids); do kill -9 "$p" 2>/dev/null || true; done
  [ -n "${KEEP_WORK:-}" ] && echo "work dir kept: $work" || rm -rf "$work"
}
# The live processes of this test's attempts: every process of an attempt carries its run
# folder in COG_ATTEMPT_DIR, so this finds them whatever their process group (and can fail).
worker_pids() {
  local p state
  for p in /proc/[0-9]*; do
    { tr '\0' '\n' < "$p/environ"; } 2>/dev/null | grep -q "^COG_ATTEMPT_DIR=$work/state/" || continue
    state=$(sed 's/.*) //' "$p/stat" 2>/dev/null | cut -d' ' -f1)
    [ -n "$state" ] && [ "$state" != Z ] && echo "${p#/proc/}"
  done
  return 0
}
workers_left() { worker_pids | wc -l; }
trap cleanup EXIT
export OMPI_MCA_btl=self,vader OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl_tcp_if_include=lo
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
db="$work/state/coord.db"

failures=0
check() {
  local what="$1"; shift
  if "$@"; then echo "ok   - $what"; else echo "FAIL - $what"; failures=$((failures + 1)); fi
}
q() { sqlite3 "$db" "$1"; }
finish() {
  if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed."
    if [ -f "$work/coord.log" ]; then echo "coordinator output:"; tail -n 60 "$work/coord.log"; fi
    for f in "$work"/state/jobs/*/attempt-*/worker.log; do if [ -f "$f" ]; then echo "== $f"; tail -n 15 "$f"; fi; done
    # A scenario with more to show (a Slurm job's state, its output) defines on_failure.
    if declare -F on_failure >/dev/null; then on_failure || true; fi
    exit 1
  fi
  echo "all $scenario checks passed"
}
# wait_for SECONDS COMMAND...: polls every 0.2 s; false on timeout.
wait_for() {
  local limit=$(( $1 * 5 )); shift
  for _ in $(seq 1 "$limit"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}
run_coord() {  # run_coord EXPERIMENT [args...]: in the background, output in coord.log
  "$bin/cogcoord" run "$@" --state-dir "$work/state" --http 127.0.0.1:0 >"$work/coord.log" 2>&1 &
  coord_pid=$!
}
wait_coord() {  # wait_coord SECONDS: sets rc to the coordinator's exit code (124 on timeout)
  local limit=$1
  rc=124
  for _ in $(seq 1 $(( limit * 5 ))); do
    if ! kill -0 "$coord_pid" 2>/dev/null; then
      set +e; wait "$coord_pid"; rc=$?; set -e; coord_pid=""; return
    fi
    sleep 0.2
  done
}
# query_ge SQL N: the query's number is >= N (polled by wait_for, so evaluated each time).
query_ge() { local v; v=$(q "$1" 2>/dev/null) && [ -n "$v" ] && [ "$v" -ge "$2" ]; }
http_port() { python3 -c "import json;print(json.load(open('$work/state/coordinator.json'))['http'].split(':')[1])"; }
# Every job's stored history (superseded rows excluded) holds each step once, and exactly
# the steps its workers logged (log_every 1: 1..last).
history_complete() {
  local job="$1"
  local dup total last
  dup=$(q "SELECT count(*) FROM (SELECT step FROM metrics WHERE job_id='$job' AND superseded=0 GROUP BY step HAVING count(*)>1)")
  total=$(q "SELECT count(*) FROM metrics WHERE job_id='$job' AND superseded=0")
  last=$(q "SELECT max(step) FROM metrics WHERE job_id='$job' AND superseded=0")
  echo "  $job: $total stored steps, last $last, $dup duplicated"
  [ "$dup" -eq 0 ] && [ "$total" -eq "$last" ]
}

# The job's stored validations (superseded rows excluded) hold each step once and cover
# every one of its EPOCHS epochs.
validations_complete() {
  local job="$1" epochs="$2" dup covered
  dup=$(q "SELECT count(*) FROM (SELECT step FROM validations WHERE job_id='$job' AND superseded=0 GROUP BY step HAVING count(*)>1)")
  covered=$(q "SELECT count(DISTINCT epoch) FROM validations WHERE job_id='$job' AND superseded=0")
  echo "  $job: validations cover $covered of $epochs epochs, $dup steps duplicated"
  [ "$dup" -eq 0 ] && [ "$covered" -eq "$epochs" ]
}
