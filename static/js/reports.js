// Report charts (templates/reports/report.html): each <canvas data-chart="id"> draws the JSON of
// <script id="id" type="application/json"> (reports/charts.py) with the vendored Chart.js. The
// table under each chart holds the same figures for screen readers and printouts. Series differ
// by more than colour: lightness far apart (readable in grey), dashes and point shapes on lines.
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  var COLOURS = ["#1f4e79", "#f28e2b", "#59a14f", "#9c755f"];
  var FILLS = ["#1f4e79", "#ffd0a1", "#b6e0ad", "#d8c3b6"];
  var DASHES = [[], [8, 4], [2, 3], [12, 3, 2, 3]];
  var POINTS = ["circle", "triangle", "rect", "rectRot"];
  var locale = document.documentElement.lang || "fr";

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    var spec = JSON.parse(source.textContent);
    var line = spec.type === "line";
    var datasets = spec.series.map(function (series, i) {
      var n = i % COLOURS.length;
      return {
        label: series.label,
        data: series.data,
        borderColor: COLOURS[n],
        backgroundColor: line ? COLOURS[n] : FILLS[n],
        borderWidth: line ? 2 : 1.5,
        borderDash: line ? DASHES[n] : [],
        pointStyle: POINTS[n],
        pointRadius: line ? 4 : 0,
        tension: 0.2
      };
    });
    if (spec.horizontal) {
      // A bar per group and series, whatever the number of groups.
      var rows = spec.labels.length * Math.max(1, datasets.length);
      canvas.parentElement.style.height = Math.min(900, Math.max(140, 60 + rows * 22)) + "px";
    }
    var valueAxis = { beginAtZero: true, ticks: { precision: 0 } };
    if (spec.max) valueAxis.max = spec.max;
    new Chart(canvas, {
      type: line ? "line" : "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        locale: locale,
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: spec.horizontal ? "y" : "x",
        scales: spec.horizontal ? { x: valueAxis } : { y: valueAxis },
        plugins: {
          legend: { display: datasets.length > 1, labels: { usePointStyle: true } },
          tooltip: { mode: "index", intersect: false }
        }
      }
    });
  });
})();
