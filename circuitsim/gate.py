"""The :class:`Gate` base class: what every gate, built-in or plugin, is."""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

__all__ = ["Expressions", "Gate"]


@dataclass(frozen=True)
class Expressions:
    """A gate's output and local gradients as Python expressions: the optional fast path.

    ``output`` and each of ``grads`` (one per input, in port order) are expression templates in
    which ``{0}``, ``{1}``, ... stand for the input values and ``{out}`` (in ``grads``) for the
    output value; ``names`` holds the objects the expressions call, e.g. ``{"exp": math.exp}``.
    Write ``{{`` and ``}}`` for literal braces. circuitsim compiles them into straight Python
    code, so they must give exactly what :meth:`Gate.forward` and :meth:`Gate.local_grads`
    give. They may depend on the gate's ``params`` only: gates of one type without params
    share their compiled code. An expression that raises ``ArithmeticError`` or ``ValueError`` (``math.log(0.0)``)
    makes the run fall back to the methods.

    >>> Expressions("{0} * {0}", ("2.0 * {0}",))
    Expressions(output='{0} * {0}', grads=('2.0 * {0}',), names={})
    """

    output: str
    grads: tuple[str, ...]
    names: Mapping[str, Any] = field(default_factory=dict)


class Gate:
    """A local computation: output value and local gradients from its input values alone.

    Subclasses set ``name`` (the ``type`` used in circuit files), ``arity`` (an int, or
    ``None`` for one or more inputs) and ``params`` (parameter name -> default, ``None`` for a
    required parameter), and implement :meth:`forward` and :meth:`local_grads`. The first line
    of the class docstring is shown by ``circuitsim gates``.

    The input ports of a gate with a fixed arity are the parameter names of its ``forward``
    (``x`` for a unary gate); the ports of a variadic gate are numbered ``0, 1, ...``.

    Two optional declarations serve :func:`circuitsim.testing.check_gate`: ``kinks`` maps
    input tuples where the derivative is a rule rather than a limit to the local gradients the
    gate gives there (``{(0.0,): (0.0,)}`` for relu), and ``example_params`` lists parameter
    sets to check a gate with required parameters at.
    """

    name: ClassVar[str] = ""
    arity: ClassVar[int | None] = 1
    params: ClassVar[Mapping[str, Any]] = {}
    symbol: ClassVar[str | None] = None  # short operator label for drawings, e.g. "*"
    kinks: ClassVar[Mapping[tuple, tuple]] = {}  # inputs -> the local gradients stated there
    example_params: ClassVar[Sequence[Mapping[str, Any]]] = ()  # parameter sets to check at

    def __init__(self, params: Mapping[str, Any] | None = None) -> None:
        merged = dict(type(self).params)
        merged.update(params or {})
        # An instance's params shadow the class's defaults.
        self.params = merged

    def forward(self, *inputs):
        """Return the output value for the input values (floats, or numpy arrays in a batch)."""
        raise NotImplementedError(f"gate type {self.name!r} does not implement forward()")

    def local_grads(self, inputs: Sequence, output) -> Sequence:
        """Return d output / d input_i for each input, in port order."""
        raise NotImplementedError(f"gate type {self.name!r} does not implement local_grads()")

    def expressions(self, n_inputs: int, batch: bool) -> Expressions | None:
        """Optional fast path: this gate as :class:`Expressions` for ``n_inputs`` inputs.

        ``batch`` says whether some input is a numpy array. The default, ``None``, means
        "call :meth:`forward` and :meth:`local_grads`", which always works.
        """
        return None

    @classmethod
    def port_names(cls, n_inputs: int | None = None) -> list[str]:
        """The port names of this gate type; a variadic gate needs ``n_inputs``."""
        if cls.arity is None:
            return [str(i) for i in range(n_inputs or 0)]
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

    def __repr__(self) -> str:
        params = f" {self.params}" if self.params else ""
        return f"<{type(self).__name__} {self.name!r}{params}>"
