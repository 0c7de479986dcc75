// The drawing: the SVG `circuitsim draw` writes, found by the trace's names.
//
// Wires carry data-from / data-to (the trace's `from` and `to` in the forward pass); a fan-out's
// trunk has class `trunk` and no data-to; an output's wire has class `output`. Nodes carry
// data-node; a collapsed instance is `.instance[data-instance]`, an expanded one
// `.group[data-instance]`. Labels (`.labels`) carry the same attributes as their wire.

const SVG_NS = "http://www.w3.org/2000/svg";
const BIG_WIRES = 3000; // more wires than this: fewer effects, so that the page stays quick
const MAX_SCALE = 1.4; // a small picture is not blown up beyond this when fitted
const MIN_SCALE = 0.55; // screen pixels per picture unit below which labels are too small to read

const view = {
  views: [],
  index: 0,
  svg: null,
  home: null,       // the whole picture's viewBox
  box: null,        // the viewBox shown
  wires: new Map(), // key -> wire <g>
  labels: new Map(),
  nodes: new Map(),
  boxes: new Map(), // instance -> collapsed box
  frames: new Map(), // instance -> expanded frame
  events: [],       // per message: the label texts it changes
  shown: -1,        // the last message whose events are applied
  lit: [],
  pulseTimer: null,
};

function wireKey(g) {
  const from = g.getAttribute("data-from");
  if (g.classList.contains("trunk")) return "T|" + from;
  if (g.classList.contains("output")) return "O|" + from;
  return "W|" + from + "|" + g.getAttribute("data-to");
}

view.load = function (views, keep) {
  const index = keep && this.index < views.length ? this.index : 0;
  const box = keep && this.box && views.length === this.views.length ? this.box : null;
  this.views = views;
  $("fold").hidden = views.length < 2;
  this.show(index, box);
};

view.show = function (index, box) {
  this.index = index;
  const host = $("picture");
  host.innerHTML = this.views[index].svg.replace(/^<\?xml[^>]*>\s*/, "");
  const svg = host.querySelector("svg");
  this.svg = svg;
  svg.removeAttribute("style");
  const [x, y, w, h] = (svg.getAttribute("viewBox") || "0 0 100 100").split(/[\s,]+/).map(Number);
  const stage = host.getBoundingClientRect();
  const grow = stage.width ? Math.max(1, Math.min(stage.width / w, stage.height / h) / MAX_SCALE) : 1;
  this.home = { x: x - (w * (grow - 1)) / 2, y: y - (h * (grow - 1)) / 2, w: w * grow, h: h * grow };
  const home = this.home;
  svg.setAttribute("viewBox", `${home.x} ${home.y} ${home.w} ${home.h}`);
  svg.setAttribute("width", String(home.w));
  svg.setAttribute("height", String(home.h));
  this.setBox(box || this.home);
  this.readable = !box && this.scale() < MIN_SCALE;  // too small to read whole: start closer
  this.wires = new Map();
  this.labels = new Map();
  this.nodes = new Map();
  this.boxes = new Map();
  this.frames = new Map();
  const wires = svg.querySelectorAll("g.wire");
  this.big = wires.length > BIG_WIRES;
  svg.classList.toggle("big", this.big);
  for (const g of wires) {
    this.wires.set(wireKey(g), g);
    const path = g.querySelector("path");
    if (path && !this.big) {  // a wider invisible twin to hover (a big picture does without)
      const hit = document.createElementNS(SVG_NS, "path");
      hit.setAttribute("d", path.getAttribute("d"));
      hit.setAttribute("class", "hit");
      g.appendChild(hit);
    }
  }
  for (const g of svg.querySelectorAll("g.labels")) this.labels.set(wireKey(g), g);
  for (const g of svg.querySelectorAll("[data-node]")) this.nodes.set(g.getAttribute("data-node"), g);
  for (const g of svg.querySelectorAll(".instance[data-instance]")) this.boxes.set(g.getAttribute("data-instance"), g);
  for (const g of svg.querySelectorAll(".group[data-instance]")) this.frames.set(g.getAttribute("data-instance"), g);
  $("fold").textContent = index === 0 ? "unfold modules" : "fold modules";
  $("fold").classList.toggle("on", index === 1);
  this.buildEvents();
  this.shown = -1;
  this.lit = [];
  if (player.k >= 0) this.reveal(player.k);
};

