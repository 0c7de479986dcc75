// The inspector: a wire's or a node's value, its gradient and each contribution that made it.
// Hovering shows it; a click pins it (a click on empty space or Escape lets it go).

const inspector = { subject: null, pinned: false };

function subjectOf(target) {
  const el = target && target.closest && target.closest(".wire, .labels, .junction, [data-node], .instance[data-instance]");
  if (!el) return null;
  if (el.hasAttribute("data-node")) return { node: el.getAttribute("data-node"), branch: null, el };
  if (el.classList.contains("instance")) return { node: el.getAttribute("data-instance"), branch: null, el };
  const from = el.getAttribute("data-from");
  return from === null ? null : { node: from, branch: el.getAttribute("data-to"), el };
}

inspector.hover = function (target) {
  if (this.pinned) return;
  const s = subjectOf(target);
  if (s && this.subject && s.el === this.subject.el) return;
  this.show(s);
};

inspector.pin = function (target) {
  const s = subjectOf(target);
  this.pinned = s !== null;
  this.show(s);
};

inspector.unpin = function () {
  this.pinned = false;
  this.show(null);
};

inspector.show = function (s) {
  if (this.subject && this.subject.el) this.subject.el.classList.remove("hover");
  this.subject = s;
  if (s && s.el.classList.contains("wire")) s.el.classList.add("hover");
  this.refresh();
};

inspector.refresh = function () {
  const panel = $("inspect");
  const s = this.subject;
  if (!s || !player.data) {
    panel.hidden = true;
    return;
  }
  panel.hidden = false;
  panel.textContent = "";
  const add = (tag, cls, text) => {
    const el = document.createElement(tag);
    if (cls) el.className = cls;
    if (text !== undefined) el.textContent = text;
    panel.appendChild(el);
    return el;
  };
  const title = s.el.querySelector("title");
  add("h3", "", title ? title.textContent : end(s.node));
  if (s.branch) add("div", "hint", `the wire from ${end(s.node)} to ${s.branch}`);
  const k = player.k;
  const sent = player.sends.get(s.node);
  const later = (i) => (i > k ? ` (at message ${i + 1})` : "");
  const pair = (label, cls, text, note) => {
    const line = add("div", "", label + " ");
    const b = document.createElement("b");
    b.className = cls;
    b.textContent = text;
    line.append(b, note);
  };
  pair("value", "value", sent === undefined ? "\u2014" : amountOf(sent), sent === undefined ? "" : later(sent));
  // Only what has arrived by the message shown: the sum so far, never the final gradient early.
  const gets = player.gets.get(s.node) || [];
  const arrived = gets.filter((i) => i <= k);
  const sofar = arrived.length ? player.sums[arrived[arrived.length - 1]] : null;
  let note = "";
  if (gets.length && !arrived.length) note = "(none arrived yet)";
  else if (arrived.length < gets.length) note = ` so far (${arrived.length} of ${gets.length} arrived)`;
  pair("gradient", "grad", gets.length && !arrived.length ? "" : sofar === null ? "\u2014" : sofar, note);
  if (!gets.length) return;
  const table = add("table", "");
  for (const i of gets) {
    const m = player.steps[i];
    const row = table.insertRow();
    row.className = (i > k ? "later " : "") + (s.branch !== null && m.from === s.branch ? "branch" : "");
    const text = player.texts[i];
    const [up, rest] = text.slice(text.indexOf(": ") + 2).split(" \u00d7 ");
    const from = m.from === null ? "seed" : text.slice(0, text.indexOf(" -> "));
    const cells = i > k
      ? [from, "", "", `at message ${i + 1}`]  // not arrived yet: no number
      : m.from === null
        ? [from, "", "", up]
        : [from, `${up} \u00d7`, ...rest.split(" = ").map((t, j) => (j ? "= " + t : t))];
    for (const c of cells) row.insertCell().textContent = c;
    row.title = `message ${i + 1}`;
  }
  const sum = table.insertRow();
  sum.className = "sum";
  for (const c of [arrived.length < gets.length ? "so far" : "sum", "", "", sofar === null ? "\u2014" : sofar]) sum.insertCell().textContent = c;
  if (gets.length > 1) add("div", "hint", `${gets.length} contributions add up: where a value fans out, the gradients coming back along its branches add.`);
};
