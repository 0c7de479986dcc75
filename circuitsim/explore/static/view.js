// The drawing: the SVG `circuitsim draw` writes, one element at a time, only where it is seen.
//
// A view is the drawing's head (the <svg> element) and its items, each one element of a layer
// (frames, wires, nodes, notes, labels) with the box it covers. Only the items in sight are
// elements of the page: panning and zooming create those that come into view and remove those
// that leave it; labels only where they are big enough to read, and when so much is in sight
// that each gate is a few pixels, an overview (one path of every wire, one of every node)
// stands for them. The message shown is always drawn, so that its highlight is seen.
//
// Items are found by the trace's names, read from their elements' attributes: wires carry
// data-from / data-to (a fan-out's trunk has class `trunk` and no data-to; an output's wire
// has class `output`); labels the same as their wire; nodes data-node; a collapsed instance is
// `.instance[data-instance]`, an expanded one `.group[data-instance]`.

const SVG_NS = "http://www.w3.org/2000/svg";
const MAX_SCALE = 1.4;   // a small picture is not blown up beyond this when fitted
const MIN_SCALE = 0.55;  // screen pixels per picture unit below which labels are too small to read
const MAX_ITEMS = 3000;  // more elements in sight than this: the overview instead
const OVERVIEW_SCALE = 0.08;  // and below this scale, where a gate is a dot of a few pixels
const CELL = 600;        // picture units per side of a cell of the index of items
const MARGIN = 0.3;      // of the box shown, drawn beyond each of its sides
const LAYERS = ["frames", "wires", "nodes", "notes", "labels"];

const view = {
  views: [],         // the folded view, and the unfolded one if the circuit has instances
  unfolded: new Set(), // the top-level instances shown unfolded
  svg: null,
  home: null,        // the whole picture's box
  box: null,         // the box shown
  items: [],         // of the view shown: {layer, x0, y0, x1, y1, html, key}
  keys: new Map(),   // key -> item
  cells: new Map(),  // "i,j" -> items that cover that cell
  wide: [],          // items too big for the cells, looked at every time
  mounted: new Map(), // item -> its element
  layers: {},
  lit: new Set(),    // items of the message shown
  litPass: "",
  found: null,
  overview: null,    // the overview's element, made when first needed
  parts: null,       // label item -> {value, grad}: its texts' changes (steps and texts)
  changes: [],       // per message: the label parts it changes
  arrived: [],       // elements that show the current message's numbers arriving
  pulseTimer: null,
};

// -- items and their names -----------------------------------------------------------------------

const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function unescapeXml(text) {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (all, e) =>
    e[0] === "#" ? String.fromCodePoint(e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : Number(e.slice(1))) : ENTITIES[e] || all);
}

