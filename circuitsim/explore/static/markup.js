// The SVG element of one item of the drawing, from its data: the template of Python's
// circuitsim.draw.svg.markup (wires' and labels' looks left to the page's stylesheet, the
// rest from the drawing's `look`). Every coordinate comes in the data; nothing here is
// measured or placed.

const SVG_NS = "http://www.w3.org/2000/svg";
const ARROW_ID = "circuitsim-arrow";

const XML = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

function esc(text) {
  return String(text).replace(/[&<>"]/g, (c) => XML[c]);
}

function num(v) {
  return (Math.round(v * 10) / 10).toFixed(1);
}

function endAttrs(d) {
  return `data-from="${esc(d.from)}"` + (d.to !== null ? ` data-to="${esc(d.to)}"` : "") + (d.ports ? ` data-port="${esc(d.ports)}"` : "");
}

function nodeAttrs(d) {
  return `data-node="${esc(d.node)}"` + (d.instance !== null && d.instance !== undefined ? ` data-instance="${esc(d.instance)}"` : "");
}

function pathOf(points) {
  return points.map(([x, y], i) => `${i ? "L" : "M"}${num(x)},${num(y)}`).join(" ");
}

function markup(d, look) {
  const { ink: INK, faint: FAINT, shade: SHADE, edge: EDGE, font: FONT, name_font: NAME_FONT } = look;
  const kind = d.kind;
  const title = d.title !== undefined ? `<title>${esc(d.title)}</title>` : "";
  if (kind.startsWith("wire")) {
    const arrow = d.arrow ? ` marker-end="url(#${ARROW_ID})"` : "";
    const mark = d.mark ? `<text class="ports" x="${num(d.mark[0])}" y="${num(d.mark[1])}" fill="${FAINT}" font-size="${NAME_FONT}" text-anchor="end">${esc(d.mark[2])}</text>` : "";
    return `<g class="${kind}" ${endAttrs(d)}><path d="${pathOf(d.points)}"${arrow}/>${mark}</g>`;
  }
  if (kind.startsWith("labels")) {
    const texts = d.texts.map(([cls, x, y, text]) => `<text class="${cls}" x="${num(x)}" y="${num(y)}">${esc(text)}</text>`).join("");
    return `<g class="${kind}" ${endAttrs(d)}>${texts}</g>`;
  }
  if (kind === "node gate") {
    const [cx, cy, r] = d.circle, [sx, sy, symbol] = d.symbol, [nx, ny, name] = d.name;
    return `<g class="node gate" ${nodeAttrs(d)}>${title}<circle cx="${num(cx)}" cy="${num(cy)}" r="${num(r)}" fill="white" stroke="${INK}" stroke-width="1.5"/>` +
      `<text class="symbol" x="${num(sx)}" y="${num(sy)}" text-anchor="middle" font-size="${FONT + 1}" fill="${INK}">${esc(symbol)}</text>` +
      `<text class="name" x="${num(nx)}" y="${num(ny)}" text-anchor="middle" font-size="${NAME_FONT}" fill="${FAINT}">${esc(name)}</text></g>`;
  }
  if (kind === "marker") {
    const [left, top, width, height] = d.rect;
    return `<rect class="highlight" data-node="${esc(d.node)}" x="${num(left)}" y="${num(top)}" width="${num(width)}" height="${num(height)}" rx="6" fill="${look.highlight}" stroke="${look.highlight_edge}" stroke-width="2"/>`;
  }
  if (kind === "junction") {
    const dots = d.dots.map(([x, y]) => `<circle cx="${num(x)}" cy="${num(y)}" r="3" fill="${INK}"/>`).join("");
    return `<g class="junction" data-from="${esc(d.from)}">${title}${dots}</g>`;
  }
  if (kind === "instance" || kind === "group") {
    const [left, top, width, height] = d.rect, [x, y, name] = d.name;
    const box = kind === "instance"
      ? `rx="8" fill="white" stroke="${INK}" stroke-width="1.5"/><text class="name" x="${num(x)}" y="${num(y)}" text-anchor="middle" font-size="${FONT + 1}" fill="${INK}">`
      : `rx="10" fill="${SHADE}" stroke="${EDGE}" stroke-width="1"/><text class="name" x="${num(x)}" y="${num(y)}" font-size="${NAME_FONT + 1}" fill="${FAINT}">`;
    return `<g class="${kind}" data-instance="${esc(d.instance)}">${title}<rect x="${num(left)}" y="${num(top)}" width="${num(width)}" height="${num(height)}" ${box}${esc(name)}</text></g>`;
  }
  if (kind === "node inlet" || kind === "node outlet") {
    const text = d.text
      ? `<text x="${num(d.text[0])}" y="${num(d.text[1])}" text-anchor="${kind === "node inlet" ? "start" : "end"}" font-size="${NAME_FONT + 1}" fill="${FAINT}">${esc(d.text[2])}</text>`
      : "";
    return `<g class="${kind}" ${nodeAttrs(d)}>${title}${text}</g>`;
  }
  if (kind === "legend") {
    const parts = d.lines.map((line) => {
      const dot = line.dot ? `<circle cx="${num(line.dot[0])}" cy="${num(line.dot[1])}" r="3" fill="${INK}"/>` : "";
      const spans = line.spans.map(([text, colour, style]) => `<tspan fill="${colour}"${style ? ` font-style="${style}"` : ""}>${esc(text)}</tspan>`).join("");
      return `${dot}<text x="${num(line.x)}" y="${num(line.y)}" font-size="${line.size}" xml:space="preserve">${spans}</text>`;
    });
    return `<g class="legend">${parts.join("")}</g>`;
  }
  if (kind === "caption") {
    return `<text class="caption" x="${num(d.text[0])}" y="${num(d.text[1])}" fill="${FAINT}" font-size="${FONT}">${esc(d.text[2])}</text>`;
  }
  const [x, y, label] = d.text;  // an input, a constant or an output
  const text = `<text x="${num(x)}" y="${num(y)}" text-anchor="${kind === "output" ? "start" : "end"}" font-size="${FONT + 1}" fill="${INK}">${esc(label)}</text>`;
  if (kind === "output") return `<g class="output" data-output="${esc(d.output)}">${title}${text}</g>`;
  return `<g class="${kind}" ${nodeAttrs(d)}>${title}${text}</g>`;
}
