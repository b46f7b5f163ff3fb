// The chain map (/chain/): anchors → the parts they need or buy → the suppliers of a part, in
// layers from left to right, drawn by Cytoscape.js with the dagre layout (cytoscape-dagre, which
// bundles dagre); both come from npm through `make` and are served from /static/vendor.
// The data are the page's JSON blocks (the CSP forbids inline scripts); an opened part's
// suppliers come from /chain/part.json. Labels are wrapped here to the column widths the card
// allows, so the map is drawn at zoom 1 (12 px text) across the card's width and grows in height;
// it neither pans nor zooms, and touches go to the page, so a phone scrolls over it. Without
// scripts the tables under the map carry the same figures.
(function () {
  "use strict";
  var box = document.getElementById("chain-map");
  var source = document.getElementById("chain-map-data");
  var words = document.getElementById("chain-map-text");
  if (!box || !source || !words || typeof cytoscape === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var text = JSON.parse(words.textContent);
  var detail = document.getElementById("chain-detail");
  var picker = document.getElementById("chain-part");

  var FONT = 12, LINE = 1.25, PAD = 6, MARGIN = 8, SHOWN = 12;
  var LAYER = { anchor: 0, part: 1, local: 2, outside: 2, more: 2 };
  var INK = "#1d2733", MUTED = "#5f6b7a", RED = "#b3261e", GREEN = "#1e7b34";
  var FAMILY = window.getComputedStyle(document.body).fontFamily;

  var byId = {};     // node facts by id: anchors and parts from the page, suppliers once fetched
  var fetched = {};  // part id → its /chain/part.json answer
  var opened = {};   // part ids whose suppliers are on the map
  var picked = null; // the node whose details the panel shows
  data.nodes.forEach(function (n) { byId[n.id] = n; });

  // --- words and numbers -------------------------------------------------------------------
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return String(values[key]); });
  }
  function yuan(fen) {  // as the tables show money (rewards.yuan): ¥1,234,567.89
    var whole = Math.floor(Math.abs(fen) / 100), cents = Math.abs(fen) % 100;
    return (fen < 0 ? "-" : "") + "¥" + whole.toLocaleString("en-US") +
      (cents ? "." + (cents < 10 ? "0" : "") + cents : "");
  }
  function url(template, value) { return template.replace("__id__", encodeURIComponent(value)); }

  // --- labels: wrapped here, so that every node's size is known before the layout ----------
  var measure = document.createElement("canvas").getContext("2d");
  measure.font = FONT + "px " + FAMILY;
  function width(s) { return measure.measureText(s).width; }
  // Lines break at spaces ("本地 3 家 / 外地 5 家" keeps its words whole); a word wider than a
  // line (a company's name: Chinese has no spaces) breaks between any two characters.
  function wrap(line, max) {
    var out = [], current = "";
    function put(word) {
      var joined = current ? current + " " + word : word;
      if (width(joined) <= max) { current = joined; return; }
      if (current) { out.push(current); current = ""; }
      if (width(word) <= max) { current = word; return; }
      Array.from(word).forEach(function (ch) {
        if (current && width(current + ch) > max) { out.push(current); current = ""; }
        current += ch;
      });
    }
    line.split(/\s+/).filter(Boolean).forEach(put);
    if (current) { out.push(current); }
    return out;
  }
  function lines(n, max) {
    if (n.kind === "part") {
      var counts = fill(text.counts, { local: n.local_suppliers, outside: n.outside_suppliers });
      var one = n.name + "  " + counts;
      return width(one) <= max ? [one] : wrap(n.name, max).concat(wrap(counts, max));
    }
    return wrap(n.name, max);
  }

  // --- the map -----------------------------------------------------------------------------
  var style = [
    { selector: "node", style: {
      "shape": "round-rectangle", "width": "data(w)", "height": "data(h)",
      "label": "data(label)", "font-size": FONT, "font-family": FAMILY, "line-height": LINE,
      "text-wrap": "wrap", "text-max-width": 4000, "text-valign": "center",
      "text-halign": "center", "color": INK, "border-width": 1.5, "background-color": "#fff" } },
    { selector: "node.anchor", style: { "background-color": RED, "border-color": RED, "color": "#fff" } },
    { selector: "node.part", style: { "background-color": "#fdf3d6", "border-color": "#c9a227" } },
    { selector: "node.missing", style: {
      "background-color": "#fff", "border-color": RED, "border-style": "dashed",
      "border-width": 2.5, "color": RED } },
    { selector: "node.local", style: { "background-color": "#e1f2e5", "border-color": GREEN } },
    { selector: "node.outside", style: {
      "background-color": "#eef1f5", "border-color": MUTED, "border-style": "dashed" } },
    { selector: "node.more", style: { "border-color": MUTED, "color": MUTED } },
    { selector: "node.open", style: { "border-width": 3 } },
    { selector: "node.picked", style: { "border-width": 3, "border-color": INK } },
    { selector: "edge", style: {
      "width": 1, "line-color": "#9aa5b1", "opacity": 0.6, "curve-style": "bezier" } },
    { selector: "edge.to-missing", style: { "line-color": RED, "line-style": "dashed", "opacity": 0.8 } },
    { selector: "edge.local", style: { "line-color": GREEN } },
    { selector: "edge.outside", style: { "line-color": MUTED, "line-style": "dashed" } },
    { selector: "edge.lit", style: { "width": 2, "opacity": 1 } },
    { selector: ".faded", style: { "opacity": 0.12 } }
  ];

  if (!data.nodes.length) {
    box.textContent = text.empty;
    box.classList.add("empty");
    box.dataset.nodes = "0";
    return;
  }
  box.textContent = "";
  function blank(id, kind) { return { id: id, kind: kind, label: "", w: 1, h: 1 }; }  // sized by draw()
  var cy = cytoscape({
    container: box, style: style, autoungrabify: true, autounselectify: true,
    boxSelectionEnabled: false, userPanningEnabled: false, userZoomingEnabled: false,
    elements: data.nodes.map(function (n) {
      return { data: blank(n.id, n.kind), classes: n.kind + (n.missing ? " missing" : "") };
    }).concat(data.edges.map(function (e) {
      return { data: { id: e.source + ">" + e.target, source: e.source, target: e.target },
               classes: byId[e.target].missing ? "to-missing" : "" };
    }))
  });
  box.cy = cy;  // for the browser tests and the console

  function columns() {
    var full = box.clientWidth;
    var gap = full < 600 ? 20 : 48;
    var share = cy.nodes("[kind = 'local'], [kind = 'outside'], [kind = 'more']").length
      ? [0.3, 0.38, 0.32] : [0.42, 0.58, 0];
    var usable = full - 2 * MARGIN - gap * (share[2] ? 2 : 1);
    return { full: full, gap: gap, max: share.map(function (s) {
      return Math.max(60, Math.floor(usable * s) - 2 * PAD);
    }) };
  }

  function draw() {
    var cols = columns();
    cy.batch(function () {
      cy.nodes().forEach(function (node) {
        var rows = lines(byId[node.id()], cols.max[LAYER[node.data("kind")]]);
        var widest = Math.max.apply(null, rows.map(width));
        node.data({ label: rows.join("\n"), w: Math.ceil(widest) + 2 * PAD,
                    h: Math.ceil(rows.length * FONT * LINE) + 2 * PAD });
      });
    });
    cy.layout({ name: "dagre", rankDir: "LR", nodeSep: 6, edgeSep: 4, rankSep: cols.gap,
                fit: false, animate: false }).run();
    var bb = cy.nodes().boundingBox();
    var zoom = Math.min(1, (cols.full - 2 * MARGIN) / bb.w);
    box.style.height = Math.ceil(bb.h * zoom + 2 * MARGIN) + "px";
    cy.resize();
    cy.zoom(zoom);
    cy.pan({ x: (cols.full - bb.w * zoom) / 2 - bb.x1 * zoom, y: MARGIN - bb.y1 * zoom });
    box.dataset.nodes = String(cy.nodes().length);
    box.dataset.open = Object.keys(opened).join(" ");
    highlight();
  }

  function highlight() {
    cy.elements().removeClass("faded lit picked");
    if (!picked || picked.removed()) { return; }
    var near = picked.closedNeighborhood();
    cy.elements().not(near).addClass("faded");
    near.edges().addClass("lit");
    picked.addClass("picked");
  }

  // --- opening a part: its suppliers join the map -------------------------------------------
  function load(id) {
    if (fetched[id]) { return Promise.resolve(fetched[id]); }
    var address = new URL(box.dataset.partUrl, window.location.href);
    address.searchParams.set("part", id.slice(2));
    address.searchParams.set("year", data.year);
    if (data.cluster) { address.searchParams.set("cluster", data.cluster); }
    return fetch(address, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (answer) { fetched[id] = answer; return answer; });
  }

  function addSuppliers(id, answer) {
    var added = [];
    [["local", answer.local], ["outside", answer.outside]].forEach(function (pair) {
      pair[1].slice(0, SHOWN).forEach(function (s) {
        byId[s.id] = { id: s.id, kind: pair[0], name: s.name, facts: s };
        if (cy.getElementById(s.id).empty()) {
          added.push({ data: blank(s.id, pair[0]), classes: pair[0] });
        }
        added.push({ data: { id: id + ">" + s.id, source: id, target: s.id }, classes: pair[0] });
      });
    });
    var rest = Math.max(0, answer.local.length - SHOWN) + Math.max(0, answer.outside.length - SHOWN);
    if (rest) {
      byId["m:" + id] = { id: "m:" + id, kind: "more", part: id, name: fill(text.more, { n: rest }) };
      added.push({ data: blank("m:" + id, "more"), classes: "more" });
      added.push({ data: { id: id + ">m", source: id, target: "m:" + id } });
    }
    cy.add(added);
  }

  function removeSuppliers(id) {
    var part = cy.getElementById(id);
    var suppliers = part.outgoers("node");
    cy.remove(part.connectedEdges().filter(function (e) { return e.source().same(part); }));
    cy.remove(suppliers.filter(function (n) { return n.degree() === 0; }));
  }

  function toggle(node) {
    var id = node.id();
    if (opened[id]) {
      delete opened[id];
      node.removeClass("open");
      removeSuppliers(id);
      draw();
      return;
    }
    opened[id] = true;
    load(id).then(function (answer) {
      if (!opened[id]) { return; }
      addSuppliers(id, answer);
      node.addClass("open");
      draw();
      if (picked && picked.id() === id) { showPart(id); }
    }, function () {
      delete opened[id];
      if (picked && picked.id() === id) { showPart(id, true); }
    });
  }

  // --- the panel ---------------------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }
  function companyLink(name, code) {
    return el("a", { href: url(box.dataset.companyUrl, code), text: name });
  }
  function facts(pairs) {
    var dl = el("dl", { "class": "facts" });
    pairs.forEach(function (p) { dl.appendChild(el("dt", { text: p[0] })); dl.appendChild(el("dd", { text: p[1] })); });
    return dl;
  }
  function pickButton(id, name) {
    return el("button", { type: "button", "class": "link", "data-pick": id, text: name });
  }
  function show(children) {
    detail.textContent = "";
    children.forEach(function (c) { if (c) { detail.appendChild(c); } });
  }

  function showPart(id, failed) {
    var n = byId[id];
    var edges = data.edges.filter(function (e) { return e.target === id; });
    var rows = edges.map(function (e) {
      var a = byId[e.source];
      return el("tr", {}, [el("td", {}, [companyLink(a.name, a.code)]),
        el("td", { text: yuan(e.local_fen) }), el("td", { text: yuan(e.nonlocal_fen) }),
        el("td", { text: String(e.open_needs) })]);
    });
    var best = n.best_local_match, answer = fetched[id];
    var parts = [
      el("h2", { text: n.name }),
      n.group ? el("p", { "class": "muted", text: n.group }) : null,
      n.missing ? el("p", { "class": "tag miss", text: fill(text.missing, { why: text[n.missing_reason] }) }) : null,
      facts([[text.total, yuan(n.total_fen)], [text.local, yuan(n.local_fen)],
             [text.outside, yuan(n.nonlocal_fen)],
             [text.share, n.local_share_pct === null ? "—" : n.local_share_pct + "%"]]),
      el("h3", { text: text.anchors }),
      el("div", { "class": "table-wrap" }, [el("table", {}, [el("tr", {}, [
        el("th", { text: text.anchor }), el("th", { text: text.local }),
        el("th", { text: text.outside }), el("th", { text: text.needs })])].concat(rows))]),
      el("h3", { text: text.best })
    ];
    if (best) {
      parts.push(el("p", {}, [companyLink(best.supplier, best.company),
        el("span", { "class": best.tier === "high" ? "tag ok" : "tag miss", "data-fit": best.fit,
                     text: fill(text.fit, { fit: best.fit, tier: text["tier_" + best.tier] }) }),
        el("a", { href: url(box.dataset.needUrl, best.need), text: text.see_need })]));
    } else {
      parts.push(el("p", { "class": "muted", text: n.open_needs ? text.no_match : text.no_needs }));
    }
    if (failed) {
      parts.push(el("p", { "class": "error", text: text.failed }));
    } else if (!answer) {
      parts.push(el("p", { "class": "muted", text: text.loading }));
    } else {
      parts.push(el("h3", { text: fill(text.local_suppliers, { n: answer.local.length }) }));
      parts.push(answer.local.length ? el("ul", { "class": "chain-list" }, answer.local.map(function (s) {
        return el("li", {}, [companyLink(s.name, s.code),
          el("span", { "class": "muted", text: [s.region, s.park].filter(Boolean).join(" · ") })]);
      })) : el("p", { "class": "muted", text: text.none }));
      parts.push(el("h3", { text: fill(text.outside_suppliers, { n: answer.outside.length }) }));
      parts.push(answer.outside.length ? el("ul", { "class": "chain-list" }, answer.outside.map(function (s) {
        return el("li", {}, [companyLink(s.name, s.code),
          el("span", { "class": "muted", text: [s.region, yuan(s.amount_fen)].filter(Boolean).join(" · ") })]);
      })) : el("p", { "class": "muted", text: text.none }));
    }
    show(parts);
  }

  function showAnchor(id) {
    var n = byId[id];
    var edges = data.edges.filter(function (e) { return e.source === id; });
    var sum = function (key) { return edges.reduce(function (t, e) { return t + e[key]; }, 0); };
    var missing = edges.filter(function (e) { return byId[e.target].missing; }).length;
    show([el("h2", {}, [companyLink(n.name, n.code)]),
      el("p", { text: fill(text.anchor_parts, { n: edges.length, m: missing }) }),
      facts([[text.total, yuan(sum("total_fen"))], [text.local, yuan(sum("local_fen"))],
             [text.outside, yuan(sum("nonlocal_fen"))]]),
      el("ul", { "class": "chain-list" }, edges.map(function (e) {
        var part = byId[e.target];
        return el("li", { "class": part.missing ? "missing" : "" }, [pickButton(part.id, part.name)]);
      }))]);
  }

  function showSupplier(id) {
    var n = byId[id], s = n.facts;
    show([el("h2", {}, [companyLink(n.name, s.code)]),
      el("p", { "class": n.kind === "local" ? "tag ok" : "tag", text: n.kind === "local" ? text.local_supplier : text.outside_supplier }),
      el("p", { "class": "muted", text: [s.region, s.park].filter(Boolean).join(" · ") })]);
  }

  // A part clicked on the map opens or closes; one chosen in the list or the panel opens.
  function pick(node, onMap) {
    var kind = node.data("kind");
    if (kind === "more") { node = cy.getElementById(byId[node.id()].part); kind = "part"; onMap = false; }
    picked = node;
    if (kind === "part") {
      if (picker) { picker.value = node.id(); }
      if (onMap || !opened[node.id()]) { toggle(node); }
      showPart(node.id());
    } else if (kind === "anchor") {
      showAnchor(node.id());
    } else {
      showSupplier(node.id());
    }
    highlight();
  }

  // Clicks are read here, not through Cytoscape's taps: the browser sends a click only for a
  // tap that did not scroll. Touches stop at the map's box, so Cytoscape never holds them.
  box.addEventListener("touchstart", function (e) { e.stopPropagation(); }, { capture: true, passive: true });
  box.addEventListener("click", function (e) {
    var rect = box.getBoundingClientRect(), pan = cy.pan(), zoom = cy.zoom();
    var x = (e.clientX - rect.left - box.clientLeft - pan.x) / zoom;
    var y = (e.clientY - rect.top - box.clientTop - pan.y) / zoom;
    var hit = cy.nodes().filter(function (n) {
      var b = n.boundingBox();
      return x >= b.x1 && x <= b.x2 && y >= b.y1 && y <= b.y2;
    });
    if (hit.length) {
      pick(hit[0], true);
    } else {
      picked = null;
      highlight();
    }
  });
  cy.on("mouseover", "node", function () { box.style.cursor = "pointer"; });
  cy.on("mouseout", "node", function () { box.style.cursor = ""; });
  detail.addEventListener("click", function (e) {
    var button = e.target.closest("[data-pick]");
    if (button) { pick(cy.getElementById(button.getAttribute("data-pick"))); }
  });
  if (picker) {
    picker.addEventListener("change", function () {
      if (picker.value) { pick(cy.getElementById(picker.value)); }
    });
  }
  var lastWidth = box.clientWidth, pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      if (box.clientWidth !== lastWidth) { lastWidth = box.clientWidth; draw(); }
    }, 150);
  });
  box.dataset.year = String(data.year);
  draw();
})();
