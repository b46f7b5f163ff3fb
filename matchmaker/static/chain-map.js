// Interactive chain map: anchors → parts → local suppliers → parks, drawn with Cytoscape.js
// (installed by `make`, served from /static/vendor). Without it the tables carry the data.
(function () {
  var box = document.getElementById("chain-map");
  if (!box || typeof cytoscape === "undefined") return;
  var colors = {anchor: "#b3261e", category: "#c9a227", supplier: "#1e7b34", park: "#5f6b7a"};
  function load() {
    var url = new URL(box.dataset.src, window.location.href);
    ["category", "park"].forEach(function (name) {
      var v = document.getElementById("map-" + name).value;
      if (v) url.searchParams.set(name, v); else url.searchParams.delete(name);
    });
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); })
      .then(function (data) {
        box.innerHTML = "";
        var cy = cytoscape({
          container: box,
          elements: data.nodes.map(function (n) { return {data: n}; }).concat(
            data.edges.map(function (e) { return {data: e}; })),
          style: [
            {selector: "node", style: {"label": "data(label)", "font-size": 10,
              "background-color": function (n) { return colors[n.data("kind")]; },
              "shape": function (n) { return n.data("kind") === "category" ? "round-rectangle" : "ellipse"; }}},
            {selector: "edge", style: {"width": 1, "line-color": "#d9dee5", "curve-style": "bezier"}}
          ],
          layout: {name: "cose", animate: false}
        });
        box.dataset.nodes = String(data.nodes.length);
        cy.on("tap", "node", function (evt) {
          cy.elements().removeClass("faded");
          cy.elements().not(evt.target.closedNeighborhood()).style("opacity", 0.15);
          evt.target.closedNeighborhood().style("opacity", 1);
        });
      });
  }
  document.getElementById("map-category").addEventListener("change", load);
  document.getElementById("map-park").addEventListener("change", load);
  load();
})();
