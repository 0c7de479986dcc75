"""A traced run: every message of the forward and the backward pass, in the order they happen.

A :class:`Tracer` watches the method path's passes, so a traced run gives the same bits as a
plain one; how messages read is in ``docs/internals/drawing.md``, "Traced runs".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from circuitsim.base.show import json_number, short
from circuitsim.plan.numbering import Step
from circuitsim.plan.plan import Plan

if TYPE_CHECKING:
    from circuitsim.netlist.nodes import Netlist

__all__ = ["Message", "ForwardMessage", "BackwardMessage", "Tracer", "amount", "describe", "ends"]


@dataclass(frozen=True)
class Message:
    """One message along a wire: ``step`` counts from 1 over both passes.

    ``source`` and ``target`` are node names (a constant is named ``gate:port``); ``port`` is the
    port of the gate that reads the wire. ``source`` is ``None`` for a seed and ``target`` is
    ``None`` for an output's value leaving the circuit; ``port`` is then ``None`` too.
    """

    phase: ClassVar[str] = ""

    step: int
    source: str | None
    target: str | None
    port: str | None

    def as_dict(self) -> dict[str, Any]:
        """The message as a plain dict: ``step``, ``pass``, ``from``, ``to``, ``port``, numbers."""
        head = {"step": self.step, "pass": self.phase, "from": self.source, "to": self.target, "port": self.port}
        return head | {f.name: getattr(self, f.name) for f in fields(self)[4:]}

    def as_json(self) -> dict[str, Any]:
        """The message as ``circuitsim trace --format jsonl`` writes it: :meth:`as_dict` with
        its numbers as JSON numbers, NaN and infinities as strings (see :func:`~circuitsim.base.show.json_number`)."""
        return {k: json_number(v) if isinstance(v, (float, np.ndarray)) else v for k, v in self.as_dict().items()}


@dataclass(frozen=True)
class ForwardMessage(Message):
    """``source`` sends its ``value`` to port ``port`` of gate ``target``."""

    phase: ClassVar[str] = "forward"

    value: Any


@dataclass(frozen=True)
class BackwardMessage(Message):
    """Gate ``source`` sends ``upstream * local = contribution`` back to ``target``.

    ``total`` is the gradient of ``target`` after adding the contribution. For a seed,
    ``upstream`` and ``local`` are ``None`` and the contribution is the seed itself.
    """

    phase: ClassVar[str] = "backward"

    upstream: Any
    local: Any
    contribution: Any
    total: Any


class Tracer:
    """An observer of a :class:`~circuitsim.plan.plan.Plan`'s passes that writes down their messages.

    ``forward`` and ``backward`` take and give what the plan's do; ``messages`` collects the
    messages of both, in order.
    """

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.messages: list[Message] = []

    def forward(self, values: list) -> None:
        """Run the plan's forward pass; each output's value then leaves the circuit."""
        plan = self.plan
        plan.forward(values, self)
        for slot in plan.outputs:
            self._send(ForwardMessage, plan.names[slot], None, None, values[slot])

    def backward(self, values: list, seeds: Mapping[int, Any]) -> list:
        """Seed the outputs, then run the plan's backward pass."""
        plan = self.plan
        start = plan.new_grads(seeds)
        for slot, seed in seeds.items():
            self._send(BackwardMessage, None, plan.names[slot], None, None, None, seed, start[slot])
        return plan.backward(values, seeds, self)

    def forward_step(self, step: Step, values: list) -> None:
        """Gate ``step`` has run: each of its inputs sent it a value."""
        names = self.plan.names
        for port, i in zip(step.ports, step.ins):
            self._send(ForwardMessage, names[i], step.name, port, values[i])

    def backward_step(self, step: Step, local, grads: list) -> None:
        """Gate ``step`` sends its contributions back: the totals are those the plan will add up."""
        names, g = self.plan.names, grads[step.out]
        totals: dict[int, Any] = {}  # an input on several ports adds up port by port
        for port, i, lg in zip(step.ports, step.ins, local):
            contribution = g * lg
            totals[i] = totals.get(i, grads[i]) + contribution
            self._send(BackwardMessage, step.name, names[i], port, g, lg, contribution, totals[i])

    def _send(self, kind: type[Message], *args) -> None:
        self.messages.append(kind(len(self.messages) + 1, *args))


def ends(m: Message, nodes: Netlist) -> tuple[str, str]:
    """The message's two ends as a netlist writes them: the gate's end with its port
    (``m0.0``), a constant by its value (``1``), ``seed`` and ``output`` for the passes' ends."""
    forward = isinstance(m, ForwardMessage)
    source = "seed" if m.source is None else _end(nodes, m.source, None if forward else m.port)
    target = "output" if m.target is None else _end(nodes, m.target, m.port if forward else None)
    return source, target


def amount(m: Message, number: Callable[[Any], str] = short) -> str:
    """What the message carries: a value forward; ``upstream × local = contribution`` backward
    (a seed: the seed alone). ``number`` writes each number."""
    if isinstance(m, ForwardMessage):
        return number(m.value)
    if m.source is None:
        return number(m.contribution)
    return f"{number(m.upstream)} × {number(m.local)} = {number(m.contribution)}"


def describe(m: Message, nodes: Netlist, number: Callable[[Any], str] = short) -> str:
    """The message on one line, as the explorer shows it: ``m0.0 -> w0: 0.2 × -1 = -0.2``."""
    source, target = ends(m, nodes)
    return f"{source} -> {target}: {amount(m, number)}"


def _end(nodes: Netlist, name: str, port: str | None) -> str:
    if port is not None:
        return f"{name}.{port}"
    node = nodes[name]
    return f"{node.value:g}" if node.kind == "const" else name
