// A wire's labels on a drawing that folding changed (see fold.js).
//
// Each label stays on the segment of its wire the drawing put it on (the data says which, and
// how far along it: `on`), placed by the drawing's own rule (draw.geometry.label_box: the value
// just above, the gradient just below, sliding apart on a slant). Where making room stretched
// that segment or stitched the wire, the label is first tried where it was along it, then slid
// along it to where it covers least of the nodes, labels and wires around it (as
// draw.geometry.Grid prices a place). The sizes and places are the drawing's (its `look`).

function labelAt(a, b, t, width, cls, L) {
  // Where the label goes at t along segment a-b: [x of its middle, baseline].
  const height = L.ascent * L.font;
  const slope = b[0] !== a[0] ? (b[1] - a[1]) / (b[0] - a[0]) : 0;
  const slide = (width / 2) * Math.max(-1, Math.min(1, (slope * width) / (2 * height)));
  const x = a[0] + t * (b[0] - a[0]) + (cls === "value" ? slide : -slide);
  const ys = [yAt(a, b, x - width / 2), yAt(a, b, x + width / 2)];
  return cls === "value" ? [x, Math.min(...ys) - L.gap] : [x, Math.max(...ys) + L.gap + height];
}

function yAt(a, b, x) {
  if (b[0] === a[0]) return (a[1] + b[1]) / 2;
  const t = Math.min(1, Math.max(0, (x - a[0]) / (b[0] - a[0])));
  return a[1] + t * (b[1] - a[1]);
}

function textBox([x, y], width, L) {
  return [x - width / 2, y - L.ascent * L.font, x + width / 2, y + 1];
}

function written(it, at, L) {
  // The label `it` with its texts at `at` ([x, baseline] each), and the box they cover.
  const texts = it.d.texts.map(([cls, , , text, width], i) => [cls, at[i][0], at[i][1], text, width]);
  const boxes = texts.map(([, x, y, , width]) => textBox([x, y], width, L));
  const cover = boxes.reduce((u, b) => [Math.min(u[0], b[0]), Math.min(u[1], b[1]), Math.max(u[2], b[2]), Math.max(u[3], b[3])]);
  return { ...it, d: { ...it.d, texts }, x0: cover[0], y0: cover[1], x1: cover[2], y1: cover[3] };
}

function relabelled(it, route, shift, L) {
  // The labels of a wire that `route` moved (route.was, folded; .now, as drawn; .from, the
  // folded point each point of .now is, or -1), on the segment they were on, as far along it.
  const { was, now, from } = route;
  const texts = it.d.texts;
  const on = texts.length && it.d.on ? { i: it.d.on[0], t: it.d.on[1] } : null;
  let j = on ? from.findIndex((p, k) => p === on.i && from[k + 1] === on.i + 1) : -1;
  if (on && j < 0) j = from.findIndex((p, k) => k > 0 && p === on.i + 1) - 1;  // its start was replaced
  if (on && j < 0) j = from.findIndex((p, k) => p === on.i && k + 1 < from.length);  // its end was replaced
  let t = on ? on.t : 0.5, bent = true;
  if (j >= 0) {
    const [pa, pb] = [was[on.i], was[on.i + 1]], [a, b] = [now[j], now[j + 1]];
    bent = Math.abs(b[0] - a[0] - (pb[0] - pa[0])) > 0.5 || Math.abs(b[1] - a[1] - (pb[1] - pa[1])) > 0.5;
  } else {  // its segment is gone (a wire stitched at both ends): the longest one, as the drawing starts
    const length = (k) => (now[k + 1][0] > now[k][0] ? Math.hypot(now[k + 1][0] - now[k][0], now[k + 1][1] - now[k][1]) : -1);
    for (let k = 0; k + 1 < now.length; k++) if (j < 0 || length(k) > length(j)) j = k;
    if (!texts.length || j < 0 || length(j) < 0) return shift(it);
    t = 0.5;
  }
  const a = now[j], b = now[j + 1];
  const item = written(it, texts.map(([cls, , , , width]) => labelAt(a, b, t, width, cls, L)), L);
  return bent ? { ...item, bent: { a, b, t } } : item;
}

