// The managers' dashboard charts (Chart.js, vendored). The data comes from json_script blocks
// rendered by the server; every chart has the same figures in a table next to it.
(function () {
  "use strict";

  var COLOURS = {
    booked: "#095797",
    held: "#4f813d",
    cancelled: "#cb381f",
    no_show: "#8e6c00",
    requests: "#6b4fa1",
  };

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function draw(canvas, source, type) {
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    new window.Chart(canvas, {
      type: type,
      data: {
        labels: source.labels,
        datasets: source.datasets.map(function (set) {
          return {
            label: set.label,
            data: set.data,
            borderColor: COLOURS[set.key],
            backgroundColor: COLOURS[set.key],
            tension: 0.2,
          };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var weeks = document.querySelector('[data-chart="weeks"]');
    var topics = document.querySelector('[data-chart="topics"]');
    if (weeks) {
      draw(weeks, data("chart-weeks"), "line");
    }
    if (topics) {
      draw(topics, data("chart-topics"), "bar");
    }
  });
})();
