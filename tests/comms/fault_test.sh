#!/usr/bin/env bash
# Fault test (gloo's transport_test is the model): rank 1 of a 2-rank job SIGKILLs itself
# inside a loop of allreduces. The job must end within LIMIT seconds, non-zero, with rank 0
# reporting a CommsError — never hang.
# usage: fault_test.sh MPIEXEC PROBE [LIMIT_SECONDS]
set -u
mpiexec=$1
probe=$2
limit=${3:-20}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

start_ns=$(date +%s%N)
# The outer timeout only guards the test itself; reaching it is a failure (a hang).
timeout --kill-after=5 $((limit + 10)) "$mpiexec" -np 2 --oversubscribe "$probe" 20 10000 \
  >"$log" 2>&1
rc=$?
elapsed_ms=$((($(date +%s%N) - start_ns) / 1000000))

fail() {
  echo "FAIL: $1 (exit $rc after ${elapsed_ms} ms); job output:" >&2
  cat "$log" >&2
  exit 1
}
[ "$rc" -ne 0 ] || fail "the job succeeded although rank 1 was killed"
[ "$rc" -ne 124 ] || fail "the job hung until the guard timeout"
grep -q "comms_fault_probe rank 0: CommsError: allreduce of 1048576 bytes on rank 0/2" "$log" ||
  fail "rank 0 did not report a CommsError for its pending allreduce"
((elapsed_ms < limit * 1000)) || fail "the job took longer than ${limit}s"
echo "PASS: exit $rc after ${elapsed_ms} ms"
grep "CommsError" "$log"
