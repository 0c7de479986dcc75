"""The :class:`Gate` base class: what every gate, built-in or plugin, is.

A gate states its rule once. The short way is :meth:`Gate.expressions`: its output and local
gradients as Python expressions, from which circuitsim derives both the gate's methods
(:meth:`Gate.forward`, :meth:`Gate.local_grads`) and its compiled kernels, so that every path
computes the same numbers from the same text. A gate may instead (or as well) write
``forward`` and ``local_grads`` itself; then ``circuitsim gates --check`` holds the two to
giving the same bits.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from circuitsim.gate.rule import Expressions, parse

__all__ = ["Expressions", "Gate"]


class Gate:
    """A local computation: output value and local gradients from its input values alone.

    Subclasses set ``name`` (the ``type`` used in circuit files), ``arity`` (an int, or
    ``None`` for one or more inputs) and ``params`` (parameter name -> default, ``None`` for a
    required parameter), and state their rule: either :meth:`expressions` (from which
    :meth:`forward` and :meth:`local_grads` are derived, and the fast kernels compiled), or
    :meth:`forward` and :meth:`local_grads` themselves. The first line of the class docstring
    is shown by ``circuitsim gates``.

    The input ports of a gate with a fixed arity are ``ports`` if given, else the parameter
    names of its own ``forward`` (``x`` for a unary gate); the ports of a variadic gate are
    numbered ``0, 1, ...``.

    Two optional declarations serve :func:`circuitsim.testing.check_gate`: ``kinks`` maps
    input tuples where the derivative is a rule rather than a limit to the local gradients the
    gate gives there (``{(0.0,): (0.0,)}`` for relu), and ``example_params`` lists parameter
    sets to check a gate with required parameters at.
    """

    name: ClassVar[str] = ""
    arity: ClassVar[int | None] = 1
    params: ClassVar[Mapping[str, Any]] = {}
    ports: ClassVar[Sequence[str] | None] = None  # port names of a fixed arity, e.g. ("a", "b")
    symbol: ClassVar[str | None] = None  # short operator label for drawings, e.g. "*"
    kinks: ClassVar[Mapping[tuple, tuple]] = {}  # inputs -> the local gradients stated there
    example_params: ClassVar[Sequence[Mapping[str, Any]]] = ()  # parameter sets to check at

    def __init__(self, params: Mapping[str, Any] | None = None) -> None:
        merged = dict(type(self).params)
        merged.update(params or {})
        # An instance's params shadow the class's defaults.
        self.params = merged

    def forward(self, *inputs):
        """Return the output value for the input values (floats, or numpy arrays in a batch).

        Derived from :meth:`expressions` unless a subclass writes its own.
        """
        (output, _), batch = self._rule(inputs, "forward")
        if batch:
            with np.errstate(all="ignore"):
                return output(inputs)
        try:
            return output(inputs)
        except (ArithmeticError, ValueError):  # a domain edge: let IEEE 754 answer
            with np.errstate(all="ignore"):
                return float(self._ieee(inputs)[0](tuple(map(np.float64, inputs))))

    def local_grads(self, inputs: Sequence, output) -> Sequence:
        """Return d output / d input_i for each input, in port order.

        Derived from :meth:`expressions` unless a subclass writes its own.
        """
        (_, grads), batch = self._rule((*inputs, output), "local_grads")
        inputs = tuple(inputs)
        if batch:
            with np.errstate(all="ignore"):
                return grads(inputs, output)
        try:
            return grads(inputs, output)
        except (ArithmeticError, ValueError):
            with np.errstate(all="ignore"):
                grads = self._ieee(inputs)[1](tuple(map(np.float64, inputs)), np.float64(output))
            return tuple(map(float, grads))

    def expressions(self, n_inputs: int, batch: bool) -> Expressions | None:
        """This gate's rule as :class:`Expressions` for ``n_inputs`` inputs, or ``None``.

        ``batch`` says whether some input is a numpy array. ``None`` (the default) means the
        gate writes :meth:`forward` and :meth:`local_grads` itself.
        """
        return None

    def _rule(self, values: Sequence, method: str) -> tuple[tuple[Callable, Callable], bool]:
        if type(self).expressions is Gate.expressions:
            raise NotImplementedError(f"gate type {self.name!r} implements neither {method}() nor expressions()")
        batch = _is_batch(values)
        n = len(values) - (method == "local_grads")
        expr = self.expressions(n, batch)
        if expr is None:
            raise NotImplementedError(f"gate type {self.name!r} gives no expressions for {n} inputs and no {method}()")
        return parse(expr, n).functions, batch

    def _ieee(self, inputs: Sequence) -> tuple[Callable, Callable]:
        return parse(self.expressions(len(inputs), True), len(inputs)).functions

    @classmethod
    def port_names(cls, n_inputs: int | None = None) -> list[str]:
        """The port names of this gate type; a variadic gate needs ``n_inputs``."""
        if cls.arity is None:
            return [str(i) for i in range(n_inputs or 0)]
        if cls.ports is not None and len(cls.ports) == cls.arity:
            return list(cls.ports)
        names = [
            p.name
            for p in list(inspect.signature(cls.forward).parameters.values())[1:]
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        if len(names) == cls.arity:
            return names
        if cls.arity == 1:
            return ["x"]
        return [str(i) for i in range(cls.arity)]

    @classmethod
    def summary(cls) -> str:
        """The first line of the class docstring (not Gate's own: "" for an undocumented gate)."""
        for klass in cls.__mro__:
            if klass is Gate:
                break
            doc = inspect.cleandoc(klass.__dict__.get("__doc__") or "")
            if doc:
                return doc.splitlines()[0]
        return ""

    @classmethod
    def writes_methods(cls) -> bool:
        """Whether the class writes ``forward`` or ``local_grads`` itself (not derived)."""
        return cls.forward is not Gate.forward or cls.local_grads is not Gate.local_grads

    def __repr__(self) -> str:
        params = f" {self.params}" if self.params else ""
        return f"<{type(self).__name__} {self.name!r}{params}>"


def _is_batch(values) -> bool:
    """Whether any of ``values`` is a numpy array (a batch run)."""
    for v in values:  # a plain loop: twice as fast as any() on a few values
        if isinstance(v, np.ndarray):
            return True
    return False


