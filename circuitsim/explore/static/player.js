// The player: the messages of both passes, one at a time, on the drawing.
//
// Showing message k highlights its wire and gates, writes its text in #message, and shows on
// the drawing every number sent up to k (the rest are hidden until their message comes). It
// plays, steps and answers keys; it loads a payload (the page's own, or a new one from the
// server) into the drawing and the inspector it is given.

const ICONS = {
  play: '<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="M4 2v12l10-6z" fill="currentColor"/></svg>',
  pause: '<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="M3 2h4v12H3zM9 2h4v12H9z" fill="currentColor"/></svg>',
};

class Player {
  constructor(els, drawing, inspector, quiz) {
    this.els = els;  // the page's elements, by id
    this.drawing = drawing;
    this.inspector = inspector;
    this.quiz = quiz;  // a quiz page's questions (see quiz.js), or null
    this.data = null;  // the payload: trace, views, constants, names, inputs, precision
    this.messages = null;
    this.k = -1;       // the message shown
    this.playing = false;
    this.speed = 2;    // messages per second
    this.clock = null;
    this.askWhy = null;  // served: asks the server for a node's why (see live.js)
  }

  get steps() {
    return this.messages ? this.messages.steps : [];
  }

  // -- showing message k -------------------------------------------------------------------------

  goto(k, animate) {
    const ms = this.messages;
    const n = ms ? ms.length : 0;
    if (!n) return;
    k = Math.max(0, Math.min(n - 1, Math.round(Number(k)) || 0));
    const m = ms.steps[k];
    this.drawing.reveal(k);
    this.k = k;
    const hidden = this.quiz !== null && this.quiz.hides(k);
    const text = this.els.message;
    text.textContent = hidden ? this.quiz.masked(k) : ms.texts[k];
    text.className = m.pass;
    this.els.detail.textContent = ms.detail(k, hidden ? "?" : undefined);
    this.els.slider.value = String(k);
    this.els.counter.textContent = `${k + 1} / ${n}`;
    const route = this.drawing.highlight(m);
    this.offstage(m, route);
    if (animate) this.drawing.pulse(route, m, this.pulseMillis(), hidden ? "?" : ms.amountOf(k));
    this.drawing.follow(route, this.els.follow.checked);
    this.inspector.refresh(k);
    if (this.quiz) this.quiz.show(k);
  }

  offstage(m, route) {
    // A message whose wire is outside the part drawn (a big circuit's window) says so.
    const note = this.els.offstage;
    const away = route.wires.length ? [] : [m.from, m.to].filter((name) => name !== null && !this.drawing.node(name));
    note.hidden = !away.length;
    if (away.length) {
      const names = away.map((name) => this.messages.end(name));
      note.textContent = `not drawn: ${names.join(" and ")} ${names.length > 1 ? "are" : "is"} outside the part of the circuit drawn, ` +
        `so this message is not on the picture (explore --around ${away[0]} draws around it)`;
    }
  }

  refresh() {
    // Show the message shown again (a question was answered: its numbers may be shown now).
    this.drawing.repaint(this.k);
    this.goto(this.k, false);
  }

  step(delta) {
    this.pause();
    this.goto(this.k + delta, Math.abs(delta) === 1);
  }

  pulseMillis() {
    return Math.min(600, 850 / this.speed);
  }

  // -- playing -----------------------------------------------------------------------------------

  play() {
    const n = this.steps.length;
    if (!n) return;
    if (this.k >= n - 1) this.goto(0);
    this.playing = true;
    this.setPlayButton(true);
    let last = performance.now();
    let due = 1;  // the first message at once
    const tick = (now) => {
      if (!this.playing) return;
      due += ((now - last) / 1000) * this.speed;
      last = now;
      if (due >= 1) {
        const ahead = Math.floor(due);
        due -= ahead;
        const stop = this.quiz ? this.quiz.nextWaiting(this.k + 1, this.k + ahead) : -1;  // a question stops the player
        this.goto(stop >= 0 ? stop : this.k + ahead, ahead === 1 || stop >= 0);
        if (stop >= 0) {
          this.pause();
          return this.quiz.focus();
        }
        if (this.k >= n - 1) return this.pause();
      }
      this.clock = requestAnimationFrame(tick);
    };
    this.clock = requestAnimationFrame(tick);
  }

  pause() {
    this.playing = false;
    if (this.clock !== null) cancelAnimationFrame(this.clock);
    this.clock = null;
    this.setPlayButton(false);
  }

  toggle() {
    this.playing ? this.pause() : this.play();
  }

  setPlayButton(playing) {
    const button = this.els.play;
    button.innerHTML = playing ? ICONS.pause : ICONS.play;
    button.classList.toggle("on", playing);
    button.setAttribute("aria-label", playing ? "pause" : "play");
  }

