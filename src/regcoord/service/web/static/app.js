/* regcoord web UI: page behaviour kept out of the HTML (the CSP forbids inline script).
 * - draws every element with a data-plot attribute ({data, layout}) with Plotly, which is
 *   served from the installed plotly package and loaded only by the pages with charts;
 * - marks the document settled after each htmx swap so that tests and scripts can wait. */
(function () {
  "use strict";

  function drawCharts(root) {
    var nodes = (root || document).querySelectorAll("[data-plot]");
    if (!nodes.length) { return; }
    if (!window.Plotly) {
      // the page brought plotly.min.js with it (also when htmx swapped it in): draw once loaded
      var script = document.querySelector('script[src$="plotly.min.js"]');
      if (script && !script.dataset.waiting) {
        script.dataset.waiting = "1";
        script.addEventListener("load", function () { settled(); });
      }
      return;
    }
    nodes.forEach(function (el) {
      if (el.dataset.drawn === "1") { return; }
      var spec = JSON.parse(el.getAttribute("data-plot"));
      window.Plotly.newPlot(el, spec.data, spec.layout,
        { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["sendDataToCloud"] });
      el.dataset.drawn = "1";
    });
  }

  var settles = 0;

  function settled() {
    drawCharts(document);
    settles += 1;
    document.body.setAttribute("data-settled", String(Date.now()) + "-" + String(settles));
  }

  document.addEventListener("DOMContentLoaded", settled);
  document.addEventListener("htmx:afterSettle", settled);
  document.addEventListener("htmx:historyRestore", settled);
})();
