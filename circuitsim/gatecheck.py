"""Check a gate's ``local_grads`` against finite differences, and its batches against scalars.

For gate authors' tests (the built-in gates are checked with these too)::

    from circuitsim.gatecheck import check_gate

    def test_square():
        check_gate(Square(), [(0.5,), (-1.5,), (3.0,)])

Choose sample points away from kinks and domain edges: there the derivative is a rule, not a
limit, and finite differences cannot confirm it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from circuitsim.gate import Gate

__all__ = [
    "central_step",
    "finite_difference_grads",
    "check_local_grads",
    "check_batch_matches_scalar",
    "check_gate",
]

# Central differences err by ~h² (truncation) plus ~eps/h (rounding): h ~ eps^(1/3) balances them.
_STEP = float(np.finfo(np.float64).eps) ** (1 / 3)


def central_step(x: float) -> float:
    """The step of a central difference at ``x``: ~eps^(1/3), scaled by ``|x|`` above 1."""
    return _STEP * max(1.0, abs(x))


def finite_difference_grads(gate: Gate, inputs: Sequence[float]) -> list[float]:
    """d output / d input_i by float64 central differences, one per input."""
    grads = []
    for i, x in enumerate(inputs):
        h = central_step(x)
        up, down = list(inputs), list(inputs)
        up[i], down[i] = x + h, x - h
        grads.append((gate.forward(*up) - gate.forward(*down)) / (2 * h))
    return grads


def check_local_grads(
    gate: Gate, inputs: Sequence[float], rtol: float = 1e-6, atol: float = 1e-7
) -> None:
    """Assert that ``gate.local_grads`` agrees with central differences at ``inputs``."""
    inputs = [float(x) for x in inputs]
    output = gate.forward(*inputs)
    analytic = list(gate.local_grads(inputs, output))
    numeric = finite_difference_grads(gate, inputs)
    assert len(analytic) == len(inputs), (
        f"{gate!r}: local_grads gave {len(analytic)} gradients for {len(inputs)} inputs"
    )
    if not np.allclose(analytic, numeric, rtol=rtol, atol=atol):
        raise AssertionError(
            f"{gate!r} at inputs {inputs}: local_grads {analytic} "
            f"but central differences give {numeric}"
        )


def check_batch_matches_scalar(gate: Gate, samples: Sequence[Sequence[float]]) -> None:
    """Assert that one batch run over ``samples`` equals the scalar runs, sample by sample.

    Every sample has the same number of inputs. The batch passes each input as a 1-D float64
    array; it is run again with the first input a Python float (broadcast), as a batch run
    passes a scalar input.
    """
    columns = [np.array(col, dtype=np.float64) for col in zip(*samples)]
    _compare_batch(gate, samples, columns)
    first = float(samples[0][0])
    same_first = [(first, *sample[1:]) for sample in samples]
    _compare_batch(gate, same_first, [first, *columns[1:]])


def _compare_batch(gate: Gate, samples, columns) -> None:
    n = len(samples)
    batch_out = gate.forward(*columns)
    batch_grads = gate.local_grads(columns, batch_out)
    for k, sample in enumerate(samples):
        out = gate.forward(*sample)
        grads = gate.local_grads(sample, out)
        got_out = np.broadcast_to(batch_out, (n,))[k]
        got_grads = [np.broadcast_to(g, (n,))[k] for g in batch_grads]
        if not np.allclose([got_out, *got_grads], [out, *grads], rtol=1e-12, equal_nan=True):
            raise AssertionError(
                f"{gate!r} at inputs {list(sample)}: the scalar run gives {out}, {list(grads)} "
                f"but the batch gives {got_out}, {got_grads}"
            )


def check_gate(gate: Gate, samples: Sequence[Sequence[float]], **tolerances: float) -> None:
    """:func:`check_local_grads` at every sample, then :func:`check_batch_matches_scalar`."""
    for sample in samples:
        check_local_grads(gate, sample, **tolerances)
    check_batch_matches_scalar(gate, samples)
