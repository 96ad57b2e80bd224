#!/usr/bin/env bash
# Runs every fuzz target of BUILD_DIR (made by `make fuzz`) for SECONDS each on its seed
# corpus in tests/fuzz/corpus/<target>/, new inputs going to a scratch copy. A crash leaves its
# input in tests/fuzz/crashes/ (add it to the corpus once fixed: it becomes a regression input)
# and fails the run. Prints executions per target.
# Usage: run_fuzzers.sh BUILD_DIR SECONDS
set -euo pipefail
build="$1"
seconds="$2"
here="$(cd "$(dirname "$0")" && pwd)"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$here/crashes"
failed=0
for target in wire_decode_fuzz jsonl_codec_fuzz rest_handler_fuzz experiment_config_fuzz \
              worker_config_fuzz dataset_loaders_fuzz safetensors_fuzz; do
  mkdir -p "$scratch/$target"
  cp -r "$here/corpus/$target/." "$scratch/$target/" 2>/dev/null || true
  log="$scratch/$target.log"
  # A fixed seed (FUZZ_SEED, default 1): the same run in CI every time; a bench run varies it.
  if "$build/bin/$target" -seed="${FUZZ_SEED:-1}" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
       -artifact_prefix="$here/crashes/$target-" "$scratch/$target" >"$log" 2>&1; then
    execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$' || true)
    [ -n "$execs" ] || execs=$(grep -Eo '#[0-9]+' "$log" | tail -1 | tr -d '#')
    echo "fuzz $target: ${execs:-?} executions in ${seconds} s, 0 crashes"
  else
    echo "fuzz $target: FAILED (input saved under tests/fuzz/crashes/)"; tail -n 40 "$log"
    failed=1
  fi
done
exit "$failed"
