// The player: the messages of both passes, one at a time, on the drawing.
//
// The page carries the messages as columns; `steps` are made from them, exactly as
// `circuitsim trace --format jsonl` writes them, and each message's text is written by the
// trace's own formatter. Showing message k highlights its wire and gates, writes its text in
// #message, and shows on the drawing every number sent up to k (the rest are hidden until
// their message comes).

const $ = (id) => document.getElementById(id);

const player = {
  data: null,       // the payload: trace, views, constants, names, inputs, precision
  steps: [],        // the messages, as the trace writes them
  texts: [],        // each message's text, as the trace writes it
  sums: [],         // each backward message's sum so far, written as the drawing does
  k: -1,            // the message shown
  playing: false,
  speed: 2,         // messages per second
  sends: null,      // node -> index of its first forward message
  gets: null,       // node -> indices of the backward messages it receives
};

// -- the messages, from the page's columns ------------------------------------------------------

function expandSteps(t) {
  // The messages as `circuitsim trace --format jsonl` writes them, and each backward one's sum.
  const n = t.pass.length;
  const steps = new Array(n);
  const sums = new Array(n).fill(null);
  const name = (table, i) => (i < 0 ? null : table[i]);
  let f = 0, b = 0;
  for (let k = 0; k < n; k++) {
    const m = { step: k + 1, pass: t.pass[k] === "f" ? "forward" : "backward", from: name(t.names, t.from[k]), to: name(t.names, t.to[k]), port: name(t.ports, t.port[k]) };
    if (t.pass[k] === "f") {
      m.value = t.value[f++];
    } else {
      m.upstream = t.upstream[b];
      m.local = t.local[b];
      m.contribution = t.contribution[b];
      m.total = t.total[b];
      sums[k] = t.sum[b++];
    }
    steps[k] = m;
  }
  return { steps, sums };
}

function end(name) {
  return name in player.data.constants ? player.data.constants[name] : name;
}

function amountOf(k) {
  // The number message k carries, as its text writes it (its last word).
  const text = player.texts[k];
  return text.slice(text.lastIndexOf(" ") + 1);
}

function detailText(k, m) {
  const head = `message ${k + 1} of ${player.steps.length} \u00b7 ${m.pass} pass`;
  if (m.pass === "forward") {
    if (m.to === null) return `${head} \u00b7 the value of output ${m.from} leaves the circuit`;
    return `${head} \u00b7 ${end(m.from)} sends its value to port ${m.port} of ${m.to}`;
  }
  if (m.from === null) return `${head} \u00b7 output ${m.to} is seeded with its upstream gradient`;
  return `${head} \u00b7 ${m.from} sends back upstream gradient \u00d7 local gradient of port ${m.port}` +
    ` \u00b7 gradient of ${end(m.to)} so far: ${player.sums[k]}`;
}

// -- what each node sent and received, for the inspector -----------------------------------------

function indexSteps() {
  player.sends = new Map();
  player.gets = new Map();
  player.steps.forEach((m, i) => {
    if (m.pass === "forward") {
      if (!player.sends.has(m.from)) player.sends.set(m.from, i);
    } else {
      if (!player.gets.has(m.to)) player.gets.set(m.to, []);
      player.gets.get(m.to).push(i);
    }
  });
}

// -- showing message k ---------------------------------------------------------------------------

function goto(k, animate) {
  const n = player.steps.length;
  if (!n) return;
  k = Math.max(0, Math.min(n - 1, Math.round(Number(k)) || 0));
  const m = player.steps[k];
  view.reveal(k);
  player.k = k;
  const text = $("message");
  text.textContent = player.texts[k];
  text.className = m.pass;
  $("detail").textContent = detailText(k, m);
  $("slider").value = String(k);
  $("counter").textContent = `${k + 1} / ${n}`;
  const route = view.highlight(m);
  offstage(m, route);
  if (animate) view.pulse(route, m, pulseMillis(), amountOf(k));
  if ($("follow").checked || view.readable) view.follow(route);
  inspector.refresh();
}

function offstage(m, route) {
  // A message whose wire is outside the part drawn (a big circuit's window) says so.
  const note = $("offstage");
  const away = route.wires.length ? [] : [m.from, m.to].filter((name) => name !== null && !view.node(name));
  note.hidden = !away.length;
  if (away.length) {
    const names = away.map(end);
    note.textContent = `not drawn: ${names.join(" and ")} ${names.length > 1 ? "are" : "is"} outside the part of the circuit drawn, ` +
      `so this message is not on the picture (explore --around ${away[0]} draws around it)`;
  }
}

function step(delta) {
  pause();
  goto(player.k + delta, Math.abs(delta) === 1);
}

