"""The plan: a circuit's netlist numbered once into the steps every run reuses (the slots of
:mod:`circuitsim.plan.numbering`), and the method path, each gate's checked ``forward`` and
``local_grads`` step by step, which names a gate that fails. :meth:`Plan.execute` runs a
request on the tier the engine chooses (:mod:`circuitsim.plan.engine`; the manual's ``docs/internals/engine.md``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import attrgetter
from typing import Any

from circuitsim.netlist.nodes import Netlist
from circuitsim.plan.engine import execute
from circuitsim.plan.faults import gate_fault
from circuitsim.plan.numbering import Step, number
from circuitsim.plan.reach import reaching
from circuitsim.tiers.chunks import Buffers
from circuitsim.tiers.kernels import (
    ZERO,
    batch_size,
    plus,
    read_only,
    value_problem,
)

__all__ = ["Plan"]

_out, _ins = attrgetter("out"), attrgetter("ins")


class Plan:
    """The compiled form of a circuit's netlist; see the module docstring."""

    def __init__(self, nodes: Netlist, order: list[int], registry=None) -> None:
        self.nodes = nodes
        self.registry = registry
        slots = self.numbering = number(nodes, order)  # see circuitsim.plan.numbering
        self.n_inputs, self.n_named, self.n_slots = slots.n_inputs, slots.n_named, slots.n_slots
        self.constants, self.outputs = slots.constants, slots.outputs
        self._live_cache: dict[frozenset[int], list[Step]] = {}
        self.tiers: dict[str, Any] = {}  # tier name -> what it made for this plan
        self.chosen: dict[tuple, Any] = {}  # (batched, seeded) -> the tier that runs such requests (engine.choose)
        self.buffers = Buffers()  # where big batches keep their results

    # What is made per gate or name as Python objects is made when first read (see numbering).
    names = property(lambda self: self.numbering.names, doc="Node name by slot.")
    slot = property(lambda self: self.numbering.slot, doc="Slot by node name.")
    named = property(lambda self: self.numbering.named, doc="The inputs' and gates' slots by name, in topological order.")
    inputs = property(lambda self: self.numbering.inputs, doc="The inputs' slots by name: 0, 1, ...")
    steps = property(lambda self: self.numbering.steps, doc="One step per gate, in topological order.")

    def new_values(self) -> list:
        values: list = [0.0] * self.n_slots
        for slot, value in self.constants:
            values[slot] = value
        return values

    def live_steps(self, seeded: frozenset[int]) -> list[Step]:
        """The steps on some path to a seeded node, in reverse topological order."""
        steps = self._live_cache.get(seeded)
        if steps is None:
            ordered = self.steps[::-1]
            live = reaching(self.n_slots, list(seeded), map(_out, ordered), map(_ins, ordered))
            steps = [ordered[k] for k in live]
            self._live_cache[seeded] = steps
        return steps

    # -- running ---------------------------------------------------------------------------

    # plan.execute(request): run a Request on the tier chosen for it (the engine's function itself,
    # no call in between: a tiny circuit's run is a few microseconds).
    execute = execute

    # -- the method path -------------------------------------------------------------------

    def forward(self, values: list, observer=None) -> None:
        """Fill ``values`` (inputs and constants already set) with every gate's output.

        An ``observer`` (a :class:`~circuitsim.plan.trace.Tracer`) is shown each step once it ran:
        ``observer.forward_step(step, values)``.
        """
        for step in self.steps:
            inputs = [read_only(values[i]) for i in step.ins]
            try:
                out = step.gate.forward(*inputs)
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # a gate's own fault, SystemExit too: name it, whatever it was
                raise gate_fault(self, step, "forward", exc, values) from exc
            problem = value_problem(out, batch_size(inputs))
            if problem is not None:
                raise gate_fault(self, step, "forward", f"returned {problem}", values)
            values[step.out] = out
            if observer is not None:
                observer.forward_step(step, values)

    def new_grads(self, seeds: Mapping[int, Any]) -> list:
        grads: list = [ZERO] * self.n_slots
        for slot, seed in seeds.items():
            grads[slot] = grads[slot] + seed
        return grads

    def backward(self, values: list, seeds: Mapping[int, Any], observer=None) -> list:
        """The gradient of every slot, given the upstream gradients at the seeded slots.

        An ``observer`` is shown each step before it adds its contributions into the gradients:
        ``observer.backward_step(step, local, grads)``.
        """
        grads = self.new_grads(seeds)
        for step in self.live_steps(frozenset(seeds)):
            g = grads[step.out]
            ins = step.ins
            local = self.local_grads(step, values)
            if observer is not None:
                observer.backward_step(step, local, grads)
            for i, lg in zip(ins, local):
                grads[i] = plus(grads[i], g * lg)
        return grads

    def local_grads(self, step: Step, values: list) -> Sequence:
        """The step's local gradients, checked: one number (or array) per input."""
        ins = step.ins
        inputs = [read_only(values[i]) for i in ins]
        try:
            local = step.gate.local_grads(inputs, read_only(values[step.out]))
            n = len(local)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            raise gate_fault(self, step, "local_grads", exc, values) from exc
        if n != len(ins):
            raise gate_fault(self, step, "local_grads", f"returned {n} gradients for {len(ins)} inputs", values)
        size = batch_size((*inputs, values[step.out]))
        for port, lg in zip(step.ports, local):
            problem = value_problem(lg, size)
            if problem is not None:
                raise gate_fault(self, step, "local_grads", f"returned for port {port!r}: {problem}", values)
        return local
