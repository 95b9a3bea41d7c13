// dashboard.html's script (browser code, inlined by core/report/dashboard/dashboard.ts; no build step,
// no network). It reads the report object (report.json's shape, schema/report.schema.json) from the
// page's <script id="report-data">, draws every section from it, and, when the page is served over
// http (`rebuild report --serve`), polls report.json and redraws when it changed. The view functions
// (`RebuildDashboard.view`) have no DOM access, so tests run them in Node too (dashboard/view.test.ts).
(function (global) {
  'use strict';

  /** Column order of the tallies (work left, work done, what will not be built), as `rebuild status`. */
  var STATUS_ORDER = [
    'planned', 'waiting', 'ready', 'building', 'testing', 'transmuting', 'publishing', 'interrupted',
    'built', 'transmuted', 'tested', 'published', 'test-failed', 'failed', 'error', 'blocked', 'excluded', 'present', 'skipped', 'missing',
  ];
  var COLORS = {
    planned: '#b0bec5', waiting: '#90a4ae', ready: '#78909c', building: '#1e88e5', testing: '#1e88e5',
    transmuting: '#1e88e5', publishing: '#1e88e5', interrupted: '#8e24aa', built: '#81c784', transmuted: '#66bb6a',
    tested: '#43a047', published: '#1b5e20', 'test-failed': '#ec407a', failed: '#e53935', error: '#b71c1c', blocked: '#fb8c00',
    excluded: '#d7ccc8', present: '#90caf9', skipped: '#e0e0e0', missing: '#6d4c41',
  };
  /** Statuses counted as done (the package of the new python exists). */
  var DONE = { built: 1, transmuted: 1, tested: 1, published: 1, present: 1 };
  /** Statuses that will not get built by waiting. */
  var SETTLED = { excluded: 1, skipped: 1, missing: 1 };
  var PAGE = 200;
  var REASON_MAX = 160;

  function list(v) {
    if (v == null || v === '') return [];
    return Array.isArray(v) ? v.map(String) : [String(v)];
  }
  function orderOf(s) {
    var i = STATUS_ORDER.indexOf(s);
    return i < 0 ? STATUS_ORDER.length : i;
  }
  function byStatus(a, b) {
    return orderOf(a) - orderOf(b) || (a < b ? -1 : a > b ? 1 : 0);
  }
  function cmp(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /**
   * Where an entry is: its subdir, or `linux-64 py3.14` in a report of several pythons (whose lists
   * carry `python`), so that every tally, filter and table has one column per subdir and python.
   */
  function where(x) {
    return x.python ? x.subdir + ' py' + x.python : x.subdir || '';
  }

  /** One row per package per target, plus the reference packages with no build (`missing`). */
  function rows(report) {
    var out = [];
    var targets = report.targets || [];
    var several = targets.some(function (t) { return t.python !== targets[0].python; });
    targets.forEach(function (t) {
      (t.packages || []).forEach(function (p) {
        out.push({
          name: String(p.name), feedstock: p.feedstock || '', version: p.version || '', subdir: several ? where(t) : t.subdir,
          python: t.python || '', status: p.status || 'planned', stage: p.stage || '', klass: p['class'] || '',
          reason: p.reason || '', blockedBy: list(p.blockedBy), log: p.log || '', outputs: list(p.outputs),
          durationMs: typeof p.durationMs === 'number' ? p.durationMs : null,
        });
      });
    });
    // The reference's packages with no build: those not in the aggregate have no row of their own.
    (report.missing || []).forEach(function (m) {
      if (m.status && m.status !== 'not-in-aggregate') return;
      out.push({
        name: String(m.name), feedstock: m.feedstock || '', version: m.version || '', subdir: where(m),
        python: '', status: 'missing', stage: '', klass: m['class'] || '', reason: m.reason || '',
        blockedBy: list(m.blockedBy), log: '', outputs: [], durationMs: null,
      });
    });
    return out;
  }

  /** Per arch: status → count, from the packages (the source of every other section too). */
  function tallies(report) {
    var bySubdir = {};
    var statuses = {};
    rows(report).forEach(function (r) {
      if (r.status === 'missing') return;
      var c = (bySubdir[r.subdir] = bySubdir[r.subdir] || {});
      c[r.status] = (c[r.status] || 0) + 1;
      statuses[r.status] = 1;
    });
    var subdirs = Object.keys(bySubdir).sort();
    var columns = Object.keys(statuses).sort(byStatus);
    return {
      subdirs: subdirs,
      columns: columns,
      counts: subdirs.map(function (s) { return columns.map(function (c) { return bySubdir[s][c] || 0; }); }),
      totals: columns.map(function (c) { return subdirs.reduce(function (n, s) { return n + (bySubdir[s][c] || 0); }, 0); }),
    };
  }

  /**
   * The packages whose failure or absence blocks the most others: the report's `blockers` (one per
   * package and arch) folded per package, most first, with the packages each blocks (the rows'
   * `blockedBy`, the root cause). A blocker with no row in its arch is shown as 'missing' (not in the aggregate).
   */
  function blockers(report, limit) {
    var all = rows(report);
    var own = {};
    all.forEach(function (r) { if (r.status !== 'missing') own[r.subdir + '\u0000' + r.name] = r; });
    var map = {};
    (report.blockers || []).forEach(function (b) {
      var e = (map[b.name] = map[b.name] || { name: b.name, count: 0, subdirs: [], statuses: {}, reasons: {}, blocked: [] });
      var o = own[where(b) + '\u0000' + b.name];
      e.count += b.blocks || 0;
      e.subdirs.push({ subdir: where(b), count: b.blocks || 0 });
      e.statuses[o ? o.status : 'missing'] = 1;
      // Its class, else its reason (a blocklist entry's), else why it is absent.
      e.reasons[o ? o.klass || o.reason || o.status : 'not in the aggregate'] = 1;
    });
    all.forEach(function (r) {
      if (r.status === 'missing') return;
      r.blockedBy.forEach(function (b) { if (map[b]) map[b].blocked.push(r.name + ' (' + r.subdir + ')'); });
    });
    return Object.keys(map)
      .map(function (k) {
        var e = map[k];
        return {
          name: e.name, count: e.count, subdirs: e.subdirs.sort(function (a, b) { return cmp(a.subdir, b.subdir); }),
          statuses: Object.keys(e.statuses).sort(byStatus), reasons: Object.keys(e.reasons).sort(), blocked: e.blocked.sort(),
        };
      })
      .sort(function (a, b) { return b.count - a.count || cmp(a.name, b.name); })
      .slice(0, limit || 10);
  }

  /**
   * The config's named package sets (`report.groups`): the report's `groups` (members resolved by
   * name, feedstock or output), each member's status per arch, plus the configured names that matched
   * no package (missing everywhere); the group's overall state.
   */
  function groups(report) {
    var subdirs = tallies(report).subdirs;
    var all = rows(report);
    var known = {};
    all.forEach(function (r) { if (r.status === 'missing') return; known[r.name] = 1; known[r.feedstock] = 1; r.outputs.forEach(function (o) { known[o] = 1; }); });
    var config = (report.config && report.config.groups) || {};
    var defs = {};
    var status = {};
    (report.groups || []).forEach(function (g) {
      var names = (defs[g.name] = defs[g.name] || []);
      (g.packages || []).forEach(function (p) {
        if (names.indexOf(p.name) < 0) names.push(p.name);
        status[g.name + '\u0000' + p.name + '\u0000' + where(p)] = p.status;
      });
    });
    Object.keys(config).forEach(function (g) {
      var names = (defs[g] = defs[g] || []);
      list(config[g]).forEach(function (n) { if (!known[n] && names.indexOf(n) < 0) names.push(n); });
    });
    return Object.keys(defs).sort().map(function (g) {
      var members = defs[g].slice().sort().map(function (name) {
        var per = subdirs.map(function (s) {
          var r = all.filter(function (x) { return x.name === name && x.subdir === s && x.status !== 'missing'; })[0];
          var st = status[g + '\u0000' + name + '\u0000' + s] || 'missing';
          return { subdir: s, status: st, reason: r ? r.klass || r.reason : 'not in the aggregate' };
        });
        return { name: name, arches: per };
      });
      var st = members.reduce(function (acc, m) { return acc.concat(m.arches.map(function (a) { return a.status; })); }, []);
      var state = !st.length ? 'empty'
        : st.some(function (s) { return s === 'failed' || s === 'error' || s === 'test-failed' || s === 'missing'; }) ? 'failed'
        : st.some(function (s) { return s === 'blocked'; }) ? 'blocked'
        : st.every(function (s) { return DONE[s] || SETTLED[s]; }) ? 'done' : 'in progress';
      var done = st.filter(function (s) { return DONE[s]; }).length;
      return { name: g, state: state, done: done, total: st.length, members: members };
    });
  }

  /** Progress over time: [times (unix s), built, tested, failed, waiting] from report.history. */
  function progress(report) {
    var h = (report.history || []).slice().sort(function (a, b) { return cmp(a.time, b.time); });
    var t = [], built = [], tested = [], failed = [], waiting = [];
    h.forEach(function (p) {
      var s = Date.parse(p.time) / 1000;
      if (!isFinite(s)) return;
      t.push(s); built.push(p.built || 0); tested.push(p.tested || 0); failed.push(p.failed || 0); waiting.push(p.waiting || 0);
    });
    var goal = report.config && typeof report.config.waitingGoal === 'number' ? report.config.waitingGoal
      : typeof report.waitingGoal === 'number' ? report.waitingGoal : null;
    return { time: t, built: built, tested: tested, failed: failed, waiting: waiting, goal: goal };
  }

  function view(report) {
    return { rows: rows(report), tallies: tallies(report), blockers: blockers(report, 10), groups: groups(report), progress: progress(report) };
  }

  /** Rows matching the table's search text and filters, in the chosen order. */
  function query(all, q) {
    var words = String(q.search || '').toLowerCase().split(/\s+/).filter(Boolean);
    var out = all.filter(function (r) {
      if (q.status && r.status !== q.status) return false;
      if (q.subdir && r.subdir !== q.subdir) return false;
      if (q.klass && r.klass !== q.klass) return false;
      if (!words.length) return true;
      // Made once per row (a keystroke searches every row).
      var text = r.text || (r.text = [r.name, r.feedstock, r.version, r.subdir, r.status, r.stage, r.klass, r.reason, r.blockedBy.join(' ')].join(' ').toLowerCase());
      return words.every(function (w) { return text.indexOf(w) >= 0; });
    });
    var key = q.sort || 'name';
    var dir = q.desc ? -1 : 1;
    var value = function (r) {
      if (key === 'durationMs') return r.durationMs == null ? -1 : r.durationMs;
      if (key === 'status') return orderOf(r.status);
      if (key === 'blockedBy') return r.blockedBy.join(', ').toLowerCase();
      return String(r[key] || '').toLowerCase();
    };
    return out
      .map(function (r, i) { return { r: r, v: value(r), i: i }; })
      .sort(function (a, b) { return dir * cmp(a.v, b.v) || cmp(a.r.name, b.r.name) || cmp(a.r.subdir, b.r.subdir) || a.i - b.i; })
      .map(function (x) { return x.r; });
  }

  function duration(ms) {
    if (ms == null) return '';
    var s = Math.round(ms / 1000);
    if (s < 60) return s + ' s';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' min ' + (s % 60) + ' s';
    return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
  }

  var api = { STATUS_ORDER: STATUS_ORDER, COLORS: COLORS, view: view, rows: rows, tallies: tallies, blockers: blockers, groups: groups, progress: progress, query: query, duration: duration };
  global.RebuildDashboard = api;
  if (typeof document === 'undefined') return;

  // ---- DOM -----------------------------------------------------------------------------------------

  function h(tag, attrs) {
    var el = document.createElement(tag);
    for (var k in attrs || {}) {
      if (attrs[k] == null || attrs[k] === false) continue;
      if (k === 'class') el.className = attrs[k];
      else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), attrs[k]);
      else el.setAttribute(k, attrs[k]);
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c == null || c === false) continue;
      (Array.isArray(c) ? c : [c]).forEach(function (x) { if (x != null && x !== false) el.appendChild(typeof x === 'string' ? document.createTextNode(x) : x); });
    }
    return el;
  }
  function badge(status) {
    return h('span', { class: 'badge', style: 'background:' + (COLORS[status] || '#ccc') + (/^(failed|error|test-failed|published|tested|building|testing|transmuting|publishing|interrupted|missing)$/.test(status) ? ';color:#fff' : '') }, status);
  }
  /** Only a relative path becomes a link (a log path never carries a scheme), relative to the work dir. */
  function safeHref(p) {
    if (!p || /^[a-z][a-z0-9+.-]*:/i.test(p) || p.charAt(0) === '/' || p.charAt(0) === '\\') return null;
    return (document.documentElement.getAttribute('data-log-base') || '') + p;
  }

  var state = { search: '', status: '', subdir: '', klass: '', sort: 'status', desc: false, shown: PAGE };
  var charts = [];
  var current = null;

  function renderHeader(report, v) {
    var cfg = report.config || {};
    var to = cfg.python && Array.isArray(cfg.python.to) ? cfg.python.to.join(', ') : (cfg.python && cfg.python.to) || '';
    var py = cfg.python && typeof cfg.python === 'object' ? (cfg.python.from ? cfg.python.from + ' → ' : '') + to : cfg.python || '';
    var total = v.tallies.totals.reduce(function (a, b) { return a + b; }, 0);
    var done = v.rows.filter(function (r) { return DONE[r.status]; }).length;
    var failed = v.rows.filter(function (r) { return r.status === 'failed' || r.status === 'error' || r.status === 'test-failed'; }).length;
    return h('header', null,
      h('h1', null, 'rebuild' + (py ? ' — python ' + py : '')),
      h('p', { class: 'meta' },
        (report.generated ? 'generated ' + String(report.generated) : ''),
        report.running ? h('span', { class: 'live' }, ' · run in progress') : null,
        h('span', { id: 'poll-state' })),
      h('div', { class: 'kpis' },
        kpi('packages', total), kpi('done', done), kpi('failed', failed),
        Array.isArray(report.missing) ? kpi('not built out', report.missing.length) : null,
        kpi('waiting', v.progress.waiting.length ? v.progress.waiting[v.progress.waiting.length - 1] : total - done - failed, v.progress.goal)));
  }
  function kpi(label, n, goal) {
    var over = goal != null && n > goal;
    return h('div', { class: 'kpi' + (over ? ' over' : ''), 'data-kpi': label }, h('b', null, String(n)), h('span', null, label + (goal != null ? ' (goal ≤ ' + goal + ')' : '')));
  }

  function renderTallies(v) {
    var t = v.tallies;
    var table = h('table', { class: 'tally' },
      h('thead', null, h('tr', null, h('th', null, 'arch'), t.columns.map(function (c) { return h('th', null, badge(c)); }), h('th', null, 'total'))),
      h('tbody', null,
        t.subdirs.map(function (s, i) {
          return h('tr', null, h('th', null, s), t.counts[i].map(function (n) { return h('td', null, String(n)); }),
            h('td', null, String(t.counts[i].reduce(function (a, b) { return a + b; }, 0))));
        }),
        t.subdirs.length > 1 ? h('tr', { class: 'total' }, h('th', null, 'total'), t.totals.map(function (n) { return h('td', null, String(n)); }),
          h('td', null, String(t.totals.reduce(function (a, b) { return a + b; }, 0)))) : null));
    var box = h('div', { class: 'chart', id: 'tally-chart' });
    return h('section', { id: 'tallies' }, h('h2', null, 'Per arch'), h('div', { class: 'scroll' }, table), box);
  }

  function width(el) {
    return Math.max(260, Math.min(960, (el.parentNode && el.parentNode.clientWidth) || 600));
  }

  /** Stacked bars with uPlot: each series is the running sum, drawn from the top one down. */
  function drawTallyChart(v) {
    var el = document.getElementById('tally-chart');
    var t = v.tallies;
    if (!el || !t.subdirs.length || typeof uPlot === 'undefined') return;
    var xs = t.subdirs.map(function (_, i) { return i; });
    var cum = [];
    t.columns.forEach(function (c, ci) {
      cum.push(t.counts.map(function (row) { return row.slice(0, ci + 1).reduce(function (a, b) { return a + b; }, 0); }));
    });
    var order = t.columns.map(function (_, i) { return i; }).reverse();
    var bars = uPlot.paths.bars({ size: [0.6, 80] });
    var opts = {
      width: width(el), height: 90 + 28 * t.subdirs.length, title: 'packages per arch by status',
      legend: { show: true, live: false },
      cursor: { show: false }, select: { show: false },
      scales: { x: { time: false, range: [-0.5, t.subdirs.length - 0.5] }, y: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
      axes: [
        { splits: function () { return xs; }, values: function () { return t.subdirs; }, grid: { show: false } },
        { size: 50 },
      ],
      series: [{}].concat(order.map(function (ci) {
        return { label: t.columns[ci] + ' ' + t.totals[ci], fill: COLORS[t.columns[ci]] || '#ccc', stroke: COLORS[t.columns[ci]] || '#ccc', width: 0, paths: bars, points: { show: false } };
      })),
    };
    var data = [xs].concat(order.map(function (ci) { return cum[ci]; }));
    charts.push(new uPlot(opts, data, el));
  }

  function renderProgress(v) {
    var p = v.progress;
    return h('section', { id: 'progress' }, h('h2', null, 'Progress'),
      p.time.length ? h('div', { class: 'chart', id: 'progress-chart' }) : h('p', { class: 'empty' }, 'No history yet: progress appears once a run has recorded status changes.'));
  }
  function drawProgressChart(v) {
    var el = document.getElementById('progress-chart');
    var p = v.progress;
    if (!el || !p.time.length || typeof uPlot === 'undefined') return;
    var series = [{}, { label: 'built', stroke: COLORS.built, width: 2 }, { label: 'tested', stroke: COLORS.tested, width: 2 },
      { label: 'failed', stroke: COLORS.failed, width: 2 }, { label: 'waiting', stroke: '#546e7a', width: 2 }];
    var data = [p.time, p.built, p.tested, p.failed, p.waiting];
    if (p.goal != null) {
      series.push({ label: 'waiting goal ' + p.goal, stroke: '#ef6c00', width: 1.5, dash: [6, 4], points: { show: false } });
      data.push(p.time.map(function () { return p.goal; }));
    }
    var opts = {
      width: width(el), height: 260, title: 'built, tested, failed and waiting over time (UTC)',
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'); },
      scales: { y: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
      axes: [{}, { size: 50 }],
      series: series,
    };
    charts.push(new uPlot(opts, data, el));
  }

  function renderBlockers(v) {
    var b = v.blockers;
    return h('section', { id: 'blockers' }, h('h2', null, 'Top blockers'),
      !b.length ? h('p', { class: 'empty' }, 'Nothing is blocked.') :
        h('ol', { class: 'blockers' }, b.map(function (x) {
          return h('li', { 'data-blocker': x.name },
            h('b', null, x.name), ' ', x.statuses.map(badge), ' blocks ', h('b', { class: 'count' }, String(x.count)),
            ' (' + x.subdirs.map(function (s) { return s.subdir + ' ' + s.count; }).join(', ') + ')',
            x.reasons.length ? h('div', { class: 'why' }, x.reasons.join('; ')) : null,
            h('details', null, h('summary', null, 'blocked packages'), h('p', { class: 'small' }, x.blocked.join(', '))));
        })));
  }

  function renderGroups(v) {
    if (!v.groups.length) return null;
    return h('section', { id: 'groups' }, h('h2', null, 'Critical groups'),
      v.groups.map(function (g) {
        return h('div', { class: 'group', 'data-group': g.name, 'data-state': g.state },
          h('h3', null, g.name + ' ', h('span', { class: 'state state-' + g.state.replace(' ', '-') }, g.state), ' ' + g.done + '/' + g.total + ' done'),
          h('div', { class: 'scroll' }, h('table', { class: 'members' },
            h('thead', null, h('tr', null, h('th', null, 'package'), (g.members[0] ? g.members[0].arches : []).map(function (a) { return h('th', null, a.subdir); }))),
            h('tbody', null, g.members.map(function (m) {
              return h('tr', null, h('th', null, m.name), m.arches.map(function (a) { return h('td', { title: a.reason || '' }, badge(a.status)); }));
            })))));
      }));
  }

  var COLUMNS = [
    ['name', 'package'], ['version', 'version'], ['subdir', 'arch'], ['status', 'status'], ['stage', 'stage'],
    ['klass', 'class'], ['reason', 'reason'], ['blockedBy', 'blocked by'], ['durationMs', 'duration'], ['log', 'log'],
  ];

  function options(values, label) {
    return [h('option', { value: '' }, label)].concat(values.map(function (x) { return h('option', { value: x }, x); }));
  }
  function distinct(all, f, sorter) {
    var seen = {};
    all.forEach(function (r) { var x = f(r); if (x) seen[x] = 1; });
    return Object.keys(seen).sort(sorter || cmp);
  }

  function renderTableSection(v) {
    var search = h('input', { type: 'search', id: 'search', placeholder: 'search name, reason, class, blocker…', 'aria-label': 'search packages', value: state.search });
    var fStatus = h('select', { id: 'filter-status', 'aria-label': 'status' }, options(distinct(v.rows, function (r) { return r.status; }, byStatus), 'every status'));
    var fArch = h('select', { id: 'filter-arch', 'aria-label': 'arch' }, options(distinct(v.rows, function (r) { return r.subdir; }), 'every arch'));
    var fClass = h('select', { id: 'filter-class', 'aria-label': 'class' }, options(distinct(v.rows, function (r) { return r.klass; }), 'every class'));
    fStatus.value = state.status; fArch.value = state.subdir; fClass.value = state.klass;
    var update = function () {
      state.search = search.value; state.status = fStatus.value; state.subdir = fArch.value; state.klass = fClass.value; state.shown = PAGE;
      fillTable();
    };
    search.addEventListener('input', update);
    [fStatus, fArch, fClass].forEach(function (s) { s.addEventListener('change', update); });
    var head = h('tr', null, COLUMNS.map(function (c) {
      var btn = h('button', { type: 'button', 'data-sort': c[0], onclick: function () {
        if (state.sort === c[0]) state.desc = !state.desc; else { state.sort = c[0]; state.desc = false; }
        fillTable();
      } }, c[1]);
      return h('th', { 'data-col': c[0] }, btn);
    }));
    return h('section', { id: 'packages' }, h('h2', null, 'Packages'),
      h('div', { class: 'filters' }, search, fStatus, fArch, fClass, h('span', { id: 'row-count', class: 'small' })),
      h('div', { class: 'scroll' }, h('table', { id: 'package-table' }, h('thead', null, head), h('tbody', null))),
      h('p', null, h('button', { type: 'button', id: 'show-more', hidden: true, onclick: function () { state.shown += PAGE * 5; fillTable(); } }, 'show more')));
  }

  /** A long reason (a plugin error quoting its log) shows its start; the whole text is one click away. */
  function reasonCell(text) {
    if (text.length <= REASON_MAX) return h('td', { class: 'reason' }, text);
    return h('td', { class: 'reason' }, h('details', null, h('summary', null, text.slice(0, REASON_MAX) + '…'), h('div', { class: 'small' }, text.slice(REASON_MAX))));
  }

  /** The table's search, filters and sort live in the URL's #fragment: a view can be linked. */
  var HASH_KEYS = ['search', 'status', 'subdir', 'klass', 'sort', 'desc'];
  function readHash() {
    var params = new URLSearchParams(location.hash.slice(1));
    HASH_KEYS.forEach(function (k) {
      if (!params.has(k)) return;
      state[k] = k === 'desc' ? params.get(k) === '1' : params.get(k);
    });
  }
  function writeHash() {
    var params = new URLSearchParams();
    HASH_KEYS.forEach(function (k) {
      var v = state[k];
      if (k === 'desc') { if (v) params.set(k, '1'); } else if (v && !(k === 'sort' && v === 'status')) params.set(k, v);
    });
    var hash = params.toString();
    if (hash !== location.hash.slice(1)) history.replaceState(null, '', hash ? '#' + hash : location.pathname + location.search);
  }

  function fillTable() {
    writeHash();
    var found = query(current.rows, state);
    var body = document.querySelector('#package-table tbody');
    body.textContent = '';
    found.slice(0, state.shown).forEach(function (r) {
      var href = safeHref(r.log);
      body.appendChild(h('tr', { 'data-name': r.name, 'data-subdir': r.subdir, 'data-status': r.status },
        h('td', { class: 'name' }, r.name, r.feedstock && r.feedstock !== r.name ? h('div', { class: 'small' }, r.feedstock) : null),
        h('td', null, r.version), h('td', null, r.subdir), h('td', null, badge(r.status)), h('td', null, r.stage),
        h('td', null, r.klass), reasonCell(r.reason), h('td', null, r.blockedBy.join(', ')),
        h('td', { class: 'num', 'data-ms': r.durationMs == null ? '' : String(r.durationMs) }, duration(r.durationMs)),
        h('td', null, href ? h('a', { href: href }, 'log') : '')));
    });
    document.querySelectorAll('#package-table th[data-col]').forEach(function (th) {
      var c = th.getAttribute('data-col');
      if (c === state.sort) th.setAttribute('aria-sort', state.desc ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
    });
    document.getElementById('row-count').textContent = (found.length === current.rows.length ? '' : found.length + ' of ') + current.rows.length + ' rows' +
      (found.length > state.shown ? ', first ' + state.shown + ' shown' : '');
    document.getElementById('show-more').hidden = found.length <= state.shown;
  }

  function render(report) {
    // A redraw (a poll brought a new report) keeps the reader's place: scroll, focus, caret.
    var scroll = window.scrollY;
    var focused = document.activeElement && document.activeElement.id;
    var caret = focused === 'search' ? [document.activeElement.selectionStart, document.activeElement.selectionEnd] : null;
    charts.forEach(function (c) { c.destroy(); });
    charts = [];
    current = view(report);
    var root = document.getElementById('app');
    root.textContent = '';
    root.appendChild(renderHeader(report, current));
    var grid = h('div', { class: 'grid' }, renderTallies(current), renderProgress(current));
    root.appendChild(grid);
    var grid2 = h('div', { class: 'grid' }, renderBlockers(current), renderGroups(current));
    root.appendChild(grid2);
    root.appendChild(renderTableSection(current));
    drawTallyChart(current);
    drawProgressChart(current);
    fillTable();
    if (focused && document.getElementById(focused)) {
      document.getElementById(focused).focus();
      if (caret) document.getElementById(focused).setSelectionRange(caret[0], caret[1]);
    }
    window.scrollTo(0, scroll);
    document.documentElement.setAttribute('data-rows', String(current.rows.length));
  }

  function start() {
    var text = document.getElementById('report-data').textContent;
    readHash();
    // Served (`rebuild report --serve`): the server puts the logs at /logs/, next to /report/.
    if (/^https?:$/.test(location.protocol)) document.documentElement.setAttribute('data-log-base', '../');
    render(JSON.parse(text));
    var redraw;
    window.addEventListener('resize', function () {
      clearTimeout(redraw);
      redraw = setTimeout(function () { charts.forEach(function (c) { var el = c.root.parentNode; c.setSize({ width: width(el), height: c.height }); }); }, 150);
    });
    // Served over http (`rebuild report --serve`): follow report.json while a run writes it.
    if (/^https?:$/.test(location.protocol)) {
      var every = Number(document.documentElement.getAttribute('data-poll-ms')) || 5000;
      var last = text;
      var poll = function () {
        fetch('report.json', { cache: 'no-store' })
          .then(function (r) { return r.ok ? r.text() : Promise.reject(new Error('report.json: HTTP ' + r.status)); })
          .then(function (t) {
            var ps = document.getElementById('poll-state');
            if (t !== last) { last = t; render(JSON.parse(t)); ps = document.getElementById('poll-state'); }
            if (ps) ps.textContent = ' · live, checked ' + new Date().toISOString().slice(11, 19) + ' UTC';
          })
          .catch(function (e) { var ps = document.getElementById('poll-state'); if (ps) ps.textContent = ' · ' + e.message; })
          .then(function () { setTimeout(poll, every); });
      };
      setTimeout(poll, every);
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})(typeof window !== 'undefined' ? window : globalThis);
