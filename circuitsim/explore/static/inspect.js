// The inspector: a wire's or a node's value, its gradient and each contribution that made it,
// as far as they have arrived by the message shown. Hovering shows it; a click pins it (a
// click on empty space or Escape lets it go). A gate's inspector also shows its rule as
// formulas; a pinned wire or node offers "why": its gradient as the chain rule (see why.js).
// In forward mode (`explore --tangent`) it shows the value and the tangent and the
// contributions to the tangent.

class Inspector {
  constructor(panel, hides) {
    this.panel = panel;
    this.subject = null;
    this.pinned = false;
    this.messages = null;
    this.rules = null;     // the gates' formulas and the nodes' whys (see why.js)
    this.whyOpen = null;   // the node whose why is shown
    this.k = -1;
    this.hides = hides;  // whether message k's numbers are hidden (a quiz's questions)
  }

  static subjectOf(target) {
    const el = target && target.closest && target.closest(".wire, .labels, .junction, [data-node], .instance[data-instance]");
    if (!el) return null;
    if (el.hasAttribute("data-node")) return { node: el.getAttribute("data-node"), branch: null, el };
    if (el.classList.contains("instance")) return { node: el.getAttribute("data-instance"), branch: null, el };
    const from = el.getAttribute("data-from");
    return from === null ? null : { node: from, branch: el.getAttribute("data-to"), el };
  }

  hover(target) {
    if (this.pinned) return;
    const s = Inspector.subjectOf(target);
    if (s && this.subject && s.el === this.subject.el) return;
    this.show(s);
  }

  pin(target) {
    const s = Inspector.subjectOf(target);
    this.pinned = s !== null;
    this.show(s);
  }

  unpin() {
    this.pinned = false;
    this.show(null);
  }

  show(s) {
    if (this.subject && this.subject.el) this.subject.el.classList.remove("hover");
    if (!s || !this.subject || s.node !== this.subject.node) this.whyOpen = null;
    this.subject = s;
    if (s && s.el.classList.contains("wire")) s.el.classList.add("hover");
    this.refresh(this.k);
  }

  refresh(k) {
    this.k = k;
    const panel = this.panel;
    const s = this.subject;
    const ms = this.messages;
    if (!s || !ms) {
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
    add("h3", "", title ? title.textContent : ms.end(s.node));
    if (s.branch) add("div", "hint", `the wire from ${ms.end(s.node)} to ${s.branch}`);
    const sent = ms.sends.get(s.node);
    const later = (i) => (i > k ? ` (at message ${i + 1})` : "");
    const pair = (label, cls, text, note) => {
      const line = add("div", "", label + " ");
      const b = document.createElement("b");
      b.className = cls;
      b.textContent = text;
      line.append(b, note);
    };
    const tangent = ms.mode === "tangent";
    if (tangent) pair("value", "value", ms.value(s.node) === null ? "\u2014" : ms.value(s.node), "");
    else pair("value", "value", sent === undefined ? "\u2014" : this.hides(sent) ? "?" : ms.amountOf(sent), sent === undefined ? "" : later(sent));
    // Only what has arrived by the message shown: the sum so far, never the final gradient early.
    const gets = ms.gets.get(s.node) || [];
    const arrived = gets.filter((i) => i <= k);
    const last = arrived[arrived.length - 1];
    const sofar = !arrived.length ? null : arrived.some((i) => this.hides(i)) ? "?" : ms.sums[last];
    let note = "";
    if (gets.length && !arrived.length) note = "(none arrived yet)";
    else if (arrived.length < gets.length) note = ` so far (${arrived.length} of ${gets.length} arrived)`;
    const none = tangent ? "0 (no tangent reaches it)" : "\u2014";
    pair(tangent ? "tangent" : "gradient", "grad", gets.length && !arrived.length ? "" : sofar === null ? none : sofar, note);
    if (gets.length) this.contributions(s, k, gets, arrived, sofar, add, tangent);
    this.addRules(s, add);
    this.addWhy(s, add);
  }

  contributions(s, k, gets, arrived, sofar, add, tangent) {
    const ms = this.messages;
    const table = add("table", "");
    for (const i of gets) {
      const m = ms.steps[i];
      const row = table.insertRow();
      row.className = (i > k ? "later " : "") + (s.branch !== null && m.from === s.branch ? "branch" : "");
      const text = ms.texts[i];
      const [up, rest] = text.slice(text.indexOf(": ") + 2).split(" \u00d7 ");
      const from = m.from === null ? (tangent ? "given" : "seed") : text.slice(0, text.indexOf(" -> "));
      const cells = i > k
        ? [from, "", "", `at message ${i + 1}`]  // not arrived yet: no number
        : m.from === null
          ? [from, "", "", up]
          : this.hides(i)
            ? [from, `${up} \u00d7`, "?", "= ?"]
            : [from, `${up} \u00d7`, ...rest.split(" = ").map((t, j) => (j ? "= " + t : t))];
      for (const c of cells) row.insertCell().textContent = c;
      row.title = `message ${i + 1}`;
    }
    const sum = table.insertRow();
    sum.className = "sum";
    for (const c of [arrived.length < gets.length ? "so far" : "sum", "", "", sofar === null ? "\u2014" : sofar]) sum.insertCell().textContent = c;
    if (gets.length > 1) {
      add("div", "hint", tangent
        ? `${gets.length} contributions add up: a gate's tangent is the sum over its inputs of tangent \u00d7 local gradient.`
        : `${gets.length} contributions add up: where a value fans out, the gradients coming back along its branches add.`);
    }
  }

  addRules(s, add) {
    // A gate's formulas, when the gate itself (not a wire) is hovered or pinned.
    if (!this.rules || !s.el.hasAttribute("data-node")) return;
    this.rules.addFormulas(s.node, this.panel);
  }

  addWhy(s, add) {
    // A pinned subject offers its why; open, the why is shown (after the numbers).
    if (!this.rules || !this.pinned || s.node in this.messages.constants) return;
    if (this.whyOpen !== s.node) {
      const button = add("button", "why-button", "why? (the chain rule)");
      button.type = "button";
      button.title = `the gradient of ${s.node} as the chain rule over its paths to the outputs, with the numbers filled in`;
      button.addEventListener("click", (e) => { e.stopPropagation(); this.openWhy(s.node); });
      return;
    }
    this.rules.addWhy(s.node, this.panel);
  }

  openWhy(node) {
    this.whyOpen = node;
    const asked = this.rules.whyOf(node) ? null : this.rules.request(node);  // served: the server works it out
    if (asked) asked.then(() => { if (this.whyOpen === node) this.refresh(this.k); });
    this.refresh(this.k);
  }
}
