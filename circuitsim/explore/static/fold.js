// Folding and unfolding each module instance on its own.
//
// The page has two drawings: every instance folded (a box) and every instance unfolded (as
// `circuitsim draw --expand` draws them). Some unfolded and others not is made from the two:
// room is made for each unfolded instance by moving everything right of its box right and
// everything below it down, by as much as its unfolded rectangle is bigger than its box (a
// move that depends on x alone and on y alone, so that level wires stay level and nothing
// comes closer to anything), and what the box's own column holds below the box moves down
// with it; its rectangle, with everything in it, is put where its box was;
// and each wire into it or out of it runs as in the folded drawing up to the box's column,
// then as in the unfolded one inside the rectangle. A wire's labels stay on the segment they
// were put on, however making room stretched or stitched it (see labels.js).

function itemsOf(view) {
  // A view's items, each {layer, x0, y0, x1, y1, d: its data, key: its name}, made once.
  if (!view.made) view.made = view.items.map(([layer, x0, y0, x1, y1, d]) => ({ layer, x0, y0, x1, y1, d, key: d.key }));
  return view.made;
}

function instancesOf(views) {
  // The top-level instances, as the folded drawing names their boxes.
  return views.length < 2 ? [] : itemsOf(views[0]).filter((it) => it.key && it.key.startsWith("I|")).map((it) => it.key.slice(2));
}

function composed(views, unfolded) {
  // The items of the drawing with the instances of `unfolded` unfolded: {head, box, items}.
  const all = instancesOf(views);
  const names = [...unfolded].filter((u) => all.includes(u));
  if (!names.length) return { ...views[0], items: itemsOf(views[0]) };
  if (names.length === all.length) return { ...views[1], items: itemsOf(views[1]) };
  const folded = itemsOf(views[0]), open = itemsOf(views[1]);
  const keys = (items) => new Map(items.filter((it) => it.key).map((it) => [it.key, it]));
  const fk = keys(folded), ok = keys(open);
  const dots = (it) => it.d.kind === "junction";  // a fan-out's dots, on its wires (a bus: all along it)
  const nodes = folded.filter((it) => it.layer === "nodes" && !dots(it));
  const clear = (start, lo, hi, back) => {  // the first line from `start` on (back: back) that no node straddles
    let at = start, moved = true;
    while (moved) {
      moved = false;
      for (const it of nodes) if (it[lo] < at && it[hi] > at) { at = back ? it[lo] : it[hi]; moved = true; }
    }
    return at;
  };
  const rooms = names.map((u) => {
    const b = fk.get("I|" + u), f = ok.get("F|" + u);
    // Room is made past the box's column (its wires leave the column level, up to 12 past its
    // widest node, and enter it as far before) and below the box (and any node beside it that
    // reaches lower), and in the box's column below the box.
    const x = clear(b.x1, "x0", "x1") + 14, y = clear(b.y1, "y0", "y1") + 1, left = clear(b.x0, "x0", "x1", true) - 14;
    return { u, b, f, x, y, left, dw: Math.max(0, f.x1 - f.x0 - (b.x1 - b.x0)), dh: Math.max(0, f.y1 - f.y0 - (b.y1 - b.y0)) };
  });
  const fx = (x) => rooms.reduce((s, r) => s + (x >= r.x ? r.dw : 0), x);
  const fy = (x, y) => rooms.reduce((s, r) => s + (y >= r.y || (y > r.b.y1 && x >= r.left && x < r.x) ? r.dh : 0), y);
  const shift = (it) => {  // a node, note or label moves as a whole, as its top middle does; a fan-out's dots each as its wire
    if (dots(it)) return dotted(it, fx, fy);
    const x = (it.x0 + it.x1) / 2;
    return moved(it, fx(x) - x, fy(x, it.y0) - it.y0);
  };
  for (const r of rooms) {  // where the rectangle goes: the box's top left, moved
    r.dx = fx(r.b.x0) - r.f.x0;
    r.dy = fy(r.b.x0, r.b.y0) - r.f.y0;
    r.edge = r.f.x1 + r.dx + 9;  // where wires that leave its column below it turn
  }
  const room = new Map(rooms.map((r) => [r.u, r]));
  const top = (name) => (name ? name.split("/")[0] : null);
  const pinOf = (name, kind) => {  // the unfolded instance whose inlet (outlet) `name` is
    const it = fk.get("N|" + name);
    return it && it.d.kind === "node " + kind ? room.get(it.d.instance) : undefined;
  };
  const routes = new Map();  // wire key -> its route folded, as drawn here, and where each point came from
  const wires = new Map(), boundary = new Set();
  for (const it of folded) {
    if (it.layer !== "wires" || !it.key) continue;
    const into = pinOf(it.d.to, "inlet"), outOf = pinOf(it.d.from, "outlet");
    const was = it.d.points;
    let route = { was, now: was.map(([x, y]) => [fx(x), fy(x, y)]), from: was.map((p, i) => i) };
    if (into || outOf) {
      boundary.add(it.key);
      route = stitched(route, ok.get(it.key), outOf, into);
    }
    route = skirted(route, rooms);
    routes.set(it.key, route);
    wires.set(it, rerouted(it, route.now));
  }
  const items = [];
  for (const it of folded) {
    if (it.layer === "nodes" && room.has(it.d.instance)) continue;  // its box and pins
    const route = it.layer === "labels" && routes.get(it.key.slice(1));
    items.push(wires.get(it) || (route ? relabelled(it, route, shift, views[0].look) : shift(it)));
  }
  const within = (it, f) => it.x0 >= f.x0 - 1 && it.x1 <= f.x1 + 1 && it.y0 >= f.y0 - 1 && it.y1 <= f.y1 + 1;
  for (const it of open) {  // what the unfolded rectangles hold: their nodes, and the wires and labels inside
    const owner = it.d.instance;
    if (it.layer === "notes" || (it.key && boundary.has(it.key.replace(/^L/, "")))) continue;
    const r = owner !== undefined && owner !== null ? room.get(top(owner)) : rooms.find((q) => within(it, q.f));
    if (r) items.push(moved(it, r.dx, r.dy));
  }
  const [x, y, w, h] = views[0].box;
  return { head: views[0].head, box: [x, y, w + rooms.reduce((s, r) => s + r.dw, 0), h + rooms.reduce((s, r) => s + r.dh, 0)], items: settled(items, views[0].look) };
}

