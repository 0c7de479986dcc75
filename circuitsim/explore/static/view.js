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
    const wires = [], nodes = [];
    for (const it of this.items) {
      if (it.layer === "wires") {
        const d = /\sd="([^"]*)"/.exec(it.html);
        if (d) wires.push(d[1]);
      } else if (it.layer === "nodes" || it.layer === "frames") {
        nodes.push(`M${it.x0},${it.y0}H${it.x1}V${it.y1}H${it.x0}Z`);
      }
    }
    const g = document.createElementNS(SVG_NS, "g");
    g.setAttribute("class", "overview");
    g.innerHTML = `<path class="nodes" d="${nodes.join("")}"/><path class="wires" d="${wires.join(" ")}"/>`;
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

// -- numbers appear as their messages arrive -----------------------------------------------------

view.buildChanges = function () {
  // For each label's value and gradient: the messages that change it and what it reads after
  // (null: its final text); before the first, it is hidden. Fanned-out gradients grow on their
  // trunk message by message.
  const steps = player.steps;
  const parts = new Map();
  const changes = steps.map(() => []);
  const part = (it, which) => {
    if (!parts.has(it)) parts.set(it, { value: { at: [], text: [] }, grad: { at: [], text: [] } });
    return parts.get(it)[which];
  };
  const change = (k, it, which, text) => {
    const p = part(it, which);
    const n = p.at.length;
    if (n && p.text[n - 1] === text) return;
    p.at.push(k);
    p.text.push(text);
    changes[k].push([it, which]);
  };
  steps.forEach((m, k) => {
    for (const it of this.route(m).labels) {
      if (m.pass === "forward") {
        if (!part(it, "value").at.length) change(k, it, "value", null);
      } else {
        const trunk = it.key.startsWith("LT|") && m.from !== null;
        change(k, it, "grad", trunk ? player.sums[k] : null);
      }
    }
  });
  const last = steps.length - 1;
  for (const it of this.items) {
    if (it.layer !== "labels" || last < 0) continue;
    for (const which of ["value", "grad"]) {
      const p = part(it, which);
      if (!p.at.length || p.text[p.text.length - 1] !== null) change(last, it, which, null);
    }
  }
  this.parts = parts;
  this.changes = changes;
};