function attributes(html) {
  // The attributes of an item's first tag, as the SVG writer quotes them.
  const tag = html.slice(0, html.indexOf(">"));
  const attrs = {};
  for (const m of tag.matchAll(/([\w:-]+)=(?:"([^"]*)"|'([^']*)')/g)) attrs[m[1]] = unescapeXml(m[2] !== undefined ? m[2] : m[3]);
  return attrs;
}

function keyOf(a) {
  // Wires and labels "W|from|to", "T|from" (trunk), "O|from" (output); nodes "N|name",
  // instance boxes "I|name", expanded instances "F|name", junctions "J|from".
  const cls = (a.class || "").split(" ");
  const head = cls[0] === "labels" ? "L" : "";
  if (cls[0] === "wire" || cls[0] === "labels") {
    if (cls.includes("trunk")) return head + "T|" + a["data-from"];
    if (cls.includes("output")) return head + "O|" + a["data-from"];
    return head + "W|" + a["data-from"] + "|" + a["data-to"];
  }
  if (cls[0] === "instance") return "I|" + a["data-instance"];
  if (cls[0] === "group") return "F|" + a["data-instance"];
  if (cls[0] === "junction") return "J|" + a["data-from"];
  if (a["data-node"] !== undefined) return "N|" + a["data-node"];
  return null;
}

view.load = function (views, keep) {
  const box = keep && this.box && views.length === this.views.length ? this.box : null;
  this.views = views;
  if (!keep) this.unfolded = new Set();
  $("fold").hidden = views.length < 2;
  this.show(box);
};

function parsed(data) {
  // A view's items with their first tag's attributes and their names, read once.
  if (!data.parsed) {
    data.parsed = data.items.map(([layer, x0, y0, x1, y1, html]) => {
      const attrs = attributes(html);
      return { layer, x0, y0, x1, y1, html, attrs, key: keyOf(attrs) };
    });
  }
  return data.parsed;
}

view.show = function (box) {
  // Draw the view with the instances of `unfolded` unfolded (see fold.js), showing `box`.
  const data = composed(this.views, this.unfolded);
  const host = $("picture");
  host.innerHTML = data.head + LAYERS.map((l) => `<g class="layer ${l}"></g>`).join("") + '<g class="layer overlay"></g></svg>';
  const svg = host.querySelector("svg");
  this.svg = svg;
  svg.removeAttribute("style");
  svg.setAttribute("width", "100%");
  svg.setAttribute("height", "100%");
  this.layers = {};
  for (const g of svg.querySelectorAll("g.layer")) this.layers[g.classList[1]] = g;
  this.index_(data.items);
  const [x, y, w, h] = data.box;
  const stage = host.getBoundingClientRect();
  const grow = stage.width ? Math.max(1, Math.min(stage.width / w, stage.height / h) / MAX_SCALE) : 1;
  this.home = { x: x - (w * (grow - 1)) / 2, y: y - (h * (grow - 1)) / 2, w: w * grow, h: h * grow };
  this.overview = null;
  this.mounted = new Map();
  this.lit = new Set();
  this.found = null;
  this.arrived = [];
  this.buildChanges();
  this.shown = player.k;
  this.readable = !box && this.scaleOf(this.home) < MIN_SCALE;  // too small to read whole: start closer
  const all = this.unfolded.size && this.unfolded.size === instancesOf(this.views).length;
  $("fold").textContent = all ? "fold modules" : "unfold modules";
  $("fold").classList.toggle("on", Boolean(all));
  this.setBox(box || this.home);
};

view.index_ = function (items) {
  this.items = items;
  this.keys = new Map();
  this.cells = new Map();
  this.wide = [];
  for (const item of items) {
    const { x0, y0, x1, y1 } = item;
    if (item.key !== null) this.keys.set(item.key, item);
    const i0 = Math.floor(x0 / CELL), i1 = Math.floor(x1 / CELL), j0 = Math.floor(y0 / CELL), j1 = Math.floor(y1 / CELL);
    if ((i1 - i0 + 1) * (j1 - j0 + 1) > 16) {
      this.wide.push(item);
      continue;
    }
    for (let i = i0; i <= i1; i++) {
      for (let j = j0; j <= j1; j++) {
        const cell = i + "," + j;
        if (!this.cells.has(cell)) this.cells.set(cell, []);
        this.cells.get(cell).push(item);
      }
    }
  }
};

// -- what is in sight ------------------------------------------------------------------------------

view.scaleOf = function (b) {
  const stage = $("picture").getBoundingClientRect();
  return stage.width ? Math.min(stage.width / b.w, stage.height / b.h) : 1;
};

view.scale = function () {
  return this.scaleOf(this.box);
};

view.viewBox = function () {
  return [this.box.x, this.box.y, this.box.w, this.box.h];
};

view.setBox = function (b) {
  this.box = { x: b.x, y: b.y, w: b.w, h: b.h };
  this.svg.setAttribute("viewBox", `${b.x} ${b.y} ${b.w} ${b.h}`);
  this.cull();
};

view.seen = function () {
  // The part of the picture on the screen: the box shown, widened to the stage's proportions.
  const b = this.box;
  const stage = $("picture").getBoundingClientRect();
  if (!stage.width || !stage.height) return b;
  const s = this.scale();
  const w = stage.width / s, h = stage.height / s;
  return { x: b.x - (w - b.w) / 2, y: b.y - (h - b.h) / 2, w, h };
};

view.inSight = function (labels) {
  // The items that the part on the screen (and a margin around it) covers, or null if too many.
  const b = this.seen();
  const x0 = b.x - b.w * MARGIN, x1 = b.x + b.w * (1 + MARGIN), y0 = b.y - b.h * MARGIN, y1 = b.y + b.h * (1 + MARGIN);
  const seen = new Set();
  const meets = (it) => it.x1 >= x0 && it.x0 <= x1 && it.y1 >= y0 && it.y0 <= y1 && (labels || it.layer !== "labels");
  const cells = (Math.floor(x1 / CELL) - Math.floor(x0 / CELL) + 1) * (Math.floor(y1 / CELL) - Math.floor(y0 / CELL) + 1);
  const candidates = cells > this.cells.size ? [this.items] : [this.wide];
  if (cells <= this.cells.size) {
    for (let i = Math.floor(x0 / CELL); i <= Math.floor(x1 / CELL); i++) {
      for (let j = Math.floor(y0 / CELL); j <= Math.floor(y1 / CELL); j++) {
        const cell = this.cells.get(i + "," + j);
        if (cell) candidates.push(cell);
      }
    }
  }
  for (const list of candidates) {
    for (const it of list) {
      if (!seen.has(it) && meets(it)) {
        seen.add(it);
        if (seen.size > MAX_ITEMS) return null;
      }
    }
  }
  return seen;
};

view.cull = function () {
  const scale = this.scale();
  const sight = scale < OVERVIEW_SCALE ? null : this.inSight(scale >= MIN_SCALE);
  const want = sight || new Set();
  for (const it of this.lit) want.add(it);
  if (this.found) want.add(this.found);
  this.showOverview(sight === null);
  for (const [it, el] of this.mounted) {
    if (!want.has(it)) {
      el.remove();
      this.mounted.delete(it);
    }
  }
  const fresh = [...want].filter((it) => !this.mounted.has(it));
  for (const layer of LAYERS) {
    const items = fresh.filter((it) => it.layer === layer);
    if (!items.length) continue;
    const g = this.layers[layer];
    const before = g.childElementCount;
    g.insertAdjacentHTML("beforeend", items.map((it) => it.html).join(""));
    const made = g.children;
    items.forEach((it, i) => this.mount(it, made[before + i]));
  }
};

view.mount = function (it, el) {
  this.mounted.set(it, el);
  if (it.layer === "wires") {
    const path = el.querySelector("path");
    if (path) {  // a wider invisible twin to hover
      const hit = document.createElementNS(SVG_NS, "path");
      hit.setAttribute("d", path.getAttribute("d"));
      hit.setAttribute("class", "hit");
      el.appendChild(hit);
    }
  }
  if (it.layer === "labels") {
    el.texts = { value: el.querySelector("text.value"), grad: el.querySelector("text.grad") };
    for (const part of ["value", "grad"]) if (el.texts[part]) el.texts[part].final = el.texts[part].textContent;
    this.paint(it, player.k);
  }
  if (this.lit.has(it)) el.classList.add("hl", this.litPass);
  if (it === this.found) el.classList.add("found");
};

view.showOverview = function (on) {
  this.svg.classList.toggle("overview", on);
  if (on && !this.overview) {
    // Every wire's path and every node's box, as two paths: what a glance at a big picture sees.
    const wires = [], nodes = [], frames = [];
    const rect = (it) => `M${it.x0},${it.y0}H${it.x1}V${it.y1}H${it.x0}Z`;
    for (const it of this.items) {
      if (it.layer === "wires") {
        const d = /\sd="([^"]*)"/.exec(it.html);
        if (d) wires.push(d[1]);
      } else if (it.layer === "frames") {
        frames.push(rect(it));
      } else if (it.layer === "nodes" && !(it.key || "").startsWith("J|")) {  // a fan-out's dots lie on its wires
        nodes.push(rect(it));
      }
    }
    const g = document.createElementNS(SVG_NS, "g");
    g.setAttribute("class", "overview");
    g.innerHTML = `<path class="frames" d="${frames.join("")}"/><path class="nodes" d="${nodes.join("")}"/><path class="wires" d="${wires.join(" ")}"/>`;
    this.overview = g;
  }
  if (this.overview) {
    if (on && !this.overview.parentNode) this.svg.insertBefore(this.overview, this.layers.frames);
    if (!on && this.overview.parentNode) this.overview.remove();
  }
};

