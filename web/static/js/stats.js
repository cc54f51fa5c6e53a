// The stats page: GET /api/project/stats drawn as inline SVG (no charting library):
// labeled / skipped / total, completions per label as bars, and completions per
// annotator per day as stacked bars with a table of the same numbers.
(function () {
  'use strict';

  var LS = window.LS;
  var el = LS.el;
  var SVG = 'http://www.w3.org/2000/svg';
  var COLORS = ['#1f6feb', '#e16f24', '#1a7f37', '#8250df', '#cf222e', '#0e8a86', '#bf8700', '#d63384', '#57606a', '#6f42c1'];

  function svg(tag, attrs, children) {
    var node = document.createElementNS(SVG, tag);
    for (var key in attrs || {}) node.setAttribute(key, String(attrs[key]));
    (children || []).forEach(function (c) { node.append(c); });
    return node;
  }

  function text(x, y, value, attrs) {
    var t = svg('text', Object.assign({ x: x, y: y }, attrs || {}));
    t.textContent = value;
    return t;
  }

  function who(name) {
    return name === null ? el('em', { class: 'unknown', text: 'unknown' }) : name;
  }

  function figure(value, label, id) {
    return el('div', { class: 'figure', id: id }, [el('b', { text: String(value) }), el('span', { text: label })]);
  }

  function summary(s) {
    var box = document.getElementById('stats-summary');
    box.replaceChildren(
      figure(s.tasks.labeled, 'tasks labeled', 'stat-labeled'),
      figure(s.tasks.skipped, 'tasks skipped', 'stat-skipped'),
      figure(s.tasks.remaining, 'tasks to do', 'stat-remaining'),
      figure(s.tasks.total, 'tasks in all', 'stat-total'),
      figure(s.completions.labeled, 'completions', 'stat-completions'),
      figure(s.completions.skipped, 'skips', 'stat-skips'),
    );
  }

  /** Horizontal bars, one a label: "control: label" and its count. */
  function labelsChart(labels) {
    var box = document.getElementById('labels-chart');
    if (labels.length === 0) return box.replaceChildren(el('p', { class: 'empty', text: 'The config has no labels.' }));
    var controls = new Set(labels.map(function (l) { return l.from_name; }));
    var name = function (l) { return controls.size > 1 ? l.from_name + ': ' + l.label : l.label; };
    var max = Math.max.apply(null, labels.map(function (l) { return l.completions; }).concat([1]));
    var rowH = 26;
    var left = Math.min(260, 16 + 7 * Math.max.apply(null, labels.map(function (l) { return name(l).length; })));
    var width = 760;
    var barMax = width - left - 60;
    var chart = svg('svg', { width: width, height: labels.length * rowH + 10, role: 'img', 'aria-label': 'Completions per label' });
    labels.forEach(function (l, i) {
      var y = 5 + i * rowH;
      var w = Math.round((barMax * l.completions) / max);
      chart.append(
        svg('g', { class: 'bar', 'data-label': l.label, 'data-count': l.completions }, [
          text(left - 8, y + 16, name(l), { 'text-anchor': 'end' }),
          svg('rect', { x: left, y: y + 3, width: Math.max(w, 1), height: rowH - 8, rx: 3, fill: COLORS[i % COLORS.length] }),
          text(left + Math.max(w, 1) + 6, y + 16, String(l.completions)),
        ]),
      );
    });
    box.replaceChildren(chart);
  }

  /** Stacked columns: one a day, a colour an annotator; the table below has the numbers. */
  function daysChart(s) {
    var box = document.getElementById('days-chart');
    var rows = s.per_day;
    if (rows.length === 0) return box.replaceChildren(el('p', { class: 'empty', text: 'No completions yet.' }));
    var people = s.annotators.map(function (a) { return a.annotator; });
    var colour = function (name) { return COLORS[people.indexOf(name) % COLORS.length]; };
    var days = [];
    rows.forEach(function (r) { if (days.indexOf(r.day) < 0) days.push(r.day); });
    var totals = days.map(function (d) {
      return rows.filter(function (r) { return r.day === d; }).reduce(function (n, r) { return n + r.labeled + r.skipped; }, 0);
    });
    var max = Math.max.apply(null, totals.concat([1]));
    var height = 220;
    var top = 16;
    var bottom = 40;
    var colW = Math.max(28, Math.min(80, Math.floor(700 / days.length)));
    var width = Math.max(300, 50 + days.length * colW);
    var chart = svg('svg', { width: width, height: height + top + bottom, role: 'img', 'aria-label': 'Completions per annotator per day' });
    chart.append(svg('line', { x1: 40, y1: top + height, x2: width, y2: top + height, class: 'axis' }));
    chart.append(text(34, top + 10, String(max), { 'text-anchor': 'end' }));
    chart.append(text(34, top + height, '0', { 'text-anchor': 'end' }));
    days.forEach(function (d, i) {
      var x = 50 + i * colW;
      var y = top + height;
      rows.filter(function (r) { return r.day === d; }).forEach(function (r) {
        // An annotator's labeled completions in their colour, their skips paler above.
        [['labeled', 1], ['skipped', 0.4]].forEach(function (part) {
          var n = r[part[0]];
          if (n === 0) return;
          var h = Math.round((height * n) / max);
          y -= h;
          var rect = svg('rect', { x: x, y: y, width: colW - 10, height: h, fill: colour(r.annotator), 'fill-opacity': part[1], 'data-annotator': r.annotator === null ? '' : r.annotator, 'data-day': d === null ? '' : d, 'data-kind': part[0], 'data-count': n });
          var tip = svg('title');
          tip.textContent = (r.annotator === null ? 'unknown' : r.annotator) + ', ' + (d || 'no date') + ': ' + n + ' ' + part[0];
          rect.append(tip);
          chart.append(rect);
        });
      });
      chart.append(text(x + (colW - 10) / 2, top + height + 16, d === null ? 'no date' : d.slice(5), { 'text-anchor': 'middle' }));
      chart.append(text(x + (colW - 10) / 2, top + height - (height * totals[i]) / max - 4, String(totals[i]), { 'text-anchor': 'middle' }));
    });
    var legend = el(
      'div',
      { class: 'legend' },
      people.map(function (p) {
        var swatch = el('i');
        swatch.style.background = colour(p);
        return el('span', {}, [swatch, who(p)]);
      }),
    );
    legend.append(el('span', { text: '(skips in a paler shade)' }));
    box.replaceChildren(legend, chart);

    var table = document.getElementById('days');
    table.tHead.replaceChildren(el('tr', {}, [el('th', { text: 'day (UTC)' }), el('th', { text: 'annotator' }), el('th', { class: 'num', text: 'labeled' }), el('th', { class: 'num', text: 'skipped' })]));
    table.tBodies[0].replaceChildren.apply(
      table.tBodies[0],
      rows.map(function (r) {
        return el('tr', {}, [el('td', { text: r.day || 'no date' }), el('td', {}, [who(r.annotator)]), el('td', { class: 'num', text: String(r.labeled) }), el('td', { class: 'num', text: String(r.skipped) })]);
      }),
    );
  }

  function annotatorsTable(s) {
    var body = document.querySelector('#annotators tbody');
    body.replaceChildren.apply(
      body,
      s.annotators.map(function (a) {
        return el('tr', {}, [el('td', {}, [who(a.annotator)]), el('td', { class: 'num', text: String(a.labeled) }), el('td', { class: 'num', text: String(a.skipped) })]);
      }),
    );
  }

  async function load() {
    var res = await LS.api('GET', '/api/project/stats');
    if (!res.ok) {
      var message = document.getElementById('message');
      message.textContent = LS.errorText(res);
      message.className = 'message error';
      return;
    }
    summary(res.body);
    labelsChart(res.body.labels);
    daysChart(res.body);
    annotatorsTable(res.body);
    document.body.dataset.loaded = 'true';
  }

  load();
})();
