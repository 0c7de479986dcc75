// The page's entry point: the parts made with what each needs, wired together, and
// `window.circuitsim`, the page's contract with tests and scripts.

function start() {
  const ids = ["app", "name", "first", "back", "play", "forward", "last", "slider", "counter", "speed", "search", "names", "fit", "fold",
    "follow", "message", "detail", "legend", "offstage", "quiz", "quiz-ask", "quiz-answer", "quiz-check", "quiz-show", "quiz-result", "quiz-score",
    "errors", "warnings", "stage", "picture", "inspect", "inputs"];
  const els = Object.fromEntries(ids.map((id) => [id.replace(/-(\w)/g, (_, c) => c.toUpperCase()), document.getElementById(id)]));
  const data = JSON.parse(document.getElementById("circuitsim-data").textContent);
  const quiz = data.quiz ? new Quiz(data.quiz, els, () => player.refresh()) : null;
  const hides = quiz ? (k) => quiz.hides(k) : () => false;  // whether message k's numbers are hidden
  const drawing = new Drawing(els.picture, els.fold, hides);
  const inspector = new Inspector(els.inspect, hides);
  const player = new Player(els, drawing, inspector, quiz);
  const live = LIVE ? new Live(els.inputs, els.stage, drawing, player) : null;
  if (live) player.askWhy = (node) => live.why(node);  // served: the server works out a why the page lacks
  player.bind();
  if (quiz) quiz.bind();
  bindPicture(els, drawing, inspector, player);
  window.circuitsim = {
    get steps() { return player.steps; },
    get k() { return player.k; },
    goto(k) { player.pause(); player.goto(k, false); return player.k; },
    play: () => player.play(),
    pause: () => player.pause(),
    fold(instances, unfolded) { player.fold(instances === undefined ? drawing.instances() : [].concat(instances), Boolean(unfolded)); },
    get unfolded() { return [...drawing.unfolded].sort(); },  // the instances shown unfolded
    find: (name) => drawing.find(name),
    viewBox: () => drawing.viewBox(),  // the part of the picture shown: x, y, width, height
    get version() { return live ? live.version : 0; },
    get mode() { return player.messages ? player.messages.mode : ""; },  // "backprop", or "tangent" (explore --tangent)
    formulas: (gate) => (player.inspector.rules ? player.inspector.rules.formulasOf(gate) : null),  // a gate's rule as text
    why: (node) => (player.inspector.rules ? player.inspector.rules.whyOf(node) : null),  // a node's why (explain's data), or null
  };
  if (quiz) {
    window.circuitsim.quiz = {
      answer: (k, number) => quiz.answer(k, number),  // {correct, hint} for message k (0-based)
      reveal: (k) => quiz.reveal(k),
      get score() { return quiz.score; },             // {right (at the first try), asked, questions}
      get questions() { return [...quiz.q.at]; },      // the messages that ask for a number
    };
  }
  player.load(data);
  if (live) live.start(data);
}

start();