// -- which wires and nodes a message travels -----------------------------------------------------

view.node = function (name) {
  if (name === null || name === undefined) return null;
  const own = this.keys.get("N|" + name);
  if (own) return own;
  const slash = name.indexOf("/");
  return this.keys.get("I|" + (slash > 0 ? name.slice(0, slash) : name)) || null;
};

view.route = function (m) {
  // The items of message m: its wire (after the trunk, if it fans out), its gates, their labels.
  const forward = m.pass === "forward";
  const source = forward ? m.from : m.to; // the wire's driver
  const gate = forward ? m.to : m.from;   // the gate at its other end (null: outside)
  const wires = [];
  const last = this.keys.get(gate === null ? "O|" + source : "W|" + source + "|" + gate);
  if (last) {
    const trunk = this.keys.get("T|" + source);
    if (trunk) wires.push(trunk);
    wires.push(last);
  }
  const nodes = [];
  for (const name of [gate, source]) {
    const it = this.node(name);
    if (!it) continue;
    const cls = it.attrs.class || "";
    const pin = cls.includes("inlet") || cls.includes("outlet");
    for (const e of pin ? [it, this.keys.get("I|" + it.attrs["data-instance"])] : [it]) {
      if (e && !nodes.includes(e)) nodes.push(e);
    }
  }
  return { wires, nodes, labels: wires.map((w) => this.keys.get("L" + w.key)).filter(Boolean) };
};

view.highlight = function (m) {
  for (const it of this.lit) {
    const el = this.mounted.get(it);
    if (el) el.classList.remove("hl", "forward", "backward");
  }
  const route = this.route(m);
  this.lit = new Set([...route.wires, ...route.nodes]);
  this.litPass = m.pass;
  for (const it of this.lit) {
    const el = this.mounted.get(it);
    if (el) el.classList.add("hl", m.pass);
  }
  this.cull();
  return route;
};

view.element = function (it) {
  return it ? this.mounted.get(it) || null : null;
};
