// Finding one's way on the drawing: the mouse and the tools that pan, zoom, fit, find a node by
// name, fold and unfold instances, and point the inspector at a wire.

function bindPicture(els, drawing, inspector, player) {
  const host = els.picture;
  host.addEventListener("wheel", (e) => {
    e.preventDefault();
    drawing.zoom(Math.exp(e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)), e.clientX, e.clientY);
  }, { passive: false });
  let drag = null;
  host.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, box: { ...drawing.box }, moved: false, id: e.pointerId };
  });
  host.addEventListener("pointermove", (e) => {
    if (!drag) return inspector.hover(e.target);
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 4) return;
    if (!drag.moved) { drag.moved = true; host.classList.add("dragging"); host.setPointerCapture(drag.id); }
    drawing.pan(drag.box, dx, dy);
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
  els.fit.addEventListener("click", (e) => { drawing.fit(); e.currentTarget.blur(); });
  els.fold.addEventListener("click", (e) => { player.foldAll(); e.currentTarget.blur(); });
  const search = els.search;
  const find = () => search.classList.toggle("missing", !drawing.find(search.value));
  search.addEventListener("change", find);
  search.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); find(); } });
  search.addEventListener("input", () => search.classList.remove("missing"));

  function onPictureClick(target) {
    const box = target.closest && target.closest(".instance[data-instance]");
    if (box && drawing.views.length > 1) return player.fold([box.getAttribute("data-instance")], true);
    const frameTitle = target.closest && target.closest(".group[data-instance] > text");
    if (frameTitle) return player.fold([frameTitle.parentNode.getAttribute("data-instance").split("/")[0]], false);
    inspector.pin(target);
  }
}
