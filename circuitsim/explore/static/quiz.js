// A quiz: the page hides some numbers (each gate's value at its first message, each gradient
// a gate sends back) and asks for each as its message arrives. The learner types a number; it
// is right within the data's tolerances (relative, and absolute for numbers near 0), else the
// page gives the hint written for that message (the gate's local rule and the numbers it
// multiplies). Playing stops at a question not yet answered; a number shows once answered
// right or shown. The score counts the questions answered right at the first try.

class Quiz {
  constructor(q, els, changed) {
    this.q = q;              // at, answers, hints, masked, relative, absolute (see circuitsim.explore.quiz)
    this.els = els;
    this.changed = changed;  // called when a question is solved: its numbers may be shown now
    this.messages = null;
    this.index = new Map(q.at.map((k, i) => [k, i]));
    this.solved = new Set(); // questions answered right, or shown
    this.first = new Map();  // question -> whether its first answer was right
    this.k = -1;
    this.said = null;        // what the panel says about the answer to message `said.k`
  }

  asks(k) {
    return this.index.has(k);
  }

  question(k) {
    // The question whose answer message k's numbers give away, or -1.
    const m = this.messages.steps[k];
    const q = m.pass === "forward" ? this.messages.sends.get(m.from) : k;
    return q !== undefined && this.index.has(q) ? q : -1;
  }

  hides(k) {
    const q = this.question(k);
    return q >= 0 && !this.solved.has(q);
  }

  waiting(k) {
    return this.asks(k) && !this.solved.has(k);
  }

  nextWaiting(from, to) {
    for (let k = from; k <= to; k++) if (this.waiting(k)) return k;
    return -1;
  }

  masked(k) {
    // Message k's text with its hidden numbers as "?" (a gradient sent back: its upstream too,
    // while a question that makes that upstream is open).
    const m = this.messages.steps[k];
    if (this.asks(k) && m.pass === "backward" && (this.messages.gets.get(m.from) || []).some((i) => this.hides(i))) {
      return this.q.masked[this.index.get(k)].replace(/: \S+ \u00d7 /, ": ? \u00d7 ");
    }
    if (this.asks(k)) return this.q.masked[this.index.get(k)];
    const text = this.messages.texts[k];
    return text.slice(0, text.indexOf(": ") + 2) + "?";
  }

  answer(k, number) {
    // Check `number` as the answer to message k: {correct, hint}.
    k = Number(k);
    if (!this.asks(k)) return { correct: false, hint: `message ${k + 1} asks for nothing: its numbers are shown` };
    const x = typeof number === "number" ? number : Number(String(number).trim().replace("\u2212", "-"));
    if (String(number).trim() === "" || !Number.isFinite(x)) return { correct: false, hint: "type a number, such as -0.20" };
    const i = this.index.get(k);
    const near = (t) => t !== null && Math.abs(x - t) <= Math.max(this.q.relative * Math.abs(t), this.q.absolute);
    const correct = near(this.q.answers[i][0]) || near(this.q.answers[i][1]);
    if (!this.first.has(k)) this.first.set(k, correct);
    const result = { correct, hint: correct ? "" : this.q.hints[i] };
    this.said = { k, text: correct ? `right: ${this.messages.amountOf(k)}` : `not quite: ${result.hint}`, right: correct };
    if (correct) this.solve(k);
    else if (k === this.k) this.show(k);
    return result;
  }

  reveal(k) {
    // Show the answer to message k (it counts as asked, not as right).
    if (!this.asks(k)) return;
    if (!this.first.has(k)) this.first.set(k, false);
    this.said = { k, text: `the answer: ${this.messages.amountOf(k)}`, right: false };
    this.solve(k);
  }

  solve(k) {
    this.solved.add(k);
    this.changed(k);  // shows the message again, and this panel with it
  }

  get score() {
    let right = 0;
    for (const ok of this.first.values()) right += ok ? 1 : 0;
    return { right, asked: this.first.size, questions: this.q.at.length };
  }

  // -- the panel -----------------------------------------------------------------------------------

  show(k) {
    // The panel for message k: its question if it asks one, and the score.
    this.k = k;
    const els = this.els;
    els.quiz.hidden = false;
    const m = this.messages.steps[k];
    const asks = this.asks(k);
    const open = asks && !this.solved.has(k);
    els.quizAsk.textContent = !asks
      ? this.nextWaiting(k + 1, this.messages.length - 1) >= 0 ? "no question here: step on to the next" : "no question here"
      : m.pass === "forward"
        ? `What value does ${m.from} send?`
        : `What gradient does ${m.from} send back to ${this.messages.end(m.to)} (upstream \u00d7 local)?`;
    els.quizAnswer.disabled = !open;
    els.quizCheck.disabled = !open;
    els.quizShow.disabled = !open;
    if (this.said === null || this.said.k !== k) {
      els.quizAnswer.value = "";
      els.quizResult.textContent = asks && this.solved.has(k) ? `right: ${this.messages.amountOf(k)}` : "";
      els.quizResult.className = asks && this.solved.has(k) ? "right" : "";
    } else {
      els.quizResult.textContent = this.said.text;
      els.quizResult.className = this.said.right ? "right" : "wrong";
    }
    const s = this.score;
    els.quizScore.textContent = `score: ${s.right} right at the first try of ${s.asked} answered \u00b7 ${s.questions} questions`;
  }

  focus() {
    if (!this.els.quizAnswer.disabled) this.els.quizAnswer.focus();
  }

  bind() {
    this.els.quiz.addEventListener("submit", (e) => {
      e.preventDefault();
      this.answer(this.k, this.els.quizAnswer.value);
    });
    this.els.quizShow.addEventListener("click", () => this.reveal(this.k));
  }
}
