#!/usr/bin/env bash
# `cogcoord sweep` end to end with cog_fake_worker (fake_worker.cpp) in place of cogworker:
# trials become jobs that report over the wire, the sweep's decisions become stops and
# relaunches (ASHA pauses and promotions from a trial's own rung checkpoint, PBT exploits
# from another trial's), the sweep ends by itself and writes best.yaml.
#   sweep_smoke_test.sh BIN_DIR SOURCE_DIR
set -u
bin=$1
src=$2
export OMPI_MCA_btl=self,vader OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl_tcp_if_include=lo
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

run_sweep() {  # name file [--set ...]
  local name=$1 file=$2
  shift 2
  timeout 240 "$bin/cogcoord" sweep "$file" --state-dir "$work/$name" --http off \
    --set "launcher.worker=$bin/cog_fake_worker" --set coordinator.curve=off "$@" >"$work/$name.out" 2>&1
  local rc=$?
  [[ $rc == 0 ]] || fail "$name: cogcoord exited $rc"
  echo "--- $name: the end of cogcoord's output"
  tail -25 "$work/$name.out"
}

run_sweep asha "$src/configs/sweeps/lr_tiny.yaml" --set coordinator.status_every_s=60
grep -q "sweep lr_tiny (asha, val_loss min), model tiny-reasoning: 8 trials" "$work/asha.out" || fail "asha: no summary"
grep -q "new job lr_tiny-tiny-reasoning-t007" "$work/asha.out" || fail "asha: the 8th trial never became a job"
grep -q "operator_relaunch: sweep (promoted" "$work/asha.out" || fail "asha: no promotion relaunched a trial"
grep -q "epoch-0001" "$work/asha.out" || fail "asha: a promotion did not name the rung checkpoint"
grep -q "operator_stop: sweep (pause: " "$work/asha.out" || fail "asha: no trial paused"
grep -q "muon_lr" "$work/asha/best.yaml" 2>/dev/null || fail "asha: best.yaml missing or without the searched key"
[[ -s "$work/asha/sweep_state.json" ]] || fail "asha: sweep_state.json missing"

run_sweep pbt "$src/tests/coordinator/sweep/fixtures/pbt_fake.yaml"
grep -q "sweep pbt_fake (pbt, val_loss min), model tiny-reasoning: 4 trials" "$work/pbt.out" || fail "pbt: no summary"
grep -Eq "operator_relaunch: sweep \(rank .* copies trial [0-9]+'s checkpoint" "$work/pbt.out" || fail "pbt: no exploit relaunch"
grep -Eq "from /.*/pbt_fake-tiny-reasoning-t00[0-9]/attempt-[0-9]+/checkpoints/epoch-000[0-9] \(job pbt_fake-tiny-reasoning-t00[0-9]\)" \
  "$work/pbt.out" || fail "pbt: an exploit did not start from another trial's checkpoint"

# kill -9 of the coordinator in the middle of a sweep, then `cogcoord resume`: the same
# trials, rungs and random stream go on from STATE/sweep_state.json to the end.
COG_FAKE_EPOCH_MS=700 "$bin/cogcoord" sweep "$src/configs/sweeps/lr_tiny.yaml" --state-dir "$work/kill" --http off \
  --set "launcher.worker=$bin/cog_fake_worker" --set coordinator.curve=off >"$work/kill.out" 2>&1 &
coord=$!
sleep 2.5
kill -9 $coord
wait $coord 2>/dev/null
grep -q "new job lr_tiny-tiny-reasoning-t00" "$work/kill.out" || fail "kill: no trial had started before the kill"
grep -q "new job lr_tiny-tiny-reasoning-t007" "$work/kill.out" && fail "kill: too late, every trial had started"
[[ -s "$work/kill/sweep_state.json" ]] || fail "kill: no sweep_state.json before the kill"
# The resumed coordinator serves REST on a free port: `cogctl sweeps` reads the sweep from it.
COG_FAKE_EPOCH_MS=700 timeout 240 "$bin/cogcoord" resume --state-dir "$work/kill" --http 127.0.0.1:0 >"$work/resumed.out" 2>&1 &
coord=$!
listed=0
for _ in $(seq 1 100); do
  if "$bin/cogctl" --state-dir "$work/kill" sweeps >"$work/ctl_sweeps.txt" 2>&1 && grep -q "^lr_tiny " "$work/ctl_sweeps.txt"; then
    "$bin/cogctl" --state-dir "$work/kill" sweeps lr_tiny >"$work/ctl_sweep.txt" 2>&1
    "$bin/cogctl" --state-dir "$work/kill" --json sweeps lr_tiny >"$work/ctl_sweep.json" 2>&1
    "$bin/cogctl" --state-dir "$work/kill" sweeps no-such-sweep >/dev/null 2>"$work/ctl_unknown.txt"
    unknown_rc=$?
    listed=1
    break
  fi
  sleep 0.1
done
# Exit 130 is an interrupt: name the signal cogcoord said it got (seen once under ctest -j2,
# cause not yet known; it passed alone every time).
wait $coord || fail "resume: cogcoord exited $? ($(grep -m1 'signal SIG' "$work/resumed.out" || echo 'it printed no signal line'))"
[[ $listed == 1 ]] || fail "cogctl sweeps never listed lr_tiny: $(cat "$work/ctl_sweeps.txt")"
grep -Eq "^[0-9]+ +lr_tiny-tiny-reasoning-t00[0-9] .*optim.muon_lr=" "$work/ctl_sweep.txt" || fail "cogctl sweeps lr_tiny: no trial row with its hyperparameters"
grep -q "RUNG MILESTONE" "$work/ctl_sweep.txt" || fail "cogctl sweeps lr_tiny: no ASHA rung table"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d['id']=='lr_tiny' and d['models'][0]['trials'] else 1)" \
  "$work/ctl_sweep.json" || fail "cogctl --json sweeps lr_tiny is not the REST document"
[[ ${unknown_rc:-0} == 4 ]] && grep -q "no sweep 'no-such-sweep'" "$work/ctl_unknown.txt" ||
  fail "cogctl sweeps no-such-sweep: exit ${unknown_rc:-?} (want 4, not found), $(cat "$work/ctl_unknown.txt" 2>/dev/null)"
echo "--- resumed: the end of cogcoord's output"
tail -12 "$work/resumed.out"
grep -q "sweep lr_tiny (asha, val_loss min), model tiny-reasoning: 8 trials" "$work/resumed.out" || fail "resume: no summary of 8 trials"
grep -q "lr_tiny-tiny-reasoning-t007" "$work/resumed.out" || fail "resume: the sweep did not go on to its last trial"
grep -q "muon_lr" "$work/kill/best.yaml" 2>/dev/null || fail "resume: best.yaml missing"

if [[ $failures -gt 0 ]]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "sweep smoke test passed"
