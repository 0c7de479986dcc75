// The drawing: the items of the picture `circuitsim draw` makes, as elements only where seen.
//
// A view is the drawing's head (the <svg> element) and its items, each one element of a layer
// (frames, wires, nodes, notes, labels) with the box it covers and its data (see markup.js).
// Only the items in sight are elements of the page: panning and zooming create those that come
// into view and remove those that leave it; labels only where they are big enough to read, and
// when so much is in sight that each gate is a few pixels, an overview (one path of every wire,
// one of every node) stands for them. The message shown is always drawn, so that its highlight
// is seen. Items are found by the names the data gives them (`key`): wires "W|from|to",
// "T|from" (a fan-out's trunk), "O|from" (an output's); their labels the same after "L"; nodes
// "N|name", instance boxes "I|name", unfolded instances "F|name", a fan-out's dots "J|from".
//
// The numbers on the labels appear as their messages arrive (a fanned-out gradient grows on
// its trunk message by message), and the number of the message shown travels along its wire.
// A forward-mode run (its messages' pass "tangent") travels the wires as values do; its wires'
// labels are the value and the tangent, which arrive together (and where no tangent goes, the
// tangent is 0 from the start).

const MAX_SCALE = 1.4;   // a small picture is not blown up beyond this when fitted
const MIN_SCALE = 0.55;  // screen pixels per picture unit below which labels are too small to read
const MAX_ITEMS = 3000;  // more elements in sight than this: the overview instead
const OVERVIEW_SCALE = 0.08;  // and below this scale, where a gate is a dot of a few pixels
const CELL = 600;        // picture units per side of a cell of the index of items
const MARGIN = 0.3;      // of the box shown, drawn beyond each of its sides
const LAYERS = ["frames", "wires", "nodes", "notes", "labels"];

class Drawing {
  constructor(host, foldButton, hides) {
    this.host = host;              // the element the <svg> goes in
    this.foldButton = foldButton;  // "unfold modules", shown when there are instances
    this.views = [];               // the folded view, and the unfolded one if the circuit has instances
    this.unfolded = new Set();     // the top-level instances shown unfolded
    this.messages = null;
    this.k = -1;                   // the message whose numbers are shown
    this.hides = hides;            // whether the numbers message k brings are hidden (a quiz's questions)
    this.pulseTimer = null;
  }

  load(views, messages, keep) {
    const box = keep && this.box && views.length === this.views.length ? this.box : null;
    this.views = views;
    this.messages = messages;
    if (!keep) this.unfolded = new Set();
    this.foldButton.hidden = views.length < 2;
    this.show(box);
  }

  show(box) {
    // Draw the view with the instances of `unfolded` unfolded (see fold.js), showing `box`.
    const data = composed(this.views, this.unfolded);
    this.look = this.views[0].look;
    this.host.innerHTML = data.head + LAYERS.map((l) => `<g class="layer ${l}"></g>`).join("") + '<g class="layer overlay"></g></svg>';
    const svg = this.host.querySelector("svg");
    this.svg = svg;
    svg.removeAttribute("style");
    svg.setAttribute("width", "100%");
    svg.setAttribute("height", "100%");
    this.layers = {};
    for (const g of svg.querySelectorAll("g.layer")) this.layers[g.classList[1]] = g;
    this.index(data.items);
    const [x, y, w, h] = data.box;
    const stage = this.host.getBoundingClientRect();
    const grow = stage.width ? Math.max(1, Math.min(stage.width / w, stage.height / h) / MAX_SCALE) : 1;
    this.home = { x: x - (w * (grow - 1)) / 2, y: y - (h * (grow - 1)) / 2, w: w * grow, h: h * grow };  // the whole picture's box
    this.overview = null;       // the overview's element, made when first needed
    this.mounted = new Map();   // item -> its element
    this.lit = new Set();       // items of the message shown
    this.litPass = "";
    this.found = null;
    this.arrived = [];          // elements that show the current message's numbers arriving
    this.buildChanges();
    this.readable = !box && this.scaleOf(this.home) < MIN_SCALE;  // too small to read whole: start closer
    const all = this.unfolded.size && this.unfolded.size === instancesOf(this.views).length;
    this.foldButton.textContent = all ? "fold modules" : "unfold modules";
    this.foldButton.classList.toggle("on", Boolean(all));
    this.setBox(box || this.home);
  }

