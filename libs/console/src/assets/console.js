// Console behaviour: charts from the JSON blocks of a page (ECharts, SVG renderer so labels are
// real text), and the complainant reveal, which posts with the session's CSRF token.
(function () {
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function timeline(el, d) {
    var chart = echarts.init(el, null, { renderer: 'svg' });
    chart.setOption({
      animation: false,
      tooltip: { trigger: 'axis' },
      legend: { type: 'scroll', top: 0 },
      grid: { left: 48, right: 24, top: 64, bottom: 40 },
      xAxis: { type: 'category', data: d.buckets },
      yAxis: { type: 'value', minInterval: 1, name: d.yName },
      series: d.series.map(function (s) {
        return { name: s.label, type: 'bar', stack: 'all', data: s.data };
      }),
    });
  }

  // Home in the centre, partners on a ring; every label points outwards, so with ten partners
  // no two labels share a place.
  function graph(el, d) {
    var n = d.partners.length;
    var nodes = [
      {
        name: d.home.id,
        x: 0,
        y: 0,
        symbolSize: 46,
        label: { show: true, position: 'bottom', formatter: d.home.name },
        itemStyle: { color: '#b3261e' },
      },
    ];
    // ECharts fits the nodes' extent into the box: two silent corner points keep the ring round
    // (and keep one partner from collapsing the extent to a line).
    [-1, 1].forEach(function (k) {
      nodes.push({
        name: 'frame' + k,
        x: 120 * k,
        y: 120 * k,
        symbolSize: 0,
        silent: true,
        label: { show: false },
        tooltip: { show: false },
      });
    });
    var max = 1;
    d.partners.forEach(function (p) {
      max = Math.max(max, p.sent + p.received);
    });
    d.partners.forEach(function (p, i) {
      var a = -Math.PI / 2 + Math.PI / Math.max(n, 1) + (2 * Math.PI * i) / Math.max(n, 1);
      var cos = Math.cos(a),
        sin = Math.sin(a);
      var position = cos > 0.25 ? 'right' : cos < -0.25 ? 'left' : sin < 0 ? 'top' : 'bottom';
      nodes.push({
        name: p.id,
        x: 100 * cos,
        y: 100 * sin,
        symbolSize: 22,
        label: { show: true, position: position, distance: 8, formatter: p.name + '\n' + p.counts },
        itemStyle: { color: '#3e6ea8' },
      });
    });
    var chart = echarts.init(el, null, { renderer: 'svg' });
    chart.setOption({
      animation: false,
      tooltip: {},
      series: [
        {
          type: 'graph',
          layout: 'none',
          left: 190,
          right: 190,
          top: 60,
          bottom: 60,
          roam: false,
          label: { fontSize: 12, lineHeight: 20, color: '#1f2933' },
          data: nodes,
          links: d.partners.map(function (p) {
            return {
              source: d.home.id,
              target: p.id,
              value: p.sent + p.received,
              lineStyle: { width: 1 + (6 * (p.sent + p.received)) / max, color: p.rejected ? '#b3261e' : '#8899aa' },
            };
          }),
        },
      ],
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('[data-chart]').forEach(function (el) {
      var d = data(el.getAttribute('data-source'));
      if (!d || typeof echarts === 'undefined') return;
      if (el.getAttribute('data-chart') === 'timeline') timeline(el, d);
      else graph(el, d);
      el.setAttribute('data-rendered', 'true');
    });
    document.querySelectorAll('button[data-reveal]').forEach(function (b) {
      b.addEventListener('click', function () {
        var token = document.querySelector('meta[name=csrf-token]').getAttribute('content');
        var out = document.getElementById(b.getAttribute('data-target'));
        fetch(b.getAttribute('data-reveal'), {
          method: 'POST',
          headers: { 'x-csrf-token': token },
          credentials: 'same-origin',
        })
          .then(function (r) {
            return r.json().then(function (j) {
              return { ok: r.ok, j: j };
            });
          })
          .then(function (r) {
            if (!r.ok) {
              out.innerHTML = '';
              var p = document.createElement('p');
              p.className = 'error';
              p.id = 'reveal-error';
              p.textContent = r.j.message;
              out.appendChild(p);
              return;
            }
            out.innerHTML = '';
            Object.keys(r.j.labels).forEach(function (k) {
              var dt = document.createElement('dt');
              dt.textContent = r.j.labels[k];
              var dd = document.createElement('dd');
              dd.textContent = r.j.complainant[k] == null ? '' : String(r.j.complainant[k]);
              dd.setAttribute('data-field', k);
              out.appendChild(dt);
              out.appendChild(dd);
            });
            b.disabled = true;
          });
      });
    });
  });
})();
