"""Time the explorer page of MLPs of ``examples/mlp.py``: writing it, its size, and in a
headless Chromium (playwright, Debian's ``chromium``) its load, a far ``goto``, one step.

    python -m benchmarks.explore
    python -m benchmarks.explore --sizes 4,8,1 16,64,64,1 --out pages/

Prints, per circuit, its gates and messages, the seconds ``circuitsim.explore.page`` took to
run and draw it whole (as ``circuitsim explore --all``), the
page's size, the seconds from opening the page to its first picture with the player ready, a
``goto`` to the last message and back to the middle, and one step forward (each until the
browser has drawn the frame after it; the median of ``--steps`` steps).
"""

from __future__ import annotations

import argparse
import importlib.util
import pathlib
import statistics
import tempfile
import time

import circuitsim
from circuitsim.explore import page

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]

# The time from calling fn until the browser has painted the frame after it, in ms.
TIMED = """async ([what, k]) => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  await frame();
  const t = performance.now();
  window.circuitsim.goto(k);
  await frame();
  return performance.now() - t;
}"""


def mlp(sizes: list[int]) -> circuitsim.Circuit:
    spec = importlib.util.spec_from_file_location("mlp_example", ROOT / "examples" / "mlp.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build(sizes, 0).build()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["4,8,1", "16,64,64,1"], help="layer sizes, comma-separated")
    parser.add_argument("--steps", type=int, default=9, help="steps timed; the median is shown")
    parser.add_argument("--out", help="keep the pages in this directory")
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out or tempfile.mkdtemp())
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    print("| MLP | gates | messages | write | page | load | far goto | step |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for text in args.sizes:
            sizes = [int(s) for s in text.split(",")]
            circuit = mlp(sizes)
            start = time.perf_counter()
            html = page(circuit, limit=None)  # drawn whole, as circuitsim explore --all
            write = time.perf_counter() - start
            path = out / f"mlp_{'_'.join(map(str, sizes))}.html"
            path.write_text(html, encoding="utf-8")
            tab = browser.new_page(viewport={"width": 1200, "height": 800})
            start = time.perf_counter()
            tab.goto(path.as_uri())
            while not tab.evaluate("Boolean(window.circuitsim && window.circuitsim.steps.length)"):
                time.sleep(0.01)
            tab.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
            load = time.perf_counter() - start
            n = tab.evaluate("window.circuitsim.steps.length")
            far = tab.evaluate(TIMED, ["goto", n - 1]) + tab.evaluate(TIMED, ["goto", n // 2])
            steps = [tab.evaluate(TIMED, ["goto", n // 2 + i + 1]) for i in range(args.steps)]
            tab.close()
            print(
                f"| {'-'.join(map(str, sizes))} | {len(circuit.spec.gates):,} | {n:,} | {write:.1f} s | "
                f"{len(html) / 1e6:.1f} MB | {load:.1f} s | {far / 2:.0f} ms | {statistics.median(steps):.0f} ms |",
                flush=True,
            )
        browser.close()


if __name__ == "__main__":
    main()
