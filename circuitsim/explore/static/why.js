// The gates' rules, for the inspector: a gate's value and local gradients as formulas (written
// with the names of the wires it reads), and the "why" of a node's gradient: the chain rule,
// one product of local gradients per path to the outputs, with the numbers filled in. Both come
// as data in the page (`formulas`, `whys`; see circuitsim.derive.formulas.explain), where the
// circuit is small enough for them to be cheap.

class Rules {
  constructor(data, ask) {
    this.ask = ask || null;  // served: (node) => a promise of its why from the server
    this.asked = new Map();  // node -> its why from the server ({errors} if it failed), or null while asked
    this.formulas = data.formulas || null;  // gate -> {type, ports, inputs, output, grads: {port: text}}
    this.whys = data.whys || null;          // {outputs, factors, nodes}: each node's why (see whyOf)
    this.limits = data.limits || {};
    const p = data.precision === undefined ? 2 : data.precision;
    this.number = (x) => {
      if (typeof x !== "number") return String(x);  // NaN and infinities come as strings
      if (x === 0 || (Math.abs(x) >= 0.01 && Math.abs(x) < 1e7)) return x.toFixed(p);
      return x.toExponential(Math.max(p, 1));
    };
  }

  formulasOf(gate) {
    return this.formulas && this.formulas[gate] ? this.formulas[gate] : null;
  }

  request(node) {
    // Ask the server for `node`'s why (once); a promise that settles when it has come.
    if (!this.ask || this.asked.has(node)) return null;
    this.asked.set(node, null);
    return this.ask(node).then((w) => { this.asked.set(node, w); });
  }

  whyOf(node) {
    // explain()'s data for `node` (circuitsim explain --format json, without LaTeX), or null:
    // the page holds each factor once (see circuitsim.explore.rules.whys).
    const served = this.asked.get(node);
    if (served && !served.errors) return served;
    const w = this.whys && this.whys.nodes[node];
    if (!w) return null;
    const table = this.whys.factors;
    const paths = w.paths.map((p) => ({
      nodes: p.nodes,
      factors: p.ports.map((port, i) => {
        const [formula, local] = table[p.nodes[i + 1]][port];
        return { gate: p.nodes[i + 1], port, wire: p.nodes[i], formula, local };
      }),
      product: p.product,
    }));
    return { node, value: w.value, grad: w.grad, outputs: this.whys.outputs, paths, total_paths: w.total_paths, left_out: w.left_out, sum_shown: w.sum_shown };
  }

  addFormulas(gate, box) {
    // The gate's value and local gradients, one a line: `f = 1.0 / p`, `∂f/∂p = -1.0 / (p * p)`.
    const r = this.formulasOf(gate);
    if (!r) return false;
    const div = tagged("div", "rule");
    div.appendChild(tagged("div", "hint", `its rule (${r.type})`));
    if (r.output === null) {
      div.appendChild(tagged("div", "formula", "(no expressions: its value and local gradients come from its methods)"));
    } else {
      div.appendChild(tagged("div", "formula value", `${gate} = ${r.output}`));
      r.ports.forEach((port, i) => {
        const line = tagged("div", "formula grad", `\u2202${gate}/\u2202${r.inputs[i]} = ${r.grads[port]}`);
        line.title = `the local gradient of port ${port}`;
        div.appendChild(line);
      });
    }
    box.appendChild(div);
    return true;
  }

  addWhy(node, box) {
    // The chain rule for `node`'s gradient, each path a product, the products a sum.
    const w = this.whyOf(node);
    const div = tagged("div", "why");
    div.id = "why-view";
    if (!w) {
      const served = this.asked.get(node);
      const text = served && served.errors ? `the why could not be worked out: ${served.errors.join("; ")}`
        : this.asked.has(node) ? "working out the why\u2026"
          : `the why of a gradient is in the page for circuits of at most ${this.limits.whys} nodes: ` +
            `\`circuitsim explain FILE ${node}\` (or \`circuitsim serve FILE\`) writes it for this one`;
      div.appendChild(tagged("div", "hint", text));
      box.appendChild(div);
      return div;
    }
    const n = this.number;
    const outs = w.outputs.length === 1 ? w.outputs[0] : `(${w.outputs.join(" + ")})`;
    const d = `\u2202${outs}/\u2202${node}`;
    div.appendChild(tagged("h4", "", `why ${d} = ${n(w.grad)}`));
    div.appendChild(tagged("div", "hint", `the chain rule: one product of local gradients per path from ${node} to the outputs (${w.total_paths} path${w.total_paths === 1 ? "" : "s"}), added up`));
    w.paths.forEach((path, i) => {
      const p = tagged("div", "path");
      p.appendChild(tagged("div", "route", `path ${i + 1}: ${path.nodes.join(" \u2192 ")}`));
      const table = document.createElement("table");
      for (const f of path.factors) {
        const row = table.insertRow();
        // as `circuitsim explain` writes it: a formula that is a number is not written twice
        const shown = f.formula === null ? "= (its local_grads)" : isNumber(f.formula) ? "" : `= ${f.formula}`;
        for (const c of [`\u2202${f.gate}/\u2202${f.wire}`, shown, `= ${n(f.local)}`]) row.insertCell().textContent = c;
      }
      if (path.factors.length) p.appendChild(table);
      const numbers = path.factors.map((f) => n(f.local)).join(" \u00d7 ") || "1 (the output itself)";
      p.appendChild(tagged("div", "product", `${numbers}\u00a0=\u00a0${n(path.product)}`));  // the product stays with its last factor
      div.appendChild(p);
    });
    if (w.left_out) {
      div.appendChild(tagged("div", "hint left-out", `${w.left_out} more path${w.left_out === 1 ? "" : "s"} left out; the ${w.paths.length} shown add up to ${n(w.sum_shown)} ` +
        `(\`circuitsim explain FILE ${node} --paths N\` writes more)`));
    }
    const terms = w.left_out ? w.paths.map((p) => n(p.product)).join(" + ") + " + \u2026" : w.paths.map((p) => n(p.product)).join(" + ");
    div.appendChild(tagged("div", "total", `${d} = ${terms} = ${n(w.grad)}`));
    box.appendChild(div);
    return div;
  }
}

function isNumber(text) {
  return text.trim() !== "" && Number.isFinite(Number(text));
}

function tagged(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