function pulseMillis() {
  return Math.min(600, 850 / player.speed);
}

// -- playing -------------------------------------------------------------------------------------

let clock = null;

const ICONS = {
  play: '<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="M4 2v12l10-6z" fill="currentColor"/></svg>',
  pause: '<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="M3 2h4v12H3zM9 2h4v12H9z" fill="currentColor"/></svg>',
};

function play() {
  if (!player.steps.length) return;
  if (player.k >= player.steps.length - 1) goto(0);
  player.playing = true;
  $("play").innerHTML = ICONS.pause;
  $("play").classList.add("on");
  $("play").setAttribute("aria-label", "pause");
  let last = performance.now();
  let due = 0;
  const tick = (now) => {
    if (!player.playing) return;
    due += ((now - last) / 1000) * player.speed;
    last = now;
    if (due >= 1) {
      const ahead = Math.floor(due);
      due -= ahead;
      goto(player.k + ahead, ahead === 1);
      if (player.k >= player.steps.length - 1) return pause();
    }
    clock = requestAnimationFrame(tick);
  };
  due = 1;  // the first message at once
  clock = requestAnimationFrame(tick);
}

function pause() {
  player.playing = false;
  if (clock !== null) cancelAnimationFrame(clock);
  clock = null;
  $("play").innerHTML = ICONS.play;
  $("play").classList.remove("on");
  $("play").setAttribute("aria-label", "play");
}

function toggle() {
  player.playing ? pause() : play();
}

// -- controls and keys ---------------------------------------------------------------------------

function bindControls() {
  const click = (id, action) => $(id).addEventListener("click", (e) => { action(); e.currentTarget.blur(); });
  click("first", () => { pause(); goto(0); });
  click("back", () => step(-1));
  click("play", toggle);
  click("forward", () => step(1));
  click("last", () => { pause(); goto(player.steps.length - 1); });
  $("slider").addEventListener("input", (e) => { pause(); goto(e.target.value); });
  $("speed").addEventListener("change", (e) => { player.speed = Number(e.target.value); e.target.blur(); });
  document.addEventListener("keydown", onKey);
  document.addEventListener("keyup", (e) => { if (e.key === " " && !typing(e)) e.preventDefault(); });
}

function typing(e) {
  const t = e.target;
  return t && (t.tagName === "INPUT" && t.type !== "range" && t.type !== "checkbox" || t.tagName === "TEXTAREA" || t.tagName === "SELECT");
}

function onKey(e) {
  if (e.key === "Escape") { inspector.unpin(); e.target.blur && e.target.blur(); return; }
  if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
  const big = e.shiftKey ? 10 : 1;
  const keys = {
    ArrowRight: () => step(big), ArrowDown: () => step(big), ArrowLeft: () => step(-big), ArrowUp: () => step(-big),
    " ": toggle, Home: () => { pause(); goto(0); }, End: () => { pause(); goto(player.steps.length - 1); },
    f: () => view.fit(), "/": () => $("search").focus(),
  };
  const action = keys[e.key];
  if (action) {
    e.preventDefault();
    action();
  }
}

// -- loading a payload (the page's own, or a new one from the server) ----------------------------

function load(data) {
  const errors = data.errors || [];
  if (errors.length && (player.data || !data.trace)) { // keep the picture shown, if any
    showErrors(errors);
    if (data.inputs && LIVE) live.inputs(data.inputs);
    return false;
  }
  $("warnings").hidden = !(data.warnings || []).length;
  $("warnings").textContent = (data.warnings || []).map((w) => "warning: " + w).join("\n");
  const keep = player.data !== null;
  pause();
  player.data = data;
  ({ steps: player.steps, sums: player.sums } = expandSteps(data.trace));
  player.texts = data.trace.text;
  indexSteps();
  $("name").textContent = data.circuit;
  document.title = `${data.circuit} \u00b7 circuitsim explorer`;
  $("slider").max = String(Math.max(0, player.steps.length - 1));
  const names = $("names");
  names.textContent = "";
  for (const name of data.names) names.appendChild(new Option(name));
  const k = keep ? player.k : 0;
  view.load(data.views, keep);
  player.k = -1;
  goto(Math.min(k, player.steps.length - 1));
  showErrors(errors);  // a page opened on a broken file shows the last run that worked
  return !errors.length;
}

function showErrors(errors) {
  const box = $("errors");
  box.hidden = !errors.length;
  box.textContent = errors.join("\n");
  if (errors.length && player.data) {
    const note = document.createElement("div");
    note.className = "note";
    note.textContent = "The picture below is the last one that ran; fix the file and save it to update.";
    box.appendChild(note);
  }
}
