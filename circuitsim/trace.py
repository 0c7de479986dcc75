"""A traced run: every message of the forward and the backward pass, in the order they happen.

A message travels along one wire. In the forward pass a node sends its value to a port of a gate
that reads it; in the backward pass a gate sends back to that node the upstream gradient of its
output times its local gradient for that port (the *contribution*), and the node adds it to its
gradient (the *total* so far, which shows gradients adding up where a wire fans out). The passes
also have their ends: each output's value leaves the circuit (``target`` is ``None``) and each
seeded node receives its upstream gradient from outside (``source`` is ``None``).

A :class:`Tracer` runs exactly the steps of :class:`~circuitsim.plan.Plan` in the same order with
the same arithmetic, so a traced run gives the same values and gradients, bit for bit, as a
plain one. ``Circuit.run(..., trace=True)`` uses it and puts the messages in ``Result.trace``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from .errors import CircuitError
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
    """The passes of a :class:`~circuitsim.plan.Plan` that also record their messages.

    ``forward`` and ``backward`` take and give what the plan's do; ``messages`` collects the
    messages of both, in order.
    """

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.messages: list[Message] = []

    def forward(self, values: list) -> None:
        """Run every step in plan order, sending each input value to its gate first."""
        plan, names = self.plan, self.plan.names
        step = None
        try:
            for step in plan.steps:
                for port, i in zip(step.ports, step.ins):
                    self._send(ForwardMessage, names[i], step.name, port, values[i])
                values[step.out] = step.gate.forward(*[values[i] for i in step.ins])
        except Exception as exc:
            raise plan.gate_fault(step, "forward", exc, values) from exc
        for slot in plan.outputs:
            self._send(ForwardMessage, names[slot], None, None, values[slot])

    def backward(self, values: list, seeds: Mapping[int, Any]) -> list:
        """Seed, then run the live steps in reverse, sending each contribution back."""
        plan, names = self.plan, self.plan.names
        grads: list = [0.0] * len(names)
        for slot, seed in seeds.items():
            grads[slot] = grads[slot] + seed
            self._send(BackwardMessage, None, names[slot], None, None, None, seed, grads[slot])
        step = None
        try:
            for step in plan.live_steps(frozenset(seeds)):
                g = grads[step.out]
                ins = step.ins
                local = step.gate.local_grads([values[i] for i in ins], values[step.out])
                if len(local) != len(ins):
                    raise CircuitError(f"local_grads returned {len(local)} gradients for {len(ins)} inputs")
                for port, i, lg in zip(step.ports, ins, local):
                    contribution = g * lg
                    grads[i] = grads[i] + contribution
                    self._send(BackwardMessage, step.name, names[i], port, g, lg, contribution, grads[i])
        except Exception as exc:
            raise plan.gate_fault(step, "local_grads", exc, values) from exc
        return grads

    def _send(self, kind: type[Message], *args) -> None:
        self.messages.append(kind(len(self.messages) + 1, *args))
