// The numbers on the drawing: each label's value and gradient appear as their messages arrive
// (a fanned-out gradient grows on its trunk message by message), and the value or gradient of
// the message shown travels along its wire.

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
  const colour = getComputedStyle(document.documentElement).getPropertyValue(forward ? "--value" : "--grad").trim();
  const g = document.createElementNS(SVG_NS, "g");
  g.setAttribute("class", "pulse");
  g.innerHTML = `<circle r="5.5" fill="${colour}"/><text${forward ? "" : ' class="grad-cue"'} fill="${colour}" x="8" y="-8"></text>`;
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
