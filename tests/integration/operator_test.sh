#!/usr/bin/env bash
# The operator's surface with real processes on loopback:
#   acts       the acting REST routes: refused without the token, then checkpoint now, per-rank
#              logs, a relaunch whose override reaches the worker, and a stop
#   cogctl     cogctl against a running coordinator (tables, --json, exit codes, checkpoint, logs
#              per rank, relaunch --set, events -f) with checkpoint.keep {best: 0, latest: 1}
#              counted on disk, then `metrics --csv` against `cogcoord serve` of the finished store
#   dashboard  `cogcoord serve` of a finished experiment in headless Chromium: every job listed,
#              every curve with as many points as the store has rows, a screenshot that is not blank
#   sweep_dashboard
#              a sweep of cog_fake_worker trials (configs/sweeps/lr_tiny.yaml), `cogcoord serve`d
#              in headless Chromium: the Sweeps section lists every trial of the REST document
#              with its hyperparameters, linked to its curves, the rungs and the best trial
#              (skipped, exit 77, only where chromium is not installed)
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
# Step checkpoints the worker wrote, counted from its events and not the checkpoints table:
# retention (keep.latest) deletes a step checkpoint's row once newer epoch checkpoints come,
# which can be before a poll sees it (with latest: 1, two steps later).
step_checkpoints_written="SELECT count(*) FROM events WHERE source='worker' AND kind='checkpoint' AND detail LIKE '%step-%'"
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

# serve_state: `cogcoord serve` of $work/state on a free loopback port; sets serve_pid and url.
serve_state() {
  "$bin/cogcoord" serve --state-dir "$work/state" --http 127.0.0.1:0 >"$work/serve.log" 2>&1 &
  serve_pid=$!
  check "cogcoord serve answers" wait_for 20 grep -q serving "$work/serve.log"
  url=$(grep -o 'http://[^ ]*' "$work/serve.log")
}

# browse URL NAME: headless Chromium's DOM of the page after 20 s of virtual time (polls
# included) into $work/NAME.html, and its screenshot into $work/NAME.png.
browse() {
  local browser=(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run
                 --disable-background-networking --disable-component-update --disable-sync
                 --user-data-dir="$work/chromium" --virtual-time-budget=20000 --window-size=1280,2400)
  timeout 120 "${browser[@]}" --dump-dom "$1" >"$work/$2.html" 2>>"$work/chromium.log" || true
  timeout 120 "${browser[@]}" --screenshot="$work/$2.png" "$1" >>"$work/chromium.log" 2>&1 || true
}

# not_blank PNG: the screenshot shows something (enough distinct colours in a sample).
not_blank() {
  python3 - "$1" <<'PY'
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
}

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
  check "  ...and the worker writes it at once" wait_for 60 query_ge "$step_checkpoints_written" 1
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
  # Early stopping off: the micro model's val loss plateaus by epoch 5, and a CI run once
  # stopped the job there (patience 3, step 432) before the relaunch this scenario acts on.
  run_coord "$fixtures/coord_one_job.yaml" --set 'jobs[0].overrides=[train.epochs=40]' --set 'jobs[0].ranks=2' \
            --set 'jobs[0].checkpoint.keep.best=0' --set 'jobs[0].checkpoint.keep.latest=1' \
            --set 'policies.early_stopping.enabled=false'
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
  check "  ...and the worker writes it at once" wait_for 60 query_ge "$step_checkpoints_written" 1
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

  serve_state
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
  serve_state
  browse "$url" dom
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
  check "the Sweeps section says there are none" grep -q '<p id="sweeps-note">no sweeps' "$work/dom.html"
  check "the screenshot is not blank" not_blank "$work/dom.png"
  ;;
sweep_dashboard)
  command -v chromium >/dev/null || { echo "skipped: chromium is not installed (scripts/install-deps installs it)"; exit 77; }
  # Eight trials, ASHA promoting two of them to 4 epochs, a fake epoch every 50 ms: seconds.
  COG_FAKE_EPOCH_MS=50 "$bin/cogcoord" sweep "$repo/configs/sweeps/lr_tiny.yaml" --state-dir "$work/state" --http off \
    --set "launcher.worker=$bin/cog_fake_worker" --set coordinator.curve=off >"$work/coord.log" 2>&1 &
  coord_pid=$!
  wait_coord 120
  check "the sweep finished (exit $rc)" test "$rc" -eq 0
  serve_state
  curl -sf "${url}api/v1/sweeps" >"$work/sweeps.json" || echo '{}' >"$work/sweeps.json"
  curl -sf "${url}api/v1/sweeps/lr_tiny" >"$work/sweep.json" || echo '{}' >"$work/sweep.json"
  browse "$url" sweep
  "$bin/cogctl" --url "${url%/}" sweeps lr_tiny >"$work/ctl_sweep.txt" 2>&1 || true
  kill "$serve_pid" 2>/dev/null || true
  check "cogctl sweeps reads the served sweep too" grep -q "^RUNG MILESTONE" "$work/ctl_sweep.txt"
  python3 - "$work/sweep.html" "$work/sweeps.json" "$work/sweep.json" >"$work/sweep_check.txt" <<'PY'