  index(items) {
    this.items = items;
    this.keys = new Map();   // key -> item
    this.cells = new Map();  // "i,j" -> items that cover that cell
    this.wide = [];          // items too big for the cells, looked at every time
    for (const item of items) {
      const { x0, y0, x1, y1 } = item;
      if (item.key) this.keys.set(item.key, item);
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
  }

  // -- what is in sight ----------------------------------------------------------------------------

  stage() {
    return this.host.getBoundingClientRect();
  }

  scaleOf(b) {
    const stage = this.stage();
    return stage.width ? Math.min(stage.width / b.w, stage.height / b.h) : 1;
  }

  scale() {
    return this.scaleOf(this.box);
  }

  viewBox() {
    return [this.box.x, this.box.y, this.box.w, this.box.h];
  }

  setBox(b) {
    this.box = { x: b.x, y: b.y, w: b.w, h: b.h };
    this.svg.setAttribute("viewBox", `${b.x} ${b.y} ${b.w} ${b.h}`);
    this.cull();
  }

  seen() {
    // The part of the picture on the screen: the box shown, widened to the stage's proportions.
    const b = this.box;
    const stage = this.stage();
    if (!stage.width || !stage.height) return b;
    const s = this.scale();
    const w = stage.width / s, h = stage.height / s;
    return { x: b.x - (w - b.w) / 2, y: b.y - (h - b.h) / 2, w, h };
  }

  inSight(labels) {
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
  }

  cull() {
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
      g.insertAdjacentHTML("beforeend", items.map((it) => markup(it.d, this.look)).join(""));
      const made = g.children;
      items.forEach((it, i) => this.mount(it, made[before + i]));
    }
  }

  mount(it, el) {
    this.mounted.set(it, el);
    if (it.layer === "wires") {  // a wider invisible twin to hover
      const hit = document.createElementNS(SVG_NS, "path");
      hit.setAttribute("d", pathOf(it.d.points));
      hit.setAttribute("class", "hit");
      el.appendChild(hit);
    }
    if (it.layer === "labels") {
      el.texts = { value: el.querySelector("text.value"), grad: el.querySelector("text.grad") };
      for (const part of ["value", "grad"]) if (el.texts[part]) el.texts[part].final = el.texts[part].textContent;
      this.paint(it, this.k);
    }
    if (this.lit.has(it)) el.classList.add("hl", this.litPass);
    if (it === this.found) el.classList.add("found");
  }

