// The messages of both passes (or of a forward-mode run, `explore --tangent`), from the
// page's columns.
//
// `steps` are made exactly as `circuitsim trace --format jsonl` writes them, and each
// message's text is written by the trace's own formatter (it comes in the data). The
// messages also know what each node sent and received, for the inspector.

const PASS_NAMES = { f: "forward", b: "backward", t: "tangent" };

class Messages {
  constructor(data) {
    const t = data.trace;
    this.constants = data.constants;
    this.names = data.names;
    this.texts = t.text;
    this.mode = data.mode || "backprop";  // "tangent": a forward-mode run, values and tangents
    this.values = data.values || null;    // its values by node, as written (forward mode only)
    const n = t.pass.length;
    this.steps = new Array(n);
    this.sums = new Array(n).fill(null);  // each backward message's sum so far, written as the drawing does
    this.sends = new Map();  // node -> index of its first forward message
    this.gets = new Map();   // node -> indices of the backward messages it receives
    const name = (table, i) => (i < 0 ? null : table[i]);
    let f = 0, b = 0;
    for (let k = 0; k < n; k++) {
      const m = { step: k + 1, pass: PASS_NAMES[t.pass[k]], from: name(t.names, t.from[k]), to: name(t.names, t.to[k]), port: name(t.ports, t.port[k]) };
      if (t.pass[k] === "t") {
        // tangent × local = contribution, sent to port `port` of `to`; `total`: its tangent so far
        for (const key of ["value", "tangent", "local", "contribution", "total"]) m[key] = t[key][f];
        this.sums[k] = t.sum[f++];
        if (m.from !== null && !this.sends.has(m.from)) this.sends.set(m.from, k);
        if (m.to !== null) {
          if (!this.gets.has(m.to)) this.gets.set(m.to, []);
          this.gets.get(m.to).push(k);
        }
      } else if (t.pass[k] === "f") {
        m.value = t.value[f++];
        if (!this.sends.has(m.from)) this.sends.set(m.from, k);
      } else {
        m.upstream = t.upstream[b];
        m.local = t.local[b];
        m.contribution = t.contribution[b];
        m.total = t.total[b];
        this.sums[k] = t.sum[b++];
        if (!this.gets.has(m.to)) this.gets.set(m.to, []);
        this.gets.get(m.to).push(k);
      }
      this.steps[k] = m;
    }
  }

  get length() {
    return this.steps.length;
  }

  end(name) {
    // A node's name, or a constant's value.
    return name in this.constants ? this.constants[name] : name;
  }

  amountOf(k) {
    // The number message k carries, as its text writes it (its last word).
    const text = this.texts[k];
    return text.slice(text.lastIndexOf(" ") + 1);
  }

  value(name) {
    // A node's value as written (forward mode, where every message carries the value too), or null.
    return this.values && name in this.values ? this.values[name] : null;
  }

  detail(k, sum) {
    // What message k does, in words (`sum`: the gradient so far as it may be shown).
    const m = this.steps[k];
    if (m.pass === "tangent") {
      const head = `message ${k + 1} of ${this.steps.length} \u00b7 forward mode`;
      if (m.from === null) return `${head} \u00b7 input ${m.to} is given its tangent`;
      if (m.to === null) return `${head} \u00b7 the tangent of output ${m.from} leaves the circuit`;
      return `${head} \u00b7 ${this.end(m.from)} sends its tangent \u00d7 the local gradient of port ${m.port} of ${m.to}` +
        ` \u00b7 tangent of ${m.to} so far: ${this.sums[k]}`;
    }
    const head = `message ${k + 1} of ${this.steps.length} \u00b7 ${m.pass} pass`;
    if (m.pass === "forward") {
      if (m.to === null) return `${head} \u00b7 the value of output ${m.from} leaves the circuit`;
      return `${head} \u00b7 ${this.end(m.from)} sends its value to port ${m.port} of ${m.to}`;
    }
    if (m.from === null) return `${head} \u00b7 output ${m.to} is seeded with its upstream gradient`;
    return `${head} \u00b7 ${m.from} sends back upstream gradient \u00d7 local gradient of port ${m.port}` +
      ` \u00b7 gradient of ${this.end(m.to)} so far: ${sum === undefined ? this.sums[k] : sum}`;
  }
}