import html.parser, json, sys
# The page's Sweeps section as data: the list's rows, the trial table's header and rows (cell
# texts), the rung rows, the best line, and the curve sections a trial's link may lead to.
class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ready = False; self.curves = set()
        self.sweeps = []; self.header = []; self.trials = {}; self.links = {}; self.rungs = 0
        self.best = None; self.best_set = ''
        self.table = None; self.in_head = False; self.row = None; self.trial = None; self.cell = None
        self.in_code = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'body' and a.get('data-ready') == 'true': self.ready = True
        if tag == 'div' and a.get('class') == 'job': self.curves.add(a['id'])
        if tag == 'table': self.table = a.get('class') or a.get('id')
        if tag == 'thead': self.in_head = True
        if tag == 'tr':
            self.row = []
            self.trial = a.get('data-trial-job')
            if 'data-sweep' in a: self.sweeps.append(self.row)
            if self.trial: self.trials[self.trial] = self.row
            if self.table == 'rungs' and not self.in_head: self.rungs += 1
            if self.table == 'trials' and self.in_head: self.header = self.row
        if tag in ('td', 'th'): self.cell = ''
        if tag == 'a' and self.trial: self.links[self.trial] = a.get('href')
        if tag == 'p' and a.get('class') == 'best': self.best = a.get('data-job')
        if tag == 'code' and self.best: self.in_code = True
    def handle_endtag(self, tag):
        if tag in ('td', 'th') and self.cell is not None and self.row is not None: self.row.append(self.cell)
        if tag in ('td', 'th'): self.cell = None
        if tag == 'tr': self.row = self.trial = None
        if tag == 'thead': self.in_head = False
        if tag == 'table': self.table = None
        if tag == 'code': self.in_code = False
    def handle_data(self, data):
        if self.cell is not None: self.cell += data
        if self.in_code: self.best_set += data
page = Page(); page.feed(open(sys.argv[1]).read())
listed = json.load(open(sys.argv[2])).get('sweeps', [])
doc = json.load(open(sys.argv[3]))
model = (doc.get('models') or [{}])[0]
trials = model.get('trials', [])
print('ready', page.ready)
print('list rows', len(page.sweeps), 'of', sum(len(s['models']) for s in listed))
print('list row', page.sweeps[0] if page.sweeps else None)
print('trial rows', len(page.trials), 'REST trials', len(trials), 'max_trials', doc.get('max_trials'))
print('header', page.header)
bad = 0
for t in trials:
    row = dict(zip(page.header, page.trials.get(t['job'], [])))
    want = {'job': t['job'], 'status': t['status'], **t['hyperparameters']}
    wrong = {k: (row.get(k), v) for k, v in want.items() if row.get(k) != v}
    linked = page.links.get(t['job']) == '#job-' + t['job'] and 'job-' + t['job'] in page.curves
    print(t['job'], 'ok' if not wrong and linked else f'wrong {wrong}, curves {linked}')
    bad += bool(wrong) or not linked
print('trial mismatches', bad)
print('rung rows', page.rungs, 'REST rungs', len(model.get('rungs', [])))
best = model.get('best') or {}
print('best', page.best, 'REST best', best.get('job'), 'set shown', page.best_set == best.get('set'))
PY
  cat "$work/sweep_check.txt"
  check "the page loaded its data" grep -q "^ready True" "$work/sweep_check.txt"
  check "the sweep list has a row per sweep and model" grep -q "^list rows 1 of 1" "$work/sweep_check.txt"
  check "  ...saying 8 of 8 trials are done and the best trial" \
    grep -Eq "^list row \['lr_tiny', 'tiny-reasoning', 'asha', 'val_loss \(min\)', '8/8', 'lr_tiny-tiny-reasoning-t0[0-9]{2}'" "$work/sweep_check.txt"
  check "a trial row per trial of the REST document, all 8 the sweep ran" grep -q "^trial rows 8 REST trials 8 max_trials 8" "$work/sweep_check.txt"
  check "every trial shows its job, status and hyperparameters, and links to its curves" \
    grep -q "^trial mismatches 0" "$work/sweep_check.txt"
  check "the ASHA rung table is shown" bash -c "grep -Eq '^rung rows ([1-9]) REST rungs \1$' '$work/sweep_check.txt'"
  check "the best trial is the REST document's, with its --set line" \
    grep -Eq "^best (lr_tiny-tiny-reasoning-t0[0-9]{2}) REST best \1 set shown True" "$work/sweep_check.txt"
  check "the screenshot is not blank" not_blank "$work/sweep.png"
  ;;
*)
  echo "unknown scenario $scenario"; exit 2 ;;
esac
finish