  showOverview(on) {
    this.svg.classList.toggle("overview", on);
    if (on && !this.overview) {
      // Every wire's path and every node's box, as two paths: what a glance at a big picture sees.
      const wires = [], nodes = [], frames = [];
      const rect = (it) => `M${it.x0},${it.y0}H${it.x1}V${it.y1}H${it.x0}Z`;
      for (const it of this.items) {
        if (it.layer === "wires") wires.push(pathOf(it.d.points));
        else if (it.layer === "frames" && it.d.kind === "group") frames.push(rect(it));
        else if (it.layer === "nodes" && it.d.kind !== "junction") nodes.push(rect(it));  // a fan-out's dots lie on its wires
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
  }

  // -- which wires and nodes a message travels ---------------------------------------------------

  node(name) {
    if (name === null || name === undefined) return null;
    const own = this.keys.get("N|" + name);
    if (own) return own;
    const slash = name.indexOf("/");
    return this.keys.get("I|" + (slash > 0 ? name.slice(0, slash) : name)) || null;
  }

  route(m) {
    // The items of message m: its wire (after the trunk, if it fans out), its gates, their labels.
    const forward = m.pass !== "backward";  // forward mode's tangents travel as values do
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
      const pin = it.d.kind === "node inlet" || it.d.kind === "node outlet";
      for (const e of pin ? [it, this.keys.get("I|" + it.d.instance)] : [it]) {
        if (e && !nodes.includes(e)) nodes.push(e);
      }
    }
    return { wires, nodes, labels: wires.map((w) => this.keys.get("L" + w.key)).filter(Boolean) };
  }

  highlight(m) {
    for (const it of this.lit) {
      const el = this.mounted.get(it);
      if (el) el.classList.remove("hl", "forward", "backward", "tangent");
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
  }

  element(it) {
    return it ? this.mounted.get(it) || null : null;
  }

  // -- pan, zoom, fit, follow, find, fold ------------------------------------------------------------

  toPicture(clientX, clientY) {
    const ctm = this.svg.getScreenCTM();
    if (!ctm) return { x: this.box.x, y: this.box.y };
    const p = new DOMPoint(clientX, clientY).matrixTransform(ctm.inverse());
    return { x: p.x, y: p.y };
  }

  zoom(factor, clientX, clientY) {
    const b = this.box;
    const w = Math.max(40, Math.min(this.home.w * 4, b.w * factor));
    factor = w / b.w;
    const p = this.toPicture(clientX, clientY);
    this.setBox({ x: p.x - (p.x - b.x) * factor, y: p.y - (p.y - b.y) * factor, w: b.w * factor, h: b.h * factor });
  }

  pan(from, dx, dy) {
    const scale = 1 / (this.svg.getScreenCTM() || { a: 1 }).a;
    this.setBox({ ...from, x: from.x - dx * scale, y: from.y - dy * scale });
  }

  fit() {
    this.setBox(this.home);
  }

  centre(it, width) {
    const w = width || Math.min(this.home.w, this.box.w);
    const stage = this.stage();
    const h = stage.width ? (w * stage.height) / stage.width : this.box.h;
    this.setBox({ x: (it.x0 + it.x1) / 2 - w / 2, y: (it.y0 + it.y1) / 2 - h / 2, w, h });
  }

  follow(route, always) {
    // Keep the message shown in view (`always`: even if following is off, as for a big picture
    // that opens at a readable size, on the message shown).
    const it = route.wires[route.wires.length - 1] || route.nodes[0];
    if (it && this.readable) {
      this.readable = false;
      return this.centre(it, this.stage().width || this.home.w);
    }
    if (!always || !it || this.box.w >= this.home.w * 0.999) return;
    const b = this.box;
    const cx = (it.x0 + it.x1) / 2, cy = (it.y0 + it.y1) / 2;
    if (cx < b.x || cx > b.x + b.w || cy < b.y || cy > b.y + b.h) this.setBox({ x: cx - b.w / 2, y: cy - b.h / 2, w: b.w, h: b.h });
  }

  find(text) {
    const name = text.trim();
    if (!name) return true;
    let it = this.node(name) || this.keys.get("F|" + name) || this.keys.get("I|" + name);
    if (!it) {
      const lower = name.toLowerCase();
      const near = this.messages.names.find((n) => n.toLowerCase().includes(lower));
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
  }

  fold(instances, unfold) {
    // Fold (unfold: false) or unfold the top-level instances named; whether anything changed.
    const before = new Set(this.unfolded);
    for (const u of instances) unfold ? this.unfolded.add(u) : this.unfolded.delete(u);
    if (before.size === this.unfolded.size && [...before].every((u) => this.unfolded.has(u))) return false;
    this.show(null);
    const it = instances.length === 1 ? this.keys.get((unfold ? "F|" : "I|") + instances[0]) : null;
    if (it) this.centre(it, Math.min(this.home.w, Math.max(500, (it.x1 - it.x0) * 1.6)));
    return true;
  }

  instances() {
    return instancesOf(this.views);
  }

  // -- numbers appear as their messages arrive -----------------------------------------------------

  buildChanges() {
    // For each label's value and gradient: the messages that change it and what it reads after
    // (null: its final text); before the first, it is hidden. Fanned-out gradients grow on their
    // trunk message by message.
    const steps = this.messages.steps;
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
        if (m.pass === "tangent") {
          for (const which of ["value", "grad"]) if (!part(it, which).at.length) change(k, it, which, null);
        } else if (m.pass === "forward") {
          if (!part(it, "value").at.length) change(k, it, "value", null);
        } else {
          const trunk = it.key.startsWith("LT|") && m.from !== null;
          change(k, it, "grad", trunk ? this.messages.sums[k] : null);
        }
      }
    });
    // What no message brings is shown at the end (forward mode: from the start, its tangent 0).
    const last = this.messages.mode === "tangent" ? 0 : steps.length - 1;
    for (const it of this.items) {
      if (it.layer !== "labels" || steps.length === 0) continue;
      for (const which of ["value", "grad"]) {
        const p = part(it, which);
        if (!p.at.length || (last > 0 && p.text[p.text.length - 1] !== null)) change(last, it, which, null);
      }
    }
    this.parts = parts;      // label item -> {value, grad}: its texts' changes (steps and texts)
    this.changes = changes;  // per message: the label parts it changes
  }

