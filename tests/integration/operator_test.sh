#!/usr/bin/env bash
# The operator's surface with real processes on loopback:
#   acts       the acting REST routes: refused without the token, then checkpoint now, per-rank
#              logs, a relaunch whose override reaches the worker, and a stop
#   cogctl     cogctl against a running coordinator (tables, --json, exit codes, checkpoint, logs
#              per rank, relaunch --set, events -f) with checkpoint.keep {best: 0, latest: 1}
#              counted on disk, then `metrics --csv` against `cogcoord serve` of the finished store
#   dashboard  `cogcoord serve` of a finished experiment in headless Chromium: every job listed,
#              every curve with as many points as the store has rows, a screenshot that is not blank
# Usage: operator_test.sh BIN_DIR REPO_DIR SCENARIO
set -euo pipefail
source "$(dirname "$0")/coord_test_lib.sh" "$@"

# post ROUTE [BODY] [AUTH]: prints the HTTP status, the body goes to $work/post.json.
post() {
  local auth="${3-Bearer $token}"
  curl -s -o "$work/post.json" -w '%{http_code}' -X POST -H "Authorization: $auth" \
       -H 'Content-Type: application/json' --data "${2-}" "http://127.0.0.1:$port$1"
}
get() { curl -sf "http://127.0.0.1:$port$1"; }
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

case "$scenario" in
acts)
  run_coord "$fixtures/coord_one_job.yaml" --set 'jobs[0].overrides=[train.epochs=30]' --set 'jobs[0].ranks=2'
  check "the job reports metrics" wait_for 120 query_ge "SELECT count(*) FROM metrics" 20
  port=$(http_port)
  token=$(cat "$work/state/api_token")
  check "the API token was made private (0600)" test "$(stat -c %a "$work/state/api_token")" = 600
  refused=0
  for route in /api/v1/jobs/micro/stop /api/v1/jobs/micro/checkpoint /api/v1/jobs/micro/relaunch /api/v1/experiments/one-job/stop; do
    [ "$(post "$route" '' '')" = 401 ] && refused=$((refused + 1))
    [ "$(post "$route" '' 'Bearer not-the-token')" = 403 ] && refused=$((refused + 1))
  done
  check "every acting route refused a missing (401) and a wrong (403) token ($refused of 8)" test "$refused" -eq 8
  check "  ...and nothing was done" test "$(q "SELECT count(*) FROM events WHERE kind LIKE 'operator%'")" -eq 0

  check "a checkpoint request is accepted" test "$(post /api/v1/jobs/micro/checkpoint)" = 200
  check "  ...and the worker writes it at once" wait_for 60 query_ge "SELECT count(*) FROM checkpoints WHERE name LIKE 'step-%'" 1
  rank1=$(get "/api/v1/jobs/micro/logs?rank=1" | json_field "['file']")
  check "rank 1 has its own log ($rank1)" bash -c "[[ '$rank1' == */ranks/rank.1/stdout ]]"
  check "the whole log shows training" bash -c "curl -sf 'http://127.0.0.1:$port/api/v1/jobs/micro/logs' | grep -q 'step '"

  check "a relaunch with another learning rate is accepted" \
    test "$(post /api/v1/jobs/micro/relaunch '{"overrides": ["optim.muon_lr=0.005"]}')" = 200
  check "  ...a new attempt runs as the operator's" \
    wait_for 120 query_ge "SELECT count(*) FROM attempts WHERE attempt=2 AND kind='operator'" 1
  check "  ...and its worker really uses lr 0.005" \
    wait_for 120 query_ge "SELECT count(*) FROM events WHERE attempt=2 AND kind='hello' AND json_extract(numbers,'\$.muon_lr')=0.005" 1
  check "  ...after the first attempt stopped for it" test "$(q "SELECT end FROM attempts WHERE attempt=1")" = stopped
  check "a relaunch from a checkpoint the job does not have is refused (400)" \
    test "$(post /api/v1/jobs/micro/relaunch '{"checkpoint": "epoch-9999"}')" = 400
  check "the job is stopped on request" test "$(post /api/v1/jobs/micro/stop)" = 200
  wait_coord 120
  check "the coordinator ends (exit $rc)" test "$rc" -eq 0
  check "the job ended stopped" test "$(q "SELECT state FROM jobs")" = stopped
  check "every act is a decision naming the operator" \
    test "$(q "SELECT count(*) FROM events WHERE kind LIKE 'operator_%' AND detail LIKE 'operator via REST from 127.0.0.1%'")" -ge 3
  ;;

