"""A traced run: every message of the forward and the backward pass, in the order they happen.

A message travels along one wire. In the forward pass a node sends its value to a port of a gate
that reads it; in the backward pass a gate sends back to that node the upstream gradient of its
output times its local gradient for that port (the *contribution*), and the node adds it to its
gradient (the *total* so far, which shows gradients adding up where a wire fans out). The passes
also have their ends: each output's value leaves the circuit (``target`` is ``None``) and each
seeded node receives its upstream gradient from outside (``source`` is ``None``).

A :class:`Tracer` watches the plan's own passes (:meth:`~circuitsim.plan.Plan.forward` and
:meth:`~circuitsim.plan.Plan.backward`, the method path, which does the same arithmetic in the
same order as every other path), so a traced run gives the same values and gradients, bit for
bit, as a plain one, and fails as a plain one fails. ``Circuit.run(..., trace=True)`` uses it
and puts the messages in ``Result.trace``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from .numbering import Step
from .plan import Plan

__all__ = ["Message", "ForwardMessage", "BackwardMessage", "Tracer"]


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
    """An observer of a :class:`~circuitsim.plan.Plan`'s passes that writes down their messages.

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
