/* Draw each report's chart with ECharts from the JSON its element carries in data-chart
   (an attribute, not a script tag: htmx drops script tags from the cards it loads). */
(function () {
  "use strict";

  function option(spec) {
    var labels = spec.labels || [];
    if (spec.kind === "funnel") {
      var s = spec.series[0] || { values: [] };
      return {
        animation: false,
      aria: { enabled: true },
        tooltip: { trigger: "item" },
        series: [{
          name: s.name,
          type: "funnel",
          sort: "none",
          left: "10%",
          width: "80%",
          label: { show: true, position: "inside" },
          data: labels.map(function (name, i) { return { name: name, value: Number(s.values[i]) }; })
        }]
      };
    }
    return {
      animation: false,
      aria: { enabled: true },
      tooltip: { trigger: "axis" },
      legend: { show: spec.series.length > 1, top: 0 },
      grid: { left: 8, right: 8, top: spec.series.length > 1 ? 28 : 8, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: labels, axisLabel: { interval: 0, hideOverlap: true } },
      yAxis: { type: "value" },
      series: spec.series.map(function (s) {
        return { name: s.name, type: "bar", stack: s.stack, data: s.values.map(Number) };
      })
    };
  }

  function draw(root) {
    if (!window.echarts) return;
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.getAttribute("data-rendered")) return;
      var spec = JSON.parse(el.getAttribute("data-chart") || "{}");
      if (!spec.labels || !spec.labels.length) return;
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option(spec));
      el.setAttribute("data-rendered", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  // Each report card arrives on its own and replaces its placeholder (outerHTML): draw
  // the charts of new content wherever it lands.
  document.addEventListener("htmx:load", function (e) { draw(e.detail.elt || e.target); });
})();