function textAt(p, k) {
  // What a label's part reads at message k: undefined (hidden), null (its final text) or a text.
  let lo = 0, hi = p.at.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (p.at[mid] <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo ? p.text[lo - 1] : undefined;
}

view.paint = function (it, k) {
  const el = this.mounted.get(it);
  const p = this.parts.get(it);
  if (!el || !p || !el.texts) return;
  for (const which of ["value", "grad"]) {
    const t = el.texts[which];
    if (!t) continue;
    const text = textAt(p[which], k);
    if (text === undefined) {
      t.classList.add("pending");
    } else {
      const shown = text === null ? t.final : text;
      if (t.textContent !== shown) t.textContent = shown;
      t.classList.remove("pending");
    }
  }
};

view.reveal = function (k) {
  // Show the numbers as they are at message k: step by step when near, else all those in sight.
  for (const t of this.arrived) t.classList.remove("arrive");
  this.arrived = [];
  const from = this.shown;
  if (Math.abs(k - from) <= 64) {
    for (let j = Math.min(from, k) + 1; j <= Math.max(from, k); j++) for (const [it] of this.changes[j]) this.paint(it, k);
  } else {
    for (const it of this.mounted.keys()) if (it.layer === "labels") this.paint(it, k);
  }
  this.shown = k;
  for (const [it, which] of this.changes[k] || []) {
    const el = this.mounted.get(it);
    const t = el && el.texts[which];
    if (t && !t.classList.contains("pending")) {
      t.classList.add("arrive");
      this.arrived.push(t);
    }
  }
};

// -- the value or the gradient travelling along its wire -----------------------------------------

view.pulse = function (route, m, millis, text) {
  if (this.pulseTimer !== null) cancelAnimationFrame(this.pulseTimer);
  this.layers.overlay.textContent = "";
  const paths = route.wires.map((w) => this.element(w)).filter(Boolean).map((el) => el.querySelector("path"));
  if (!paths.length || millis < 90) return;
  const forward = m.pass === "forward";
  if (!forward) paths.reverse();
  const lengths = paths.map((p) => p.getTotalLength());
  const total = lengths.reduce((a, b) => a + b, 0);
  if (!total) return;
  const colour = forward ? "#1a8f1a" : "#d62728";
  const g = document.createElementNS(SVG_NS, "g");
  g.setAttribute("class", "pulse");
  g.innerHTML = `<circle r="5.5" fill="${colour}"/><text fill="${colour}" x="8" y="-8"></text>`;
  g.lastChild.textContent = text;
  this.layers.overlay.appendChild(g);
  const start = performance.now();
  const frame = (now) => {
    const t = Math.min(1, (now - start) / millis);
    let d = t * total;
    let i = 0;
    while (i < paths.length - 1 && d > lengths[i]) d -= lengths[i++];
    const p = paths[i].getPointAtLength(forward ? d : lengths[i] - d);
    g.setAttribute("transform", `translate(${p.x},${p.y})`);
    if (t < 1) this.pulseTimer = requestAnimationFrame(frame);
    else { g.remove(); this.pulseTimer = null; }
  };
  this.pulseTimer = requestAnimationFrame(frame);
};

// -- pan, zoom, fit, follow, find ----------------------------------------------------------------

view.toPicture = function (clientX, clientY) {
  const ctm = this.svg.getScreenCTM();
  if (!ctm) return { x: this.box.x, y: this.box.y };
  const p = new DOMPoint(clientX, clientY).matrixTransform(ctm.inverse());
  return { x: p.x, y: p.y };
};

view.zoom = function (factor, clientX, clientY) {
  const b = this.box;
  const w = Math.max(40, Math.min(this.home.w * 4, b.w * factor));
  factor = w / b.w;
  const p = this.toPicture(clientX, clientY);
  this.setBox({ x: p.x - (p.x - b.x) * factor, y: p.y - (p.y - b.y) * factor, w: b.w * factor, h: b.h * factor });
};

view.fit = function () {
  this.setBox(this.home);
};

view.centre = function (it, width) {
  const w = width || Math.min(this.home.w, this.box.w);
  const stage = $("picture").getBoundingClientRect();
  const h = stage.width ? (w * stage.height) / stage.width : this.box.h;
  this.setBox({ x: (it.x0 + it.x1) / 2 - w / 2, y: (it.y0 + it.y1) / 2 - h / 2, w, h });
};

view.follow = function (route) {
  const it = route.wires[route.wires.length - 1] || route.nodes[0];
  if (it && this.readable) {  // a big picture opens at a readable size, on the message shown
    this.readable = false;
    const stage = $("picture").getBoundingClientRect();
    return this.centre(it, stage.width || this.home.w);
  }
  if (!it || this.box.w >= this.home.w * 0.999) return;
  const b = this.box;
  const cx = (it.x0 + it.x1) / 2, cy = (it.y0 + it.y1) / 2;
  if (cx < b.x || cx > b.x + b.w || cy < b.y || cy > b.y + b.h) this.setBox({ x: cx - b.w / 2, y: cy - b.h / 2, w: b.w, h: b.h });
};

view.find = function (text) {
  const name = text.trim();
  if (!name) return true;
  let it = this.node(name) || this.keys.get("F|" + name) || this.keys.get("I|" + name);
  if (!it) {
    const lower = name.toLowerCase();
    const near = player.data.names.find((n) => n.toLowerCase().includes(lower));
    it = near ? this.node(near) : null;
  }
  if (!it) return false;
  const old = this.element(this.found);
  if (old) old.classList.remove("found");
  this.found = it;
  this.centre(it, Math.min(this.home.w, 700));
  this.element(it).classList.add("found");
  setTimeout(() => {
    const el = this.element(it);
    if (el) el.classList.remove("found");
    if (this.found === it) this.found = null;
  }, 1600);
  return true;
};

view.fold = function (instances, unfold) {
  // Fold (unfold: false) or unfold the top-level instances named, keeping the message shown.
  const before = new Set(this.unfolded);
  for (const u of instances) unfold ? this.unfolded.add(u) : this.unfolded.delete(u);
  if (before.size === this.unfolded.size && [...before].every((u) => this.unfolded.has(u))) return;
  inspector.unpin();
  this.show(null);
  player.k >= 0 && this.highlight(player.steps[player.k]);
  const it = instances.length === 1 ? this.keys.get((unfold ? "F|" : "I|") + instances[0]) : null;
  if (it) this.centre(it, Math.min(this.home.w, Math.max(500, (it.x1 - it.x0) * 1.6)));
  inspector.refresh();
};

view.foldAll = function () {
  const all = instancesOf(this.views);
  this.fold(all, this.unfolded.size < all.length);
};

function bindView() {
  const host = $("picture");
  host.addEventListener("wheel", (e) => {
    e.preventDefault();
    view.zoom(Math.exp(e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)), e.clientX, e.clientY);
  }, { passive: false });
  let drag = null;
  host.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, box: { ...view.box }, moved: false, id: e.pointerId };
  });
  host.addEventListener("pointermove", (e) => {
    if (!drag) return inspector.hover(e.target);
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 4) return;
    if (!drag.moved) { drag.moved = true; host.classList.add("dragging"); host.setPointerCapture(drag.id); }
    const scale = 1 / (view.svg.getScreenCTM() || { a: 1 }).a;
    view.setBox({ ...drag.box, x: drag.box.x - dx * scale, y: drag.box.y - dy * scale });
  });
  const stop = (e) => {
    if (!drag) return;
    const moved = drag.moved;
    drag = null;
    host.classList.remove("dragging");
    if (!moved && e.type === "pointerup") onPictureClick(e.target);
  };
  host.addEventListener("pointerup", stop);
  host.addEventListener("pointercancel", stop);
  host.addEventListener("pointerleave", () => inspector.hover(null));
  $("fit").addEventListener("click", (e) => { view.fit(); e.currentTarget.blur(); });
  $("fold").addEventListener("click", (e) => { view.foldAll(); e.currentTarget.blur(); });
  const search = $("search");
  const find = () => search.classList.toggle("missing", !view.find(search.value));
  search.addEventListener("change", find);
  search.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); find(); } });
  search.addEventListener("input", () => search.classList.remove("missing"));
}

function onPictureClick(target) {
  const box = target.closest && target.closest(".instance[data-instance]");
  if (box && view.views.length > 1) return view.fold([box.getAttribute("data-instance")], true);
  const frameTitle = target.closest && target.closest(".group[data-instance] > text");
  if (frameTitle) return view.fold([frameTitle.parentNode.getAttribute("data-instance").split("/")[0]], false);
  inspector.pin(target);
}