view.scale = function () {
  const stage = $("picture").getBoundingClientRect();
  return stage.width ? Math.min(stage.width / this.box.w, stage.height / this.box.h) : 1;
};

view.viewBox = function () {
  return [this.box.x, this.box.y, this.box.w, this.box.h];
};

view.setBox = function (b) {
  // The picture keeps its own size and viewBox; a CSS transform shows the part asked for, so
  // that panning moves what is painted instead of laying a big picture out again.
  this.box = { x: b.x, y: b.y, w: b.w, h: b.h };
  const stage = $("picture").getBoundingClientRect();
  const width = stage.width || 800, height = stage.height || 600;
  const s = Math.min(width / b.w, height / b.h);
  const tx = (width - b.w * s) / 2 - (b.x - this.home.x) * s;
  const ty = (height - b.h * s) / 2 - (b.y - this.home.y) * s;
  this.svg.style.transform = `translate(${tx}px, ${ty}px) scale(${s})`;
};

// -- which wires and nodes a message travels -----------------------------------------------------

view.node = function (name) {
  if (name === null || name === undefined) return null;
  const own = this.nodes.get(name);
  if (own) return own;
  const slash = name.indexOf("/");
  if (slash > 0) return this.boxes.get(name.slice(0, slash)) || null;
  return this.boxes.get(name) || null;
};

view.route = function (m) {
  const forward = m.pass === "forward";
  const source = forward ? m.from : m.to; // the wire's driver
  const gate = forward ? m.to : m.from;   // the gate at its other end (null: outside)
  const wires = [];
  const last = this.wires.get(gate === null ? "O|" + source : "W|" + source + "|" + gate);
  if (last) {
    const trunk = this.wires.get("T|" + source);
    if (trunk) wires.push(trunk);
    wires.push(last);
  }
  const nodes = [];
  for (const name of [gate, source]) {
    const el = this.node(name);
    if (!el) continue;
    const pin = el.classList.contains("inlet") || el.classList.contains("outlet");
    for (const e of pin ? [el, this.boxes.get(el.getAttribute("data-instance"))] : [el]) {
      if (e && !nodes.includes(e)) nodes.push(e);
    }
  }
  return { wires, nodes, labels: wires.map((w) => this.labels.get(wireKey(w))).filter(Boolean) };
};

view.highlight = function (m) {
  for (const el of this.lit) el.classList.remove("hl", "forward", "backward");
  const route = this.route(m);
  this.lit = [...route.wires, ...route.nodes];
  for (const el of this.lit) el.classList.add("hl", m.pass);
  return route;
};

// -- numbers appear as their messages arrive -----------------------------------------------------

view.buildEvents = function () {
  const steps = player.steps;
  const events = steps.map(() => []);
  const current = new Map(); // text element -> text shown so far (null: hidden)
  const final = new Map();
  const texts = new Map(); // label group -> its value and grad texts
  for (const g of this.labels.values()) {
    texts.set(g, { value: g.querySelector("text.value"), grad: g.querySelector("text.grad") });
    for (const t of g.querySelectorAll("text")) {
      final.set(t, t.textContent);
      current.set(t, null);
      t.classList.add("pending");
    }
  }
  const sums = !this.big; // rewriting texts is slow in a big picture: there, trunks show the total only
  const change = (k, el, text) => {
    if (!el || current.get(el) === text) return;
    events[k].push({ el, before: current.get(el), after: text });
    current.set(el, text);
  };
  steps.forEach((m, k) => {
    for (const g of this.route(m).labels) {
      if (m.pass === "forward") {
        const t = texts.get(g).value;
        if (t && current.get(t) === null) change(k, t, final.get(t));
      } else {
        const t = texts.get(g).grad;
        if (!t) continue;
        change(k, t, sums && g.classList.contains("trunk") && m.from !== null ? fmt(m.total) : final.get(t));
      }
    }
  });
  const lastStep = steps.length - 1;
  if (lastStep >= 0) {
    for (const [t, text] of current) if (text !== final.get(t)) change(lastStep, t, final.get(t));
  }
  this.events = events;
};

function setText(el, text) {
  if (text === null) {
    el.classList.add("pending");
  } else {
    if (el.textContent !== text) el.textContent = text;
    el.classList.remove("pending");
  }
}

