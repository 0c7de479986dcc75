"""The loss curve of a training run as an SVG picture (matplotlib, the ``plot`` extra)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np

from circuitsim.errors import CircuitError

__all__ = ["loss_svg", "need_matplotlib"]


def need_matplotlib() -> None:
    """Raise a CircuitError saying how to install matplotlib if it is missing."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise CircuitError("a loss plot needs matplotlib: python -m pip install 'circuitsim-backprop[plot]'") from None


def loss_svg(history: Sequence[float], title: str) -> str:
    """The mean loss against the step, on a log scale when it spans more than a decade or two."""
    need_matplotlib()
    import matplotlib

    matplotlib.use("Agg")  # no display needed: the picture goes to a file
    from matplotlib.figure import Figure

    loss = np.asarray(history, dtype=float)
    steps = np.arange(len(loss))
    fig = Figure(figsize=(6.4, 4.0), layout="constrained")
    ax = fig.subplots()
    ax.plot(steps, loss, color="#1f5fa8", linewidth=1.8)
    positive = loss[loss > 0]
    if positive.size == loss.size and loss.size and positive.max() / positive.min() > 30:
        ax.set_yscale("log")
        ax.set_ylabel("mean loss (log scale)")
    else:
        ax.set_ylabel("mean loss")
    if loss.size:
        best = int(np.argmin(loss))
        ax.plot([best], [loss[best]], "o", color="#c0392b", markersize=5)
        right = best > 0.6 * len(loss)
        ax.annotate(f"lowest {loss[best]:.4g} at step {best}", (best, loss[best]), xytext=(-12 if right else 12, 28),
                    textcoords="offset points", ha="right" if right else "left", fontsize=9, color="#c0392b",
                    bbox={"boxstyle": "round,pad=0.25", "facecolor": "white", "edgecolor": "none", "alpha": 0.9},
                    arrowprops={"arrowstyle": "-", "color": "#c0392b", "linewidth": 0.8})
    ax.set_xlabel("step")
    ax.set_xlim(0, max(len(loss) - 1, 1))
    ax.set_title(title, fontsize=11)
    ax.grid(True, which="major", color="#dddddd", linewidth=0.8)
    ax.grid(True, which="minor", color="#f0f0f0", linewidth=0.5)
    ax.spines[["top", "right"]].set_visible(False)
    out = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "circuitsim"}):  # text as text; stable ids
        fig.savefig(out, format="svg", metadata={"Date": None})  # no date: the same run gives the same file
    return out.getvalue()
