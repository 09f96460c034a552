/* regcoord web UI: page behaviour kept out of the HTML (the CSP forbids inline script).
 * - draws every element with a data-plot attribute ({data, layout}) with Plotly, which is
 *   served from the installed plotly package;
 * - marks the document settled after each htmx swap so that tests and scripts can wait. */
(function () {
  "use strict";

  function drawCharts(root) {
    if (!window.Plotly) { return; }
    var nodes = (root || document).querySelectorAll("[data-plot]");
    nodes.forEach(function (el) {
      if (el.dataset.drawn === "1") { return; }
      var spec = JSON.parse(el.getAttribute("data-plot"));
      window.Plotly.newPlot(el, spec.data, spec.layout,
        { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["sendDataToCloud"] });
      el.dataset.drawn = "1";
    });
  }

  function settled() {
    drawCharts(document);
    document.body.setAttribute("data-settled", String(Date.now()));
  }

  document.addEventListener("DOMContentLoaded", settled);
  document.addEventListener("htmx:afterSettle", settled);
  document.addEventListener("htmx:historyRestore", settled);
})();