view.reveal = function (k) {
  for (const t of this.svg ? this.svg.querySelectorAll("text.arrive") : []) t.classList.remove("arrive");
  while (this.shown < k) {
    this.shown += 1;
    for (const ev of this.events[this.shown]) setText(ev.el, ev.after);
  }
  while (this.shown > k) {
    const evs = this.events[this.shown];
    for (let i = evs.length - 1; i >= 0; i--) setText(evs[i].el, evs[i].before);
    this.shown -= 1;
  }
  for (const ev of this.events[k] || []) ev.el.classList.add("arrive");
};

// -- the value or the gradient travelling along its wire -----------------------------------------

view.pulse = function (route, m, millis) {
  if (this.pulseTimer !== null) cancelAnimationFrame(this.pulseTimer);
  for (const old of this.svg.querySelectorAll(".pulse")) old.remove();
  if (!route.wires.length || millis < 90) return;
  const forward = m.pass === "forward";
  const paths = route.wires.map((w) => w.querySelector("path"));
  if (!forward) paths.reverse();
  const lengths = paths.map((p) => p.getTotalLength());
  const total = lengths.reduce((a, b) => a + b, 0);
  if (!total) return;
  const colour = forward ? "#1a8f1a" : "#d62728";
  const g = document.createElementNS(SVG_NS, "g");
  g.setAttribute("class", "pulse");
  g.innerHTML = `<circle r="5.5" fill="${colour}"/><text fill="${colour}" x="8" y="-8"></text>`;
  g.lastChild.textContent = fmt(forward ? m.value : m.contribution);
  this.svg.appendChild(g);
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

view.centre = function (el, width) {
  const r = el.getBBox();
  const w = width || Math.min(this.home.w, this.box.w);
  const stage = $("picture").getBoundingClientRect();
  const h = stage.width ? (w * stage.height) / stage.width : this.box.h;
  this.setBox({ x: r.x + r.width / 2 - w / 2, y: r.y + r.height / 2 - h / 2, w, h });
};

view.follow = function (route) {
  const el = route.wires[route.wires.length - 1] || route.nodes[0];
  if (el && this.readable) {  // a big picture opens at a readable size, on the message shown
    this.readable = false;
    const stage = $("picture").getBoundingClientRect();
    return this.centre(el, stage.width || this.home.w);
  }
  if (!el || this.box.w >= this.home.w * 0.999) return;
  const r = el.getBBox();
  const b = this.box;
  const cx = r.x + r.width / 2, cy = r.y + r.height / 2;
  if (cx < b.x || cx > b.x + b.w || cy < b.y || cy > b.y + b.h) this.setBox({ x: cx - b.w / 2, y: cy - b.h / 2, w: b.w, h: b.h });
};

view.find = function (text) {
  const name = text.trim();
  if (!name) return true;
  let el = this.node(name) || this.frames.get(name) || this.boxes.get(name);
  if (!el) {
    const lower = name.toLowerCase();
    const near = player.data.names.find((n) => n.toLowerCase().includes(lower));
    el = near ? this.node(near) : null;
  }
  if (!el) return false;
  this.centre(el, Math.min(this.home.w, 700));
  el.classList.add("found");
  setTimeout(() => el.classList.remove("found"), 1600);
  return true;
};

view.fold = function (index, instance) {
  if (index === this.index || index >= this.views.length) return;
  inspector.unpin();
  this.show(index, null);
  player.k >= 0 && this.highlight(player.steps[player.k]);
  const el = instance ? (index === 1 ? this.frames.get(instance) : this.boxes.get(instance)) : null;
  if (el) this.centre(el, Math.min(this.home.w, Math.max(500, el.getBBox().width * 1.6)));
  inspector.refresh();
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
  $("fold").addEventListener("click", (e) => { view.fold(view.index === 0 ? 1 : 0); e.currentTarget.blur(); });
  const search = $("search");
  const find = () => search.classList.toggle("missing", !view.find(search.value));
  search.addEventListener("change", find);
  search.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); find(); } });
  search.addEventListener("input", () => search.classList.remove("missing"));
}

function onPictureClick(target) {
  const box = target.closest && target.closest(".instance[data-instance]");
  if (box && view.views.length > 1) return view.fold(1, box.getAttribute("data-instance"));
  const frameTitle = target.closest && target.closest(".group[data-instance] > text");
  if (frameTitle) return view.fold(0, frameTitle.parentNode.getAttribute("data-instance").split("/")[0]);
  inspector.pin(target);
}
