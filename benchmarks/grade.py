"""Time to grade a class: ``circuitsim grade`` on 500 student files of about 50 gates (a 10-bit
ripple-carry adder, 51 gates) against 20 vectors, as a teacher runs it.

    python -m benchmarks.grade
    python -m benchmarks.grade --students 100 --bits 4

The students are written to a scratch folder: most adders right, one in five with a gate of
the wrong type, one in fifty broken (a typo in a source name). Prints the seconds the command
took, per student, and the grades' tally.
"""

from __future__ import annotations

import argparse
import csv
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def adder(bits: int, wrong: int | None = None, broken: bool = False) -> str:
    """A ``bits``-bit ripple-carry adder; ``wrong``: the bit whose sum xor is an or instead."""
    inputs = [f"a{i}" for i in range(bits)] + [f"b{i}" for i in range(bits)] + ["cin"]
    lines = ["inputs: {" + ", ".join(f"{name}: null" for name in inputs) + "}", "gates:"]
    carry = "cin"
    for i in range(bits):
        lines += [
            f"  p{i}: {{type: xor, inputs: [a{i}, b{i}]}}",
            f"  s{i}: {{type: {'or' if wrong == i else 'xor'}, inputs: [p{i}, {carry}]}}",
            f"  g{i}: {{type: and, inputs: [a{i}, b{i}]}}",
            f"  t{i}: {{type: and, inputs: [p{i}, {'cn' if broken and i == bits - 1 else carry}]}}",
            f"  c{i}: {{type: or, inputs: [g{i}, t{i}]}}",
        ]
        carry = f"c{i}"
    lines.append(f"  cout: {{type: add, inputs: [{carry}]}}")
    lines.append("outputs: [" + ", ".join([f"s{i}" for i in range(bits)] + ["cout"]) + "]")
    return "\n".join(lines) + "\n"


def vectors(bits: int, count: int, rng: random.Random) -> str:
    lines = ["tol: 1e-9", "tests:"]
    for k in range(count):
        a, b, cin = rng.randrange(2**bits), rng.randrange(2**bits), rng.randrange(2)
        total = a + b + cin
        given = {**{f"a{i}": a >> i & 1 for i in range(bits)}, **{f"b{i}": b >> i & 1 for i in range(bits)}, "cin": cin}
        expect = {**{f"s{i}": total >> i & 1 for i in range(bits)}, "cout": total >> bits & 1}
        text = lambda d: ", ".join(f"{n}: {v}" for n, v in d.items())
        lines.append(f"  - {{name: '{a} + {b} + {cin}', inputs: {{{text(given)}}}, expect: {{{text(expect)}}}, points: 1}}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--bits", type=int, default=10, help="adder width: 5 gates a bit, and one more")
    parser.add_argument("--vectors", type=int, default=20)
    args = parser.parse_args(argv)
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "class"
        folder.mkdir()
        for k in range(args.students):
            wrong = rng.randrange(args.bits) if k % 5 == 1 else None
            (folder / f"student{k:04d}.yaml").write_text(adder(args.bits, wrong, broken=k % 50 == 7))
        (Path(scratch) / "vectors.yaml").write_text(vectors(args.bits, args.vectors, rng))
        out = Path(scratch) / "grades.csv"
        command = [sys.executable, "-m", "circuitsim", "grade", str(folder), "--vectors", str(Path(scratch) / "vectors.yaml"), "-o", str(out)]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        seconds = time.perf_counter() - start
        rows = list(csv.DictReader(out.open()))
    full = sum(r["score"] == r["max_score"] for r in rows)
    broken = sum(bool(r["error"]) for r in rows)
    print(f"graded {len(rows)} students ({5 * args.bits + 1} gates, {args.vectors} vectors) in {seconds:.1f} s, "
          f"{seconds / len(rows) * 1e3:.1f} ms a student: {full} full marks, {broken} broken files")


if __name__ == "__main__":
    main()