cogctl)
  run_coord "$fixtures/coord_one_job.yaml" --set 'jobs[0].overrides=[train.epochs=40]' --set 'jobs[0].ranks=2' \
            --set 'jobs[0].checkpoint.keep.best=0' --set 'jobs[0].checkpoint.keep.latest=1'
  check "the job reports metrics" wait_for 120 query_ge "SELECT count(*) FROM metrics" 20
  ctl=("$bin/cogctl" --state-dir "$work/state")
  port=$(http_port)
  "${ctl[@]}" jobs >"$work/jobs.txt"; echo "rc $?" >>"$work/jobs.txt"
  cat "$work/jobs.txt"
  check "cogctl jobs lists the running job" grep -Eq '^micro +(launching|running) ' "$work/jobs.txt"
  check "  ...and exits 0" grep -q '^rc 0' "$work/jobs.txt"
  check "cogctl jobs --json is the REST document" \
    bash -c "'$bin/cogctl' --state-dir '$work/state' jobs --json | python3 -c 'import json,sys; assert json.load(sys.stdin)[\"jobs\"][0][\"id\"] == \"micro\"'"
  code() { set +e; "$@" >"$work/out.txt" 2>"$work/err.txt"; echo $?; set -e; }
  check "no coordinator at the address: exit 3" test "$(code "$bin/cogctl" --url http://127.0.0.1:1 jobs)" = 3
  check "  ...naming the address" grep -q '127.0.0.1:1' "$work/err.txt"
  check "an unknown job: exit 4" test "$(code "${ctl[@]}" job no-such-job)" = 4
  check "stop without a token: exit 5" test "$(code "$bin/cogctl" --url "http://127.0.0.1:$port" stop micro)" = 5
  check "stop with a wrong token: exit 5" test "$(code "$bin/cogctl" --url "http://127.0.0.1:$port" --token nope stop micro)" = 5
  check "a bad --set: exit 2" test "$(code "${ctl[@]}" relaunch micro --set no-equals-sign)" = 2
  check "--help of a subcommand says what it does" bash -c "'$bin/cogctl' relaunch --help | grep -q -- '--set'"
  check "cogctl job shows the attempt table" bash -c "'$bin/cogctl' --state-dir '$work/state' job micro | grep -q '^ATTEMPT'"

  "${ctl[@]}" events -f --job micro >"$work/events.txt" 2>"$work/events.err" &
  follower=$!
  check "cogctl checkpoint is accepted" test "$(code "${ctl[@]}" checkpoint micro)" = 0
  check "  ...and the worker writes it at once" wait_for 60 query_ge "SELECT count(*) FROM checkpoints WHERE name LIKE 'step-%'" 1
  # Rank 0 alone prints progress: rank 1's own file must not hold it (the ranks are not mixed).
  check "cogctl logs --rank 1 is rank 1's own output" bash -c \
    "'$bin/cogctl' --state-dir '$work/state' logs micro --rank 1 >'$work/rank1.txt' && ! grep -q 'step ' '$work/rank1.txt'"
  check "cogctl logs holds every rank's output" bash -c "'$bin/cogctl' --state-dir '$work/state' logs micro | grep -q 'step '"
  check "epoch checkpoints keep coming" wait_for 180 query_ge \
    "SELECT count(*) FROM events WHERE source='worker' AND kind='checkpoint' AND detail LIKE '%epoch-%'" 5
  check "cogctl relaunch --set is accepted" test "$(code "${ctl[@]}" relaunch micro --set optim.muon_lr=0.005)" = 0
  check "  ...and the new attempt's worker uses lr 0.005" \
    wait_for 120 query_ge "SELECT count(*) FROM events WHERE attempt=2 AND kind='hello' AND json_extract(numbers,'\$.muon_lr')=0.005" 1
  check "  ...and reports metrics" wait_for 120 query_ge "SELECT count(*) FROM metrics WHERE attempt=2" 5
  check "cogctl stop is accepted" test "$(code "${ctl[@]}" stop micro)" = 0
  wait_coord 120
  check "the coordinator ends (exit $rc)" test "$rc" -eq 0
  check "events -f ended by itself" wait_for 10 bash -c "! kill -0 $follower 2>/dev/null"
  set +e; wait "$follower"; follower_rc=$?; set -e
  check "  ...with 0, or 3 when the coordinator was gone first (exit $follower_rc)" bash -c "[ $follower_rc = 0 ] || [ $follower_rc = 3 ]"
  check "  ...having printed the operator's relaunch" grep -q 'operator_relaunch' "$work/events.txt"

  # checkpoint.keep {best: 0, latest: 1}: counted on disk after the run.
  saved=$(q "SELECT count(*) FROM events WHERE source='worker' AND kind='checkpoint' AND (detail LIKE '%epoch-%' OR detail LIKE '%step-%')")
  on_disk=$(find "$work/state/jobs/micro" -mindepth 3 -maxdepth 3 -path '*/checkpoints/*' \( -name 'epoch-*' -o -name 'step-*' \) | wc -l)
  pruned=$(q "SELECT cast(coalesce(sum(json_extract(numbers,'\$.deleted')),0) AS integer) FROM events WHERE kind='checkpoints_pruned'")
  echo "periodic checkpoints saved $saved, deleted by retention $pruned, left on disk $on_disk"
  check "retention deleted what keep does not hold" test "$pruned" -ge 3
  check "  ...leaving at most latest + the rollback target + the newest healthy per job ($on_disk)" test "$on_disk" -le 3
  check "  ...and saved = deleted + left" test "$saved" -eq $((pruned + on_disk))
  check "  ...never best or final" test "$(find "$work/state/jobs/micro" -path '*/checkpoints/*' \( -name best -o -name final \) | wc -l)" -ge 2
  missing=0
  for path in $(q "SELECT path FROM checkpoints"); do [ -d "$path" ] || missing=$((missing + 1)); done
  check "every stored checkpoint row names a folder that exists ($missing missing)" test "$missing" -eq 0

  "$bin/cogcoord" serve --state-dir "$work/state" --http 127.0.0.1:0 >"$work/serve.log" 2>&1 &
  serve_pid=$!
  check "cogcoord serve answers" wait_for 20 grep -q serving "$work/serve.log"
  url=$(grep -o 'http://[^ ]*' "$work/serve.log")
  "$bin/cogctl" --url "${url%/}" metrics micro --csv >"$work/metrics.csv"
  rows=$(q "SELECT count(*) FROM metrics WHERE job_id='micro' AND superseded=0")
  check "metrics --csv has a line per stored row ($(($(wc -l <"$work/metrics.csv") - 1)) of $rows)" \
    test "$(($(wc -l <"$work/metrics.csv") - 1))" -eq "$rows"
  check "  ...with a loss column" bash -c "head -1 '$work/metrics.csv' | tr ',' '\n' | grep -qx loss"
  check "acting on a read-only server is refused (exit 2)" test "$(code "$bin/cogctl" --url "${url%/}" --token x stop micro)" = 2
  kill "$serve_pid" 2>/dev/null || true
  ;;