  // -- controls and keys -------------------------------------------------------------------------

  bind() {
    const els = this.els;
    const click = (el, action) => el.addEventListener("click", (e) => { action(); e.currentTarget.blur(); });
    click(els.first, () => { this.pause(); this.goto(0); });
    click(els.back, () => this.step(-1));
    click(els.play, () => this.toggle());
    click(els.forward, () => this.step(1));
    click(els.last, () => { this.pause(); this.goto(this.steps.length - 1); });
    els.slider.addEventListener("input", (e) => { this.pause(); this.goto(e.target.value); });
    els.speed.addEventListener("change", (e) => { this.speed = Number(e.target.value); e.target.blur(); });
    document.addEventListener("keydown", (e) => this.onKey(e));
    document.addEventListener("keyup", (e) => { if (e.key === " " && !typing(e)) e.preventDefault(); });
  }

  onKey(e) {
    if (e.key === "Escape") { this.inspector.unpin(); e.target.blur && e.target.blur(); return; }
    if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
    const big = e.shiftKey ? 10 : 1;
    const keys = {
      ArrowRight: () => this.step(big), ArrowDown: () => this.step(big), ArrowLeft: () => this.step(-big), ArrowUp: () => this.step(-big),
      " ": () => this.toggle(), Home: () => { this.pause(); this.goto(0); }, End: () => { this.pause(); this.goto(this.steps.length - 1); },
      f: () => this.drawing.fit(), "/": () => this.els.search.focus(),
    };
    const action = keys[e.key];
    if (action) {
      e.preventDefault();
      action();
    }
  }

  // -- loading a payload -------------------------------------------------------------------------

  load(data) {
    // Show `data`; false if it holds errors (shown above the last picture that ran, if any).
    const els = this.els;
    const errors = data.errors || [];
    if (errors.length && (this.data || !data.trace)) {  // keep the picture shown, if any
      this.showErrors(errors);
      return false;
    }
    els.warnings.hidden = !(data.warnings || []).length;
    els.warnings.textContent = (data.warnings || []).map((w) => "warning: " + w).join("\n");
    const keep = this.data !== null;
    this.pause();
    this.data = data;
    this.messages = new Messages(data);
    this.inspector.messages = this.messages;
    this.inspector.rules = new Rules(data, this.askWhy);
    this.showLegend();
    if (this.quiz) this.quiz.messages = this.messages;
    els.name.textContent = data.circuit;
    document.title = `${data.circuit} \u00b7 circuitsim explorer`;
    els.slider.max = String(Math.max(0, this.messages.length - 1));
    els.names.textContent = "";
    for (const name of data.names) els.names.appendChild(new Option(name));
    const k = keep ? this.k : 0;
    this.drawing.load(data.views, this.messages, keep);
    this.k = -1;
    this.goto(Math.min(k, this.messages.length - 1));
    this.showErrors(errors);  // a page opened on a broken file shows the last run that worked
    return !errors.length;
  }

  showLegend() {
    // Which number on a wire is which: forward mode labels tangents where gradients would be.
    const tangent = this.messages.mode === "tangent";
    const legend = this.els.legend;
    legend.textContent = "";
    const part = (cls, text) => {
      const span = document.createElement("span");
      span.className = cls;
      span.textContent = text;
      legend.appendChild(span);
    };
    part("", tangent ? "forward mode \u00b7 on each wire: " : "on each wire: ");
    part("value", "value above");
    part("", ", ");
    part("grad", tangent ? "tangent below (its derivative along the tangents given; 0 where none reaches)" : "gradient below");
  }

  showErrors(errors) {
    const box = this.els.errors;
    box.hidden = !errors.length;
    box.textContent = errors.join("\n");
    if (errors.length && this.data) {
      const note = document.createElement("div");
      note.className = "note";
      note.textContent = "The picture below is the last one that ran; fix the file and save it to update.";
      box.appendChild(note);
    }
  }

  // -- folding, which also lets the inspector go and shows the message again ------------------------

  fold(instances, unfold) {
    if (!this.drawing.fold(instances, unfold)) return;
    this.inspector.unpin();
    if (this.k >= 0) this.drawing.highlight(this.steps[this.k]);
    this.inspector.refresh(this.k);
  }

  foldAll() {
    const all = this.drawing.instances();
    this.fold(all, this.drawing.unfolded.size < all.length);
  }
}

function typing(e) {
  const t = e.target;
  return t && (t.tagName === "INPUT" && t.type !== "range" && t.type !== "checkbox" || t.tagName === "TEXTAREA" || t.tagName === "SELECT");
}