  paint(it, k) {
    const el = this.mounted.get(it);
    const p = this.parts.get(it);
    if (!el || !p || !el.texts) return;
    for (const which of ["value", "grad"]) {
      const t = el.texts[which];
      if (!t) continue;
      const i = arrivedBy(p[which], k);
      if (i < 0) {
        t.classList.add("pending");
      } else {
        const text = p[which].text[i];
        const shown = this.hides(p[which].at[i]) ? "?" : text === null ? t.final : text;
        if (t.textContent !== shown) t.textContent = shown;
        t.classList.remove("pending");
      }
    }
  }

  reveal(k) {
    // Show the numbers as they are at message k: step by step when near, else all those in sight.
    for (const t of this.arrived) t.classList.remove("arrive");
    this.arrived = [];
    const from = this.k;
    if (Math.abs(k - from) <= 64) {
      for (let j = Math.min(from, k) + 1; j <= Math.max(from, k); j++) for (const [it] of this.changes[j] || []) this.paint(it, k);
    } else {
      this.repaint(k);
    }
    this.k = k;
    for (const [it, which] of this.changes[k] || []) {
      const el = this.mounted.get(it);
      const t = el && el.texts[which];
      if (t && !t.classList.contains("pending")) {
        t.classList.add("arrive");
        this.arrived.push(t);
      }
    }
  }

  repaint(k) {
    for (const it of this.mounted.keys()) if (it.layer === "labels") this.paint(it, k);
  }

  // -- the value or the gradient travelling along its wire -----------------------------------------

  pulse(route, m, millis, text) {
    if (this.pulseTimer !== null) cancelAnimationFrame(this.pulseTimer);
    this.layers.overlay.textContent = "";
    const paths = route.wires.map((w) => this.element(w)).filter(Boolean).map((el) => el.querySelector("path"));
    if (!paths.length || millis < 90) return;
    const forward = m.pass !== "backward";
    if (!forward) paths.reverse();
    const lengths = paths.map((p) => p.getTotalLength());
    const total = lengths.reduce((a, b) => a + b, 0);
    if (!total) return;
    const colour = getComputedStyle(document.documentElement).getPropertyValue(m.pass === "forward" ? "--value" : "--grad").trim();
    const g = document.createElementNS(SVG_NS, "g");
    g.setAttribute("class", "pulse");
    g.innerHTML = `<circle r="5.5" fill="${colour}"/><text${m.pass === "forward" ? "" : ' class="grad-cue"'} fill="${colour}" x="8" y="-8"></text>`;
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
  }
}

function arrivedBy(p, k) {
  // The last of a label part's changes at or before message k (its index in p.at), or -1.
  let lo = 0, hi = p.at.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (p.at[mid] <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
