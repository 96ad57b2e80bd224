// The dashboard: polls the REST API every 2 s and draws each job's curves with dygraphs
// (Debian's libjs-dygraphs, served from this binary); sweeps.js draws the Sweeps section.
// Data only ever grows: metrics are fetched with since=<last step>, events with since=<last id>.
'use strict';

const POLL_MS = 2000;
// Curves per job: [title, source, scalar]; source "m" = metrics rows, "v" = validation rows.
const CURVES = [
  ['train loss', 'm', 'loss'],
  ['val loss', 'v', 'val_loss'],
  ['grad norm', 'm', 'grad_norm'],
  ['learning rate', 'm', 'lr_muon'],
  ['exact match', 'v', 'exact_match'],
];
// Decisions marked on the curves (coordinator events of these kinds).
const MARKED = new Set(['rollback', 'launch', 'restart', 'early_stop', 'diverged', 'stalled',
                        'lost_heartbeat', 'operator_stop', 'operator_relaunch']);

const jobs = new Map();  // id -> {since, validationsSince, metrics: [], validations: [], marks: [], charts: {}}
let eventsSince = 0;

async function getJson(path) {
  const r = await fetch(path, {cache: 'no-store'});
  if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
  return r.json();
}

function fmt(v, digits) {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'string') return v;  // "inf", "nan"
  return Number(v).toPrecision(digits || 4);
}

function duration(s) {
  if (s === null || s === undefined || !isFinite(s)) return '-';
  s = Math.round(s);
  return s >= 3600 ? Math.floor(s / 3600) + 'h' + String(Math.floor(s % 3600 / 60)).padStart(2, '0') + 'm'
       : s >= 60 ? Math.floor(s / 60) + 'm' + String(s % 60).padStart(2, '0') + 's' : s + 's';
}

function renderTable(list) {
  const body = document.querySelector('#jobs tbody');
  body.replaceChildren(...list.map(j => {
    const m = j.last_metrics || {};
    const tr = document.createElement('tr');
    tr.dataset.job = j.id;
    const cells = [j.id, j.state, j.attempt, (j.epoch + 1) + '/' + j.step, fmt(m.loss), fmt(j.best_val_loss),
                   fmt(j.best_exact_match, 3), fmt(m.tokens_per_s, 5),
                   (j.state === 'running' ? duration(m.eta_s) : '-'), j.restarts, j.relaunches];
    cells.forEach((c, i) => {
      const td = document.createElement('td');
      td.textContent = c;
      if (i === 1) td.className = 'state ' + j.state;
      tr.appendChild(td);
    });
    return tr;
  }));
}

function jobSection(id) {
  let job = jobs.get(id);
  if (job) return job;
  job = {since: -1, validationsSince: -1, metrics: [], validations: [], marks: [], charts: {}};
  jobs.set(id, job);
  const section = document.createElement('div');
  section.className = 'job';
  section.id = 'job-' + id;
  const h = document.createElement('h3');
  h.textContent = id;
  const grid = document.createElement('div');
  grid.className = 'charts';
  section.append(h, grid);
  document.getElementById('curves').appendChild(section);
  for (const [title, source, name] of CURVES) {
    const div = document.createElement('div');
    div.className = 'chart';
    div.dataset.curve = name;
    div.dataset.points = '0';
    grid.appendChild(div);
    job.charts[name] = {div, source, title, graph: null};
  }
  return job;
}

// [step, value] rows of one scalar; rows without it are left out (not plotted as gaps).
function series(rows, name) {
  const out = [];
  for (const r of rows) {
    const v = r.scalars[name];
    if (v === undefined) continue;
    out.push([r.step, typeof v === 'number' ? v : NaN]);
  }
  return out;
}

function draw(job) {
  for (const [name, c] of Object.entries(job.charts)) {
    const data = series(c.source === 'm' ? job.metrics : job.validations, name);
    c.div.dataset.points = String(data.length);
    if (data.length === 0) continue;
    const options = {file: data, labels: ['step', name], title: c.title, drawPoints: c.source === 'v',
                     strokeWidth: 1.5, legend: 'follow'};
    if (!c.graph) {
      c.graph = new Dygraph(c.div, data, options);
    } else {
      c.graph.updateOptions(options);
    }
    const steps = new Set(data.map(p => p[0]));
    c.graph.setAnnotations(job.marks.filter(m => steps.has(m.x)).map(m => ({...m, series: name})));
  }
}

async function pollJob(id) {
  const job = jobSection(id);
  for (;;) {  // page until the store has no more rows
    const page = await getJson('/api/v1/jobs/' + encodeURIComponent(id) + '/metrics?since=' + job.since);
    job.metrics.push(...page.metrics);
    job.since = page.next_since;
    if (!page.truncated) break;
  }
  for (;;) {
    const page = await getJson('/api/v1/jobs/' + encodeURIComponent(id) + '/validations?since=' + job.validationsSince);
    job.validations.push(...page.validations);
    job.validationsSince = page.next_since;
    if (!page.truncated) break;
  }
  draw(job);
}

// A decision is marked at the first plotted step at or after the step the job had reached.
function markDecision(e, stepNow) {
  const job = jobs.get(e.job_id);
  if (!job || !MARKED.has(e.kind)) return;
  const steps = job.metrics.map(r => r.step).filter(s => s >= stepNow);
  if (steps.length === 0) return;
  job.marks.push({x: steps[0], shortText: e.kind.slice(0, 2).toUpperCase(), text: e.kind + ': ' + e.detail});
}

async function pollEvents(list) {
  const page = await getJson('/api/v1/events?since=' + eventsSince);
  const ol = document.getElementById('events');
  const stepOf = new Map(list.map(j => [j.id, j.step]));
  for (const e of page.events) {
    const li = document.createElement('li');
    li.className = e.source;
    li.textContent = new Date(e.time * 1000).toLocaleTimeString() + ' ' + (e.job_id || '-') + '#' + e.attempt +
                     ' ' + e.kind + ': ' + e.detail;
    ol.prepend(li);
    if (e.source === 'coordinator') markDecision(e, stepOf.get(e.job_id) || 0);
  }
  while (ol.children.length > 200) ol.lastChild.remove();
  eventsSince = page.next_since;
}

async function poll() {
  try {
    const [experiments, jobList] = await Promise.all([getJson('/api/v1/experiments'), getJson('/api/v1/jobs')]);
    if (experiments.experiments.length) {
      const e = experiments.experiments[0];
      document.getElementById('experiment').textContent = e.id + ' (' + e.state + ')';
    }
    renderTable(jobList.jobs);
    await Promise.all(jobList.jobs.map(j => pollJob(j.id)));
    await pollEvents(jobList.jobs);
    await pollSweeps();  // sweeps.js
    document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
    document.body.dataset.ready = 'true';
  } catch (err) {
    document.getElementById('updated').textContent = 'error: ' + err.message;
  }
  setTimeout(poll, POLL_MS);
}

poll();
