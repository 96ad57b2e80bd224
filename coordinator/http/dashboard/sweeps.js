// The dashboard's Sweeps section: each sweep (GET /api/v1/sweeps) with its models' trials done
// and best trial, and for the chosen one (a click on its row; the first by default) per model
// its trials best first, ASHA's rungs and the best trial's --set line (/api/v1/sweeps/{id}).
// A trial's job links to that job's curves (#job-<id>, drawn by dashboard.js, whose poll()
// calls pollSweeps; getJson and fmt are its too). Strings from the server only ever become
// text nodes, never markup.
'use strict';

let chosenSweep = null;  // the id of the sweep whose trials are shown

// A `tag` element with `props` (className, href, title...) holding `children`: nodes, or
// values shown as text.
function el(tag, props, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children.map(c => (c instanceof Node ? c : String(c))));
  return e;
}

function row(cells) { return el('tr', {}, ...cells.map(c => el('td', {}, c))); }
function head(names) { return el('thead', {}, el('tr', {}, ...names.map(n => el('th', {}, n)))); }
function jobLink(job) { return el('a', {href: '#job-' + encodeURIComponent(job), title: 'its curves'}, job); }

// One row per sweep and model. Done: started and not running now; a paused ASHA trial counts
// (it may be promoted later, and most never are).
function renderSweepList(docs) {
  const rows = [];
  for (const s of docs) {
    for (const m of s.models) {
      const done = m.trials.filter(t => t.status !== 'running').length;
      const tr = row([s.id, m.name, s.searcher, s.metric + ' (' + s.mode + ')', done + '/' + s.max_trials,
                      m.best ? m.best.job : '-', m.best ? fmt(m.best.metric) : '-']);
      tr.dataset.sweep = s.id;
      tr.className = s.id === chosenSweep ? 'chosen' : '';
      tr.onclick = () => {
        chosenSweep = s.id;
        renderSweeps(docs);
      };
      rows.push(tr);
    }
  }
  document.querySelector('#sweep-list tbody').replaceChildren(...rows);
}

// A model's trials (a column per hyperparameter), its rungs and its best trial.
function modelSection(s, m) {
  const keys = [...new Set(m.trials.flatMap(t => Object.keys(t.hyperparameters)))];
  const trials = m.trials.map(t => {
    const tr = row([t.trial, jobLink(t.job), ...keys.map(k => t.hyperparameters[k] ?? '-'), t.status,
                    t.resource, t.rung < 0 ? '-' : t.rung, fmt(t.metric)]);
    tr.dataset.trialJob = t.job;
    return tr;
  });
  const parts = [el('h3', {}, s.id + ' / ' + m.name),
                 el('table', {className: 'trials'},
                    head(['trial', 'job', ...keys, 'status', s.unit, 'rung', s.metric]), el('tbody', {}, ...trials))];
  if (m.rungs) {
    const promoted = r => r.promoted.length + (r.promoted.length ? ' (trials ' + r.promoted.join(', ') + ')' : '');
    const rungs = m.rungs.map((r, i) => row([i, r.milestone, r.results, promoted(r)]));
    const names = ['rung', 'milestone (' + s.unit + ')', 'trials reached', 'promoted'];
    parts.push(el('table', {className: 'rungs'}, head(names), el('tbody', {}, ...rungs)));
  }
  if (m.best) {
    const best = el('p', {className: 'best'}, 'best: ', jobLink(m.best.job),
                    ' (' + s.metric + ' ' + fmt(m.best.metric) + ' at ' + m.best.resource + ' ' + s.unit + ') ',
                    el('code', {}, m.best.set));
    best.dataset.job = m.best.job;
    parts.push(best);
  }
  return el('div', {className: 'sweep-model'}, ...parts);
}

function renderSweeps(docs) {
  if (!docs.some(s => s.id === chosenSweep)) chosenSweep = docs.length ? docs[0].id : null;
  renderSweepList(docs);
  const chosen = docs.find(s => s.id === chosenSweep);
  const models = chosen ? chosen.models.map(m => modelSection(chosen, m)) : [];
  document.getElementById('sweep-detail').replaceChildren(...models);
  document.getElementById('sweep-list').hidden = docs.length === 0;
  document.getElementById('sweeps-note').textContent = docs.length ? '' : 'no sweeps (cogcoord sweep FILE runs one)';
}

// The list counts each model's trials; done counts and the trials need each sweep's document,
// so every listed sweep is fetched whole (a coordinator runs one). A failure shows here and
// leaves the rest of the page working.
async function pollSweeps() {
  try {
    const list = await getJson('/api/v1/sweeps');
    renderSweeps(await Promise.all(list.sweeps.map(s => getJson('/api/v1/sweeps/' + encodeURIComponent(s.id)))));
  } catch (err) {
    document.getElementById('sweeps-note').textContent = 'sweeps: ' + err.message;
  }
}
