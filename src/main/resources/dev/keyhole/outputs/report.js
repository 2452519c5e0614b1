// Draws the report's charts from the embedded findings. Every string from the findings may come
// from the adversary: it reaches the page only as chart text (drawn as SVG text nodes) or through
// esc() in tooltip formatters, whose return value ECharts inserts as HTML.
(function () {
  'use strict';

  var DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
  var HOURS = [];
  for (var hh = 0; hh < 24; hh++) HOURS.push((hh < 10 ? '0' : '') + hh);
  var CATEGORY_COLORS = {
    'gaming': '#4e79a7', 'streaming': '#f28e2b', 'social': '#e15759', 'search': '#76b7b2', 'news': '#59a14f',
    'shopping': '#edc948', 'mail': '#b07aa1', 'messaging-voip': '#ff9da7', 'p2p': '#9c755f',
    'software-updates': '#8cd17d', 'hosting-vps': '#499894', 'vpn': '#d37295', 'other': '#bab0ac'
  };
  var ORIGIN_COLORS = { 'western': '#4e79a7', 'chinese': '#e15759', 'russian': '#f28e2b', 'other': '#bab0ac' };
  var OBFUSCATION = [
    { key: 'vpn', label: 'VPN', color: '#d37295' }, { key: 'vps', label: 'VPS', color: '#f28e2b' },
    { key: 'tls', label: 'TLS (unidentified)', color: '#4e79a7' }, { key: 'tor', label: 'Tor', color: '#7b4173' }
  ];
  var SPARE = ['#17becf', '#bcbd22', '#7f7f7f', '#8c564b', '#9467bd', '#2ca02c', '#d62728', '#1f77b4'];
  var FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "DejaVu Sans", sans-serif';
  var TOP_SERVICES = 10;

  function esc(s) {
    return String(s === null || s === undefined ? '' : s).replace(/[&<>"'`\u2028\u2029]/g, function (c) {
      return '&#' + c.charCodeAt(0) + ';';
    });
  }
  function pct(x, d) {
    return (typeof x === 'number' && isFinite(x)) ? (x * 100).toFixed(d === undefined ? 1 : d) + '%' : '–';
  }
  function num(n) {
    return (typeof n === 'number' && isFinite(n)) ? n.toLocaleString('en-US') : '–';
  }
  function arr(a) { return Array.isArray(a) ? a : []; }
  function share100(x) { return (typeof x === 'number' && isFinite(x)) ? +(x * 100).toFixed(3) : 0; }
  function colorFor(map, key, i) { return map[key] || SPARE[i % SPARE.length]; }
  function dot(color) {
    // color comes from our own palettes, never from the data.
    return '<span style="display:inline-block;width:9px;height:9px;border-radius:2px;margin-right:5px;background:'
      + color + '"></span>';
  }

  var holder = document.getElementById('keyhole-findings');
  var data;
  try {
    data = JSON.parse(holder.textContent);
  } catch (e) {
    note('The embedded findings could not be read; the tables hold the numbers.');
    return;
  }
  if (typeof echarts === 'undefined') {
    note('The chart library did not load; the tables hold the numbers.');
    return;
  }
  function note(text) {
    var n = document.getElementById('charts-note');
    if (n) n.textContent = text;
  }
  var v = document.getElementById('echarts-version');
  if (v) v.textContent = echarts.version || '';
  document.body.classList.add('charts-ok');

  var charts = [];
  function draw(el, option) {
    var c = echarts.init(el, null, { renderer: 'svg' });
    // A viewBox lets the print stylesheet scale the drawn chart to the page instead of clipping it.
    c.on('finished', function () {
      var svg = el.querySelector('svg');
      if (svg) svg.setAttribute('viewBox', '0 0 ' + svg.getAttribute('width') + ' ' + svg.getAttribute('height'));
    });
    option.animation = false;
    option.textStyle = { fontFamily: FONT };
    c.setOption(option);
    charts.push(c);
    return c;
  }
  function each(selector, fn) {
    var els = document.querySelectorAll(selector);
    for (var i = 0; i < els.length; i++) fn(els[i]);
  }

  // Distinct keys in display order: by total flows over all rows, then name.
  function keysByFlows(rows, keyField) {
    var totals = {};
    rows.forEach(function (r) {
      var k = r[keyField];
      totals[k] = (totals[k] || 0) + (r.flows || 0);
    });
    return Object.keys(totals).sort(function (a, b) { return totals[b] - totals[a] || (a < b ? -1 : a > b ? 1 : 0); });
  }
  // Every month from the first to the last present, so a gap in the data shows as a gap on the axis.
  function monthAxis(names) {
    var ms = names.filter(function (n) { return /^\d{4}-\d{2}$/.test(n); }).sort();
    if (ms.length !== names.length || ms.length === 0) return names.slice().sort();
    var out = [], y = +ms[0].slice(0, 4), m = +ms[0].slice(5), last = ms[ms.length - 1];
    for (var guard = 0; guard < 1200; guard++) {
      var name = y + '-' + (m < 10 ? '0' : '') + m;
      out.push(name);
      if (name >= last) break;
      if (++m > 12) { m = 1; y++; }
    }
    return out;
  }
  function sortedMonths(rows) {
    var seen = {};
    rows.forEach(function (r) { seen[r.period] = true; });
    return monthAxis(Object.keys(seen));
  }

  // ------------------------------------------------------------------ pattern of life
  var pol = data.patternOfLife || {};
  var patterns = arr(pol.periods);

  each('[data-chart="heatmap"]', function (el) {
    var p = patterns[+el.getAttribute('data-index')];
    if (!p) return;
    var m = arr(p.matrix), cells = [], max = 0;
    for (var d = 0; d < 7; d++) {
      var row = arr(m[d]);
      for (var h = 0; h < 24; h++) {
        var val = typeof row[h] === 'number' ? row[h] : 0;
        if (val > max) max = val;
        cells.push([h, d, val]);
      }
    }
    var flows = p.flows;
    draw(el, {
      grid: { left: 86, right: 16, top: 8, bottom: 62 },
      xAxis: { type: 'category', data: HOURS, name: 'local hour', nameLocation: 'middle', nameGap: 24,
        splitArea: { show: false }, axisTick: { show: false }, axisLabel: { fontSize: 10 } },
      yAxis: { type: 'category', data: DAYS, inverse: true, axisTick: { show: false }, axisLabel: { fontSize: 11 } },
      visualMap: { min: 0, max: Math.max(1, max), calculable: false, orient: 'horizontal', right: 16, bottom: 0,
        itemWidth: 10, itemHeight: 120, text: [num(max), '0'], textStyle: { fontSize: 10 },
        inRange: { color: ['#f4f7fb', '#c6dbef', '#6baed6', '#2171b5', '#08306b'] } },
      tooltip: { formatter: function (q) {
        var c = q.value, hr = HOURS[c[0]];
        return esc(DAYS[c[1]]) + ' ' + esc(hr) + ':00–' + esc(hr) + ':59<br><b>' + esc(num(c[2]))
          + '</b> conversations' + (flows ? ' (' + esc(pct(c[2] / flows)) + ' of period)' : '');
      } },
      series: [{ type: 'heatmap', data: cells, itemStyle: { borderColor: '#fff', borderWidth: 1 },
        emphasis: { itemStyle: { borderColor: '#333', borderWidth: 1 } } }]
    });
  });

  each('[data-chart="weekend"]', function (el) {
    var names = patterns.map(function (p) { return p.period; });
    // One bar per period: the chart grows with the number of periods instead of squeezing them.
    el.style.height = (76 + 34 * Math.max(1, names.length)) + 'px';
    function inside(q) { return q.value >= 6 ? q.value.toFixed(1) + '%' : ''; }
    draw(el, {
      grid: { left: 150, right: 24, top: 30, bottom: 26 },
      legend: { top: 0 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: function (ps) {
        var p = patterns[ps[0].dataIndex];
        return '<b>' + esc(p.period) + '</b><br>' + dot('#4e79a7') + 'Working days: ' + esc(pct(p.weekdayShare))
          + '<br>' + dot('#f28e2b') + 'Weekend: ' + esc(pct(p.weekendShare))
          + '<br>Weekend/weekday day ratio: ' + esc(typeof p.weekendDayRatio === 'number'
            ? p.weekendDayRatio.toFixed(2) : '–')
          + '<br>' + esc(num(p.flows)) + ' conversations on ' + esc(num(p.activeDays)) + ' active days';
      } },
      yAxis: { type: 'category', inverse: true, data: names, axisTick: { show: false },
        axisLabel: { width: 140, overflow: 'truncate' } },
      xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      series: [
        { name: 'Working days', type: 'bar', stack: 'w', color: '#4e79a7', barMaxWidth: 22,
          label: { show: true, position: 'inside', formatter: inside, color: '#fff', fontSize: 11 },
          data: patterns.map(function (p) { return share100(p.weekdayShare); }) },
        { name: 'Weekend', type: 'bar', stack: 'w', color: '#f28e2b', barMaxWidth: 22,
          label: { show: true, position: 'inside', formatter: inside, color: '#fff', fontSize: 11 },
          data: patterns.map(function (p) { return share100(p.weekendShare); }) }
      ]
    });
  });

  // ------------------------------------------------------------------ activity mix
  var am = data.activityMix || {};
  var monthly = am.monthly || {};

  function stackedByMonth(el, rows, keyField, palette) {
    var months = sortedMonths(rows), keys = keysByFlows(rows, keyField), idx = {};
    rows.forEach(function (r) { idx[r.period + '\u0000' + r[keyField]] = r; });
    var series = keys.map(function (k, i) {
      return { name: k, type: 'bar', stack: 'all', barMaxWidth: 48, color: colorFor(palette, k, i),
        emphasis: { focus: 'series' },
        data: months.map(function (mo) { var r = idx[mo + '\u0000' + k]; return r ? share100(r.share) : null; }) };
    });
    draw(el, {
      grid: { left: 56, right: 24, top: 16, bottom: months.length > 14 ? 78 : 58 },
      legend: { type: 'scroll', bottom: 0 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: function (ps) {
        var mo = months[ps[0].dataIndex], out = '<b>' + esc(mo) + '</b>', any = false;
        ps.slice().reverse().forEach(function (q) {
          var r = idx[mo + '\u0000' + q.seriesName];
          if (r) out += '<br>' + dot(q.color) + esc(q.seriesName) + ': ' + esc(pct(r.share)) + ' (' + esc(num(r.flows)) + ')';
          any = any || !!r;
        });
        return any ? out : out + '<br>no data';
      } },
      xAxis: { type: 'category', data: months, axisLabel: { interval: 0, rotate: months.length > 14 ? 45 : 0 } },
      yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      series: series
    });
  }
  each('[data-chart="category-monthly"]', function (el) {
    stackedByMonth(el, arr(monthly.byCategory), 'category', CATEGORY_COLORS);
  });
  each('[data-chart="origin-monthly"]', function (el) {
    stackedByMonth(el, arr(monthly.byOrigin), 'origin', ORIGIN_COLORS);
  });

  var services = arr(am.byService);
  var categoryOrder = keysByFlows(arr(am.byCategory), 'category');
  function categoryColor(c) {
    var i = categoryOrder.indexOf(c);
    return colorFor(CATEGORY_COLORS, c, i < 0 ? categoryOrder.length : i);
  }
  function label(s) { return s.name ? s.name : (s.service || '–'); }

  each('[data-chart="services"]', function (el) {
    var period = el.getAttribute('data-period');
    var top = services.filter(function (s) { return s.period === period && s.service !== '(other)'; });
    top.sort(function (a, b) {
      return b.flows - a.flows || (String(a.service) < String(b.service) ? -1 : String(a.service) > String(b.service) ? 1 : 0);
    });
    top = top.slice(0, TOP_SERVICES);
    draw(el, {
      grid: { left: 170, right: 56, top: 8, bottom: 28 },
      tooltip: { trigger: 'item', formatter: function (q) {
        var s = top[q.dataIndex];
        return '<b>' + esc(label(s)) + '</b>' + (s.name && s.service && s.name !== s.service ? ' (' + esc(s.service) + ')' : '')
          + '<br>' + esc(s.company || '–') + ' · ' + esc(s.category || '–') + ' · ' + esc(s.origin || '–')
          + '<br>' + esc(pct(s.share)) + ' of conversations (' + esc(num(s.flows)) + ')';
      } },
      xAxis: { type: 'value', axisLabel: { formatter: '{value}%' } },
      yAxis: { type: 'category', inverse: true, data: top.map(label),
        axisLabel: { width: 156, overflow: 'truncate', fontSize: 11 }, axisTick: { show: false } },
      series: [{ type: 'bar', barMaxWidth: 22,
        label: { show: true, position: 'right', fontSize: 10, formatter: function (q) { return q.value.toFixed(1) + '%'; } },
        data: top.map(function (s) { return { value: share100(s.share), itemStyle: { color: categoryColor(s.category) } }; }) }]
    });
  });

  each('.swatch[data-category]', function (el) {
    el.style.background = categoryColor(el.getAttribute('data-category'));
  });

  // ------------------------------------------------------------------ opsec
  var opsecRows = arr((data.opsec || {}).monthly), opsecByMonth = {};
  opsecRows.forEach(function (r) { opsecByMonth[r.month] = r; });
  var monthNames = monthAxis(opsecRows.map(function (r) { return r.month; }));
  var opsecMonths = monthNames.map(function (m) { return opsecByMonth[m] || null; });
  var monthLabels = { interval: 0, rotate: monthNames.length > 6 ? 45 : 0, fontSize: 11 };

  each('[data-chart="opsec-share"]', function (el) {
    draw(el, {
      grid: { left: 56, right: 24, top: 24, bottom: monthNames.length > 6 ? 58 : 40 },
      tooltip: { trigger: 'axis', formatter: function (ps) {
        var r = opsecMonths[ps[0].dataIndex];
        if (!r) return esc(monthNames[ps[0].dataIndex]) + '<br>no data';
        return '<b>' + esc(r.month) + '</b><br>Obfuscated: ' + esc(pct(r.obfuscatedShare)) + '<br>'
          + esc(num(r.obfuscatedFlows)) + ' of ' + esc(num(r.flows)) + ' conversations';
      } },
      xAxis: { type: 'category', data: monthNames, boundaryGap: false, axisLabel: monthLabels },
      yAxis: { type: 'value', min: 0, axisLabel: { formatter: '{value}%' } },
      series: [{ type: 'line', color: '#a61b1b', symbolSize: 7, connectNulls: false, areaStyle: { opacity: 0.08 },
        data: opsecMonths.map(function (r) { return r ? share100(r.obfuscatedShare) : null; }) }]
    });
  });

  each('[data-chart="opsec-composition"]', function (el) {
    draw(el, {
      grid: { left: 56, right: 24, top: 36, bottom: monthNames.length > 6 ? 58 : 40 },
      legend: { top: 0 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, formatter: function (ps) {
        var r = opsecMonths[ps[0].dataIndex];
        if (!r) return esc(monthNames[ps[0].dataIndex]) + '<br>no data';
        var c = r.composition || {}, n = r.counts || {};
        var out = '<b>' + esc(r.month) + '</b> · ' + esc(num(r.obfuscatedFlows)) + ' obfuscated';
        OBFUSCATION.slice().reverse().forEach(function (o) {
          out += '<br>' + dot(o.color) + esc(o.label) + ': ' + esc(pct(c[o.key])) + ' (' + esc(num(n[o.key])) + ')';
        });
        return out;
      } },
      xAxis: { type: 'category', data: monthNames, axisLabel: monthLabels },
      yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      series: OBFUSCATION.map(function (o) {
        return { name: o.label, type: 'bar', stack: 'c', color: o.color, barMaxWidth: 40,
          data: opsecMonths.map(function (r) { return r ? share100((r.composition || {})[o.key]) : null; }) };
      })
    });
  });

  // ------------------------------------------------------------------ sizing
  // Redrawn on screen resizes only; print scales the drawn SVG (see the print stylesheet), since
  // redrawing at page width would crowd axis labels and browsers differ in firing beforeprint.
  var timer = null;
  window.addEventListener('resize', function () {
    clearTimeout(timer);
    timer = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 100);
  });
})();
