// `circuitsim serve`: the page follows its file and lets the inputs be edited.
//
// The server says on /events (server-sent events) when the file has changed; the page then asks
// /data again (POST, with the inputs edited here) and shows the new run, or the file's errors
// above the last picture that ran. The inputs panel sits beside the picture and folds away.

const MAX_INPUT_FIELDS = 200;

class Live {
  constructor(panel, stage, drawing, player) {
    this.panel = panel;
    this.stage = stage;
    this.drawing = drawing;
    this.player = player;
    this.overrides = {};  // inputs edited here
    this.values = {};
    this.filter = "";
    this.busy = null;
    this.version = 0;     // how many runs the server has sent since the page opened
  }

  start(data) {
    if (data.inputs) this.inputs(data.inputs);
    const events = new EventSource("events");
    events.addEventListener("change", () => this.rerun());
    let opened = false;
    events.addEventListener("open", () => { if (opened) this.rerun(); opened = true; });  // the server came back
  }

  async rerun() {
    const request = (this.busy = fetch("data", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ set: this.overrides }),
    }));
    let data;
    try {
      const response = await request;
      data = await response.json();
    } catch (err) {
      data = { errors: [`the server did not answer: ${err}`] };
    }
    if (request !== this.busy) return; // a newer run was asked for meanwhile
    this.player.load(data);
    if (data.inputs) this.inputs(data.inputs);
    this.version += 1;
  }

  async why(node) {
    // The why of `node`'s gradient, worked out by the server for the inputs shown (a page too
    // big to carry every node's): explain()'s data, or {errors}.
    try {
      const response = await fetch("why", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ node, set: this.overrides }),
      });
      return await response.json();
    } catch (err) {
      return { errors: [`the server did not answer: ${err}`] };
    }
  }

  inputs(values) {
    this.values = values;
    const panel = this.panel;
    panel.hidden = false;
    this.stage.classList.add("side");  // the panel beside the picture, not over it
    const names = Object.keys(values);
    if (!panel.firstChild) {
      panel.innerHTML = '<h3><button type="button" class="fold" title="Fold the inputs away" aria-label="fold the inputs" aria-expanded="true">\u2039</button> <span>inputs</span></h3>';
      this.button = panel.querySelector("button.fold");
      this.button.id = "inputs-fold";
      this.button.addEventListener("click", (e) => { this.fold(!this.stage.classList.contains("folded")); e.currentTarget.blur(); });
      if (names.length > 12) {
        const filter = document.createElement("input");
        filter.type = "search";
        filter.className = "filter";
        filter.placeholder = `filter ${names.length} inputs`;
        filter.addEventListener("input", () => { this.filter = filter.value.trim().toLowerCase(); this.fields(); });
        panel.appendChild(filter);
      }
      const list = document.createElement("div");
      list.className = "fields";
      panel.appendChild(list);
    }
    this.fields();
  }

  fold(folded) {
    // Fold the inputs panel to a narrow strip at the picture's left, or open it again.
    this.stage.classList.toggle("folded", folded);
    const button = this.button;
    button.textContent = folded ? "\u203a" : "\u2039";
    button.title = folded ? "Show the inputs" : "Fold the inputs away";
    button.setAttribute("aria-label", folded ? "show the inputs" : "fold the inputs");
    button.setAttribute("aria-expanded", String(!folded));
    this.drawing.setBox(this.drawing.box);  // the picture's room changed: draw what is now in sight
  }

  fields() {
    const list = this.panel.querySelector(".fields");
    list.textContent = "";
    const names = Object.keys(this.values).filter((n) => n.toLowerCase().includes(this.filter));
    for (const name of names.slice(0, MAX_INPUT_FIELDS)) {
      const label = document.createElement("label");
      label.textContent = name;
      const field = document.createElement("input");
      field.type = "number";
      field.step = "any";
      field.name = name;
      const value = name in this.overrides ? this.overrides[name] : this.values[name];
      field.value = typeof value === "number" ? String(value) : "";
      field.addEventListener("change", () => {
        if (field.value === "" || !isFinite(Number(field.value))) {
          delete this.overrides[name];
        } else {
          this.overrides[name] = Number(field.value);
        }
        this.rerun();
      });
      label.appendChild(field);
      list.appendChild(label);
    }
    if (names.length > MAX_INPUT_FIELDS) {
      const more = document.createElement("div");
      more.className = "more";
      more.textContent = `${names.length - MAX_INPUT_FIELDS} more: filter to find them`;
      list.appendChild(more);
    }
  }
}