function moved(it, dx, dy) {
  // An item with every coordinate of its data moved by dx, dy.
  if (!dx && !dy) return it;
  return { ...it, d: translated(it.d, (x, y) => [x + dx, y + dy]), x0: it.x0 + dx, y0: it.y0 + dy, x1: it.x1 + dx, y1: it.y1 + dy };
}

function translated(d, f) {
  // An item's data with each point [x, y, ...] it holds made f(x, y).
  const point = ([x, y, ...rest]) => [...f(x, y), ...rest];
  const out = { ...d };
  for (const key of ["circle", "symbol", "name", "text", "mark", "rect"]) if (d[key]) out[key] = point(d[key]);
  for (const key of ["points", "dots"]) if (d[key]) out[key] = d[key].map(point);
  if (d.texts) out.texts = d.texts.map(([cls, x, y, ...rest]) => [cls, ...f(x, y), ...rest]);
  if (d.lines) out.lines = d.lines.map((line) => ({ ...line, ...(([x, y]) => ({ x, y }))(f(line.x, line.y)), ...(line.dot ? { dot: point(line.dot) } : {}) }));
  return out;
}

function dotted(it, fx, fy) {
  // A fan-out's dots, each moved as the point of its wires it marks.
  if (!it.d.dots.length) return it;
  const at = it.d.dots.map(([x, y]) => [fx(x), fy(x, y)]);
  const xs = at.map(([x]) => x), ys = at.map(([, y]) => y);
  return { ...it, d: { ...it.d, dots: at }, x0: Math.min(...xs) - 4, y0: Math.min(...ys) - 4, x1: Math.max(...xs) + 4, y1: Math.max(...ys) + 4 };
}

function stitched(route, inner, outOf, into) {
  // The route of a wire out of the unfolded instance `outOf` and/or into `into`: folded
  // outside, unfolded inside (its points from inside come from no folded point: -1).
  let { now, from } = route;
  if (inner) {
    const q = inner.d.points;
    if (outOf) {  // from its gate inside to just past the rectangle's right edge, then as folded
      const edge = outOf.f.x1 + 9;
      const cut = q.findIndex(([x], i) => i > 0 && x > edge);
      const part = (cut < 0 ? q : q.slice(0, cut)).map(([x, y]) => [x + outOf.dx, y + outOf.dy]);
      const after = Math.min(inner.key.startsWith("T|") ? 1 : 2, now.length - 1);  // past the box's outlet and its column (a trunk: its outlet)
      now = [...part, ...now.slice(after)];
      from = [...part.map(() => -1), ...from.slice(after)];
    }
    if (into) {  // as folded to the box's column, then from just before the rectangle to its gate
      const edge = into.f.x0 - 9;
      let start = q.length - 1;
      while (start > 0 && q[start - 1][0] >= edge) start--;
      const keep = now.length > 2 ? now.length - 2 : 1;  // up to the box's column
      const part = q.slice(start).map(([x, y]) => [x + into.dx, y + into.dy]);
      now = [...now.slice(0, keep), ...part];
      from = [...from.slice(0, keep), ...part.map(() => -1)];
    }
  }
  return { was: route.was, now, from };
}

function skirted(route, rooms) {
  // A route that leaves the column of an unfolded instance below its rectangle runs level to
  // past the rectangle before it turns, as a wire leaves any column.
  const { was, now, from } = route;
  const out = { was, now: [now[0]], from: [from[0]] };
  for (let j = 1; j < now.length; j++) {
    const a = from[j - 1] >= 0 && was[from[j - 1]];
    const r = a && rooms.find((q) => a[1] > q.b.y1 && a[0] >= q.left && a[0] < q.x && now[j - 1][0] < q.edge && now[j][0] > q.edge);
    if (r) {
      out.now.push([r.edge, now[j - 1][1]]);
      out.from.push(-1);
    }
    out.now.push(now[j]);
    out.from.push(from[j]);
  }
  return out;
}

function rerouted(it, route) {
  // A wire's item drawn along `route` (its ×n mark at the new end).
  const d = { ...it.d, points: route };
  const [lx, ly] = route[route.length - 1];
  if (d.mark) d.mark = [lx - 10, ly - 6, d.mark[2]];
  const xs = route.map(([x]) => x), ys = route.map(([, y]) => y);
  return { ...it, d, x0: Math.min(...xs) - 8, y0: Math.min(...ys) - 8, x1: Math.max(...xs) + 8, y1: Math.max(...ys) + 8 };
}
