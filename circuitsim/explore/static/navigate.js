// Finding one's way on the drawing: pan, zoom, fit, follow the message shown, find a node by
// name, fold and unfold instances, and the clicks and keys that do them.

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
