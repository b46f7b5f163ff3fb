// Draws every <figure data-chart> from the JSON spec inside it (see matchmaker/charts.py) with
// ECharts: values on bars, targets as labelled reference lines, bars coloured by which target
// they meet, tooltips, and a "save as image" button. No inline scripts (the CSP forbids them).
(function () {
  var COLORS = { met: "#1e7b34", partly: "#c98a00", below: "#b3261e", none: "#5f6b7a" };

  function format(value, unit) {
    if (value === null || value === undefined) { return ""; }
    if (unit === "%") { return value.toFixed(1) + "%"; }
    return value.toLocaleString(undefined, { maximumFractionDigits: 0 });
  }

  function option(spec) {
    var series = spec.series.map(function (s) {
      var data = s.values.map(function (v, i) {
        var status = s.status ? s.status[i] : null;
        return { value: v, itemStyle: { color: COLORS[status || "none"] } };
      });
      return {
        name: s.name, type: spec.kind, data: data, barMaxWidth: 48,
        symbolSize: 8, lineStyle: { color: COLORS.none, width: 2 },
        label: { show: true, position: "top", color: "#1d2733",
                 formatter: function (p) { return format(p.value, spec.unit); } },
        markLine: spec.targets.length ? {
          symbol: "none", silent: true,
          data: spec.targets.map(function (t, i) {
            return { yAxis: t.value, name: t.name,
                     lineStyle: { type: "dashed", width: 2, color: i ? COLORS.met : COLORS.partly },
                     label: { formatter: t.name, position: "end", color: "#1d2733" } };
          })
        } : undefined
      };
    });
    return {
      title: { text: spec.title, left: 0, textStyle: { fontSize: 15, fontWeight: 600 } },
      grid: { left: 8, right: spec.targets.length ? 64 : 16, top: 56, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return format(v, spec.unit); } },
      toolbox: { right: 0, feature: { saveAsImage: { title: spec.labels.save, pixelRatio: 2 } } },
      xAxis: { type: "category", data: spec.categories,
               axisLabel: { interval: 0, hideOverlap: true, width: 90, overflow: "break" } },
      yAxis: { type: "value", max: spec.max || null,
               axisLabel: { formatter: function (v) { return format(v, spec.unit); } } },
      series: series,
      aria: { enabled: true }
    };
  }

  function draw(figure) {
    var source = figure.querySelector("script[type='application/json']");
    var target = figure.querySelector(".chart-canvas");
    if (!source || !target || !window.echarts) { return; }
    var chart = window.echarts.init(target, null, { renderer: "canvas" });
    chart.setOption(option(JSON.parse(source.textContent)));
    window.addEventListener("resize", function () { chart.resize(); });
    figure.classList.add("drawn");
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("figure[data-chart]").forEach(draw);
  });
})();