dashboard)
  command -v chromium >/dev/null || { echo "chromium is missing: scripts/install-deps installs it"; exit 1; }
  run_coord "$fixtures/coord_three_jobs.yaml"
  wait_coord 300
  check "the experiment finished (exit $rc)" test "$rc" -eq 0
  "$bin/cogcoord" serve --state-dir "$work/state" --http 127.0.0.1:0 >"$work/serve.log" 2>&1 &
  serve_pid=$!
  check "cogcoord serve answers" wait_for 20 grep -q serving "$work/serve.log"
  url=$(grep -o 'http://[^ ]*' "$work/serve.log")
  browser=(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
           --disable-background-networking --disable-component-update --disable-sync
           --user-data-dir="$work/chromium" --virtual-time-budget=20000 --window-size=1280,2400)
  timeout 120 "${browser[@]}" --dump-dom "$url" >"$work/dom.html" 2>"$work/chromium.log" || true
  timeout 120 "${browser[@]}" --screenshot="$work/shot.png" "$url" >>"$work/chromium.log" 2>&1 || true
  kill "$serve_pid" 2>/dev/null || true
  python3 - "$work/dom.html" "$db" >"$work/dom_check.txt" <<'PY'
import html.parser, sqlite3, sys
class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.rows = []; self.points = {}; self.job = None; self.ready = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'body' and a.get('data-ready') == 'true': self.ready = True
        if tag == 'tr' and 'data-job' in a: self.rows.append(a['data-job'])
        if tag == 'div' and a.get('class') == 'job': self.job = a['id'][len('job-'):]
        if tag == 'div' and 'data-curve' in a: self.points[(self.job, a['data-curve'])] = int(a['data-points'])
page = Page(); page.feed(open(sys.argv[1]).read())
db = sqlite3.connect(sys.argv[2])
jobs = [r[0] for r in db.execute("SELECT id FROM jobs ORDER BY rowid")]
print("ready", page.ready)
print("rows", ",".join(page.rows), "jobs", ",".join(jobs))
bad = 0
for job in jobs:
    for curve, table in (('loss', 'metrics'), ('grad_norm', 'metrics'), ('val_loss', 'validations'), ('exact_match', 'validations')):
        want = db.execute(f"SELECT count(*) FROM {table} WHERE job_id=? AND superseded=0 AND json_extract(scalars, '$.{curve}') IS NOT NULL", (job,)).fetchone()[0]
        got = page.points.get((job, curve))
        print(f"{job} {curve}: {got} points, {want} rows")
        bad += got != want or want == 0
print("mismatches", bad)
PY
  cat "$work/dom_check.txt"
  check "the page loaded its data" grep -q "ready True" "$work/dom_check.txt"
  check "the table lists every job" bash -c "grep -q '^rows reasoning,memory,speed jobs reasoning,memory,speed' '$work/dom_check.txt'"
  check "every curve has as many points as the store has rows" grep -q "^mismatches 0" "$work/dom_check.txt"
  check "the screenshot is not blank" python3 - "$work/shot.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat = 8, b''
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8]); pos += 8
    if kind == b'IDAT': idat += data[pos:pos + n]
    pos += n + 4
raw = zlib.decompress(idat)
distinct = len(set(raw[i:i + 3] for i in range(0, len(raw) - 3, 997)))
print(f"{len(raw)} bytes of pixels, {distinct} distinct colours in a sample")
sys.exit(0 if distinct >= 8 else 1)
PY
  ;;
*)
  echo "unknown scenario $scenario"; exit 2 ;;
esac
finish