// -- where a stretched label covers least --------------------------------------------------------

const SPOT = 64;  // picture units per side of a cell of the grid of what is drawn

function settled(items, L) {
  // `items`, each label that was bent (its segment stretched) slid along its segment to the
  // place of the drawing's that covers least of what is around it.
  const bent = items.filter((it) => it.bent);
  if (!bent.length) return items;
  const boxes = new Map(), segments = new Map();
  const cells = (x0, y0, x1, y1, each) => {
    for (let i = Math.floor(x0 / SPOT); i <= Math.floor(x1 / SPOT); i++) for (let j = Math.floor(y0 / SPOT); j <= Math.floor(y1 / SPOT); j++) each(i + "," + j);
  };
  const file = (map, x0, y0, x1, y1, thing) => cells(x0, y0, x1, y1, (c) => (map.get(c) || map.set(c, []).get(c)).push(thing));
  const addBox = (b) => file(boxes, ...b, b);
  for (const it of items) {
    if (it.layer === "nodes" && it.d.kind !== "junction") addBox([it.x0, it.y0, it.x1, it.y1]);  // not a fan-out's dots, on its wires
    else if (it.layer === "labels" && !it.bent) it.d.texts.forEach(([, x, y, , width]) => addBox(textBox([x, y], width, L)));
    else if (it.layer === "wires") {
      const p = it.d.points;
      for (let i = 0; i + 1 < p.length; i++) {
        const a = p[i], b = p[i + 1];
        file(segments, Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1]), { key: it.key, a, b });
      }
    }
  }
  const cost = (b, key) => {  // draw.geometry.Grid.cost
    const c = L.clear, near = [b[0] - c, b[1] - c, b[2] + c, b[3] + c];
    const seen = new Set();
    let sum = 0;
    cells(...near, (cell) => {
      for (const o of boxes.get(cell) || []) if (!seen.has(o)) { seen.add(o); sum += 4 * overlap(o, b) + 0.5 * overlap(o, near); }
      for (const s of segments.get(cell) || []) {
        if (seen.has(s) || s.key === key) continue;
        seen.add(s);
        sum += crosses(b, s.a, s.b) ? 100 : crosses(near, s.a, s.b) ? 15 : 0;
      }
    });
    return sum;
  };
  const out = new Map();
  for (const it of bent) {
    const { a, b, t } = it.bent, texts = it.d.texts, key = it.key.slice(1);
    const places = it.d.kind.includes("branch") ? L.branch_places : L.places;
    let best = null;
    for (const place of [t, ...places]) {
      const at = texts.map(([cls, , , , width]) => labelAt(a, b, place, width, cls, L));
      const price = at.reduce((s, q, i) => s + cost(textBox(q, texts[i][4], L), key), 0);
      if (!best || price < best.price) best = { price, at };
      if (price < 1) break;
    }
    best.at.forEach((q, i) => addBox(textBox(q, texts[i][4], L)));
    out.set(it, written(it, best.at, L));
  }
  return items.map((it) => out.get(it) || it);
}

function overlap(p, q) {
  const w = Math.min(p[2], q[2]) - Math.max(p[0], q[0]), h = Math.min(p[3], q[3]) - Math.max(p[1], q[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

function crosses(box, a, b) {
  // Whether segment a-b passes through the box (draw.geometry.Box.crosses).
  const dx = b[0] - a[0], dy = b[1] - a[1];
  let lo = 0, hi = 1;
  for (const [p, q] of [[-dx, a[0] - box[0]], [dx, box[2] - a[0]], [-dy, a[1] - box[1]], [dy, box[3] - a[1]]]) {
    if (p === 0) {
      if (q < 0) return false;
    } else {
      const r = q / p;
      if (p < 0) lo = Math.max(lo, r);
      else hi = Math.min(hi, r);
      if (lo > hi) return false;
    }
  }
  return true;
}
