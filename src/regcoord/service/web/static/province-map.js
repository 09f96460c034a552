/* regcoord web UI: the dashboard's province map (kept out of the HTML: the CSP forbids inline script).
 * Every element with a data-map attribute is drawn with Plotly as a choropleth on the
 * province boundaries of its data-map "url" (GeoJSON from the service, same origin):
 * - the values are the ones the page passes ({locations, z, names_zh, names_en}), drawn as
 *   they are, with both names in the hover;
 * - units without a value are drawn in grey, the "highlight" unit with a red outline;
 * - no tiles and no external source: the geo base map is hidden ("visible": false) and
 *   Plotly's world topology, which it would fetch from its CDN for any "locationmode",
 *   is registered as an empty topology so that nothing is fetched.
 * The element gets data-map-state="drawn" (or "error", with the reason in the console). */
(function () {
  "use strict";
  if (window.regcoordProvinceMap) { window.regcoordProvinceMap.draw(document); return; }

  var EMPTY_TOPOLOGY = { type: "Topology", objects: {}, arcs: [] };
  var TOPOJSON_NAME = "world_110m"; // Plotly's name for the default scope and resolution

  function hover(zh, en, value) {
    return zh + " / " + en + "<br>" + value + "<extra></extra>";
  }

  function plot(el, spec, geojson) {
    var assets = window.PlotlyGeoAssets || (window.PlotlyGeoAssets = { topojson: {} });
    assets.topojson = assets.topojson || {};
    if (assets.topojson[TOPOJSON_NAME] === undefined) { assets.topojson[TOPOJSON_NAME] = EMPTY_TOPOLOGY; }
    var valued = {};
    spec.locations.forEach(function (code) { valued[code] = true; });
    var rest = geojson.features.filter(function (f) { return !valued[f.properties.code]; });
    var common = { type: "choropleth", geojson: geojson, featureidkey: "properties.code" };
    var data = [
      Object.assign({}, common, {
        name: spec.no_data,
        locations: rest.map(function (f) { return f.properties.code; }),
        z: rest.map(function () { return 0; }),
        customdata: rest.map(function (f) { return [f.properties.name_zh, f.properties.name_en]; }),
        colorscale: [[0, "#e4e7ec"], [1, "#e4e7ec"]],
        showscale: false,
        marker: { line: { color: "#ffffff", width: 0.6 } },
        hovertemplate: hover("%{customdata[0]}", "%{customdata[1]}", spec.no_data)
      }),
      Object.assign({}, common, {
        name: spec.title,
        locations: spec.locations,
        z: spec.z,
        customdata: spec.locations.map(function (_, i) { return [spec.names_zh[i], spec.names_en[i]]; }),
        // sequential, light (low) to dark (high); linear in yuan per person
        colorscale: [[0, "#deebf7"], [0.5, "#6baed6"], [1, "#08306b"]],
        colorbar: { title: { text: spec.unit }, thickness: 14 },
        marker: { line: { color: "#ffffff", width: 0.6 } },
        hovertemplate: hover("%{customdata[0]}", "%{customdata[1]}", "%{z:,.0f}")
      })
    ];
    if (spec.highlight) {
      data.push(Object.assign({}, common, {
        name: spec.highlight,
        locations: [spec.highlight],
        z: [1],
        colorscale: [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
        showscale: false,
        marker: { line: { color: "#c0392b", width: 3 } },
        hoverinfo: "skip"
      }));
    }
    var layout = {
      title: { text: spec.title },
      height: 520,
      margin: { l: 10, r: 10, t: 50, b: 10 },
      showlegend: false,
      geo: { visible: false, fitbounds: "locations", projection: { type: "mercator" } }
    };
    return window.Plotly.newPlot(el, data, layout,
      { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["sendDataToCloud"] });
  }

  function drawOne(el) {
    if (el.dataset.mapState) { return; }
    el.dataset.mapState = "loading";
    var spec = JSON.parse(el.getAttribute("data-map"));
    fetch(spec.url, { credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) { throw new Error("GET " + spec.url + ": " + r.status); }
        return r.json();
      })
      .then(function (geojson) { return plot(el, spec, geojson); })
      .then(function () { el.dataset.mapState = "drawn"; })
      .catch(function (err) {
        el.dataset.mapState = "error";
        if (window.console) { window.console.error("province map:", err); }
      });
  }

  function draw(root) {
    var nodes = (root || document).querySelectorAll("[data-map]");
    if (!nodes.length) { return; }
    if (!window.Plotly) {
      // plotly.min.js comes with the page (deferred): draw once it has loaded
      var script = document.querySelector('script[src$="plotly.min.js"]');
      if (script && !script.dataset.mapWaiting) {
        script.dataset.mapWaiting = "1";
        script.addEventListener("load", function () { draw(document); });
      }
      return;
    }
    nodes.forEach(drawOne);
  }

  window.regcoordProvinceMap = { draw: draw };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { draw(document); });
  } else {
    draw(document);
  }
  document.addEventListener("htmx:afterSettle", function () { draw(document); });
  document.addEventListener("htmx:historyRestore", function () { draw(document); });
})();
