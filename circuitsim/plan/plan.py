"""The plan: a circuit's netlist compiled once into the schedule that every run reuses.

A plan numbers the nodes into slots, keeps one step per gate, runs the forward pass in order and
the backward pass in reverse, and :meth:`Plan.run` picks the tier of the fast path, falling back
to the checked method path if a tier raises. The tiers, and what "the same result" means across
them, are told in the manual's internals page ``docs/internals/runs.md``.
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from circuitsim.tiers.blocks import Blocks, blocks_for
from circuitsim.tiers.chunks import SAMPLES_PER_CHUNK, Buffers, run_in_chunks
from circuitsim.plan.faults import gate_fault
from circuitsim.tiers.kernels import ZERO, Kernels, batch_size, compile_kernels, compile_loop, method_kernels, value_problem
from circuitsim.tiers.levels import Levels, levels_for
from circuitsim.netlist.nodes import Netlist
from circuitsim.plan.numbering import Step, number
from circuitsim.gate.rule import Rule, shared_rule
from circuitsim.tiers.straight import Program, compile_backward, compile_forward

__all__ = ["Plan", "TIER_UP"]

# The scalar run of a plan (with the same seeded slots) that compiles its straight-line code:
# compiling costs about as much as 100 runs on the kernels, and saves up to about half of each run.
TIER_UP = 100


class Plan:
    """The compiled form of a circuit's netlist; see the module docstring."""

    def __init__(self, nodes: Netlist, order: list[int], registry=None) -> None:
        self.nodes = nodes
        self.registry = registry
        slots = self.numbering = number(nodes, order)  # see circuitsim.plan.numbering
        self.n_inputs, self.n_named, self.n_slots = slots.n_inputs, slots.n_named, slots.n_slots
        self.constants, self.outputs = slots.constants, slots.outputs
        self._live_cache: dict[frozenset[int], list[Step]] = {}
        self._kernels: dict = {}  # batched slots -> kernels; (batched, seeded) -> ops
        self.unchecked: dict = {}  # batched slots -> what a trapped run checks: (numbers, arrays)
        self._programs: dict[frozenset[int] | None, Program | None] = {}  # seeded -> straight-line code
        self._forward_code: list | None = None  # the forward functions all programs share
        self._runs: dict[frozenset[int] | None, int] = {}  # seeded -> scalar runs so far
        self._levels: Levels | None | bool = False  # the levelized tier (False: not looked at yet)
        self._blocks: dict[frozenset[int], Blocks | None] = {}  # batched slots -> the levelized batch tier
        self._buffers = Buffers()  # where big batches keep their results

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
            live = bytearray(self.n_slots)
            for slot in seeded:
                live[slot] = 1
            steps = []
            for step in reversed(self.steps):
                if live[step.out]:
                    steps.append(step)
                    for i in step.ins:
                        live[i] = 1
            self._live_cache[seeded] = steps
        return steps

    # -- the fast path ---------------------------------------------------------------------

    def run(
        self, values: list, seeds: Mapping[int, Any] | None, batched: frozenset[int] | None = None
    ) -> tuple[Sequence, Sequence | None, frozenset[int]]:
        """Run ``values`` (inputs and constants set) forward and, given ``seeds``, backward.

        ``batched`` are the input slots that hold arrays (found if not given). The fast path
        first; if anything on it raises, the method path from the start. Returns the values (the
        list given, filled, or for a levelized run an array), the gradients (None without seeds)
        and, if the run was *trapped* (a batch run on the fast path, whose arrays hold no NaN or
        inf that an operation made), its batched slots; else no slots.
        """
        if batched is None:
            batched = frozenset(slot for slot in range(self.n_inputs) if isinstance(values[slot], np.ndarray))
        seeded = None if seeds is None else frozenset(seeds)
        try:
            if batched:
                with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
                    return (*self._run_batch(values, seeds, batched), batched)
            levels = self._levelized(values)
            if levels is not None:
                with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
                    return (*levels.run(values, seeds), frozenset())
            program = self._program(seeded)
            if program is None:
                return values, self._run_kernels(values, seeds, batched), frozenset()
            grads = None if seeds is None else self.new_grads(seeds)
            program.run(values, grads)
            return values, grads, frozenset()
        except KeyboardInterrupt:
            raise
        except BaseException:  # a domain edge or a faulty gate (even SystemExit): the methods answer or name it
            self.forward(values)
            return values, (None if seeds is None else self.backward(values, seeds)), frozenset()

    def _run_batch(self, values: list, seeds: Mapping[int, Any] | None, batched: frozenset[int]) -> tuple[list, list | None]:
        """A batch of a wide plan in blocks (:mod:`circuitsim.tiers.blocks`), else on the kernels, in
        chunks of samples if it is big (:mod:`circuitsim.tiers.chunks`)."""
        size = len(values[next(iter(batched))])
        blocks = self.blocks(batched)
        if blocks is not None:
            return self._run_blocks(blocks, values, seeds, size)
        if size > SAMPLES_PER_CHUNK:
            run = lambda part, part_seeds: self._run_kernels(part, part_seeds, batched)  # noqa: E731
            done = run_in_chunks(run, values, seeds, batched, size, self._buffers)
            if done is not None:
                return done
        return values, self._run_kernels(values, seeds, batched)

    def blocks(self, batched: frozenset[int]) -> Blocks | None:
        """The levelized batch tier for runs batched at these input slots, if the plan's shape suits it."""
        if batched not in self._blocks:
            blocks = self._blocks[batched] = blocks_for(self.numbering, batched)
            if blocks is not None:  # every gate's value is an array made by a trapped operation
                numbers = [s for s in range(self.n_inputs) if s not in batched] + list(range(self.n_named, self.n_slots))
                self.unchecked[batched] = _getter(numbers), _getter(sorted(batched))
        return self._blocks[batched]

    def _run_blocks(self, blocks: Blocks, values: list, seeds: Mapping[int, Any] | None, size: int) -> tuple[list, list | None]:
        """Every value and gradient of a batch in blocks, written into rows of reused buffers."""
        gates = list(range(self.n_inputs, self.n_named))
        named = list(range(self.n_named))
        value_rows = self._buffers.take(len(gates), size)
        grad_rows = None if seeds is None else self._buffers.take(len(named), size)
        zero = blocks.run(values, seeds, gates, named, value_rows, grad_rows)
        values = values[:]
        for slot, row in zip(gates, value_rows):
            values[slot] = row
        if seeds is None:
            return values, None
        grads = [ZERO] * self.n_slots
        grads[: self.n_named] = grad_rows
        for k in zero:
            grads[named[k]] = ZERO
        return values, grads

    def _levelized(self, values: list) -> Levels | None:
        """The levelized tier, made at the first scalar run, if the plan's shape suits it."""
        if self._levels is False:
            self._levels = levels_for(self.numbering)
        return self._levels

    def _run_kernels(self, values: list, seeds: Mapping[int, Any] | None, batched: frozenset[int]) -> list | None:
        forward, ops = self._ops(batched, None)
        forward(values, ops)
        if seeds is None:
            return None
        grads = self.new_grads(seeds)
        backward, ops = self._ops(batched, frozenset(seeds))
        backward(values, grads, ops)
        return grads

    def _program(self, seeded: frozenset[int] | None) -> Program | None:
        """The straight-line code for scalar runs with these seeds, once they come back often."""
        if seeded in self._programs:
            return self._programs[seeded]
        runs = self._runs[seeded] = self._runs.get(seeded, 0) + 1
        return self.compile(seeded) if runs >= TIER_UP else None

    def compile(self, seeded: frozenset[int] | None) -> Program | None:
        """Compile (once) the straight-line code of scalar runs seeded at ``seeded`` (None: forward only)."""
        if seeded in self._programs:
            return self._programs[seeded]
        try:
            if self._forward_code is None:
                self._forward_code = compile_forward(self.steps)
            backward = compile_backward(self.live_steps(seeded), seeded) if seeded is not None else []
            program = Program(self._forward_code, backward)
        except Exception:  # e.g. an expression too deeply nested for the compiler: the kernels work
            program = None
        self._programs[seeded] = program
        return program

    def _ops(self, batched: frozenset[int], seeded: frozenset[int] | None) -> tuple:
        """The forward (``seeded`` None) or backward loop and its ops ``(kind, slots)``, cached."""
        loop = self._kernels.get((batched, seeded))
        if loop is None:
            kernels = self._kernels.get(batched)
            if kernels is None:
                kernels = self._kernels[batched] = self._all_kernels(batched)
            steps = self.steps if seeded is None else self.live_steps(seeded)
            counts = Counter(kernels[s.out][0] for s in steps)
            kinds = sorted(counts, key=counts.__getitem__, reverse=True)  # the most frequent first
            number = {kind: k for k, kind in enumerate(kinds)}
            ops = [(number[kernels[s.out][0]], kernels[s.out][1]) for s in steps]
            loop = self._kernels[(batched, seeded)] = (compile_loop(kinds, seeded is not None), ops)
        return loop

    def _all_kernels(self, batched: frozenset[int]) -> dict[int, tuple]:
        """Every step's kernels and slots by output slot; a step is batched if one of its inputs is."""
        is_batch = bytearray(self.n_slots)
        for slot in batched:
            is_batch[slot] = 1
        kernels = {}
        arrays = []  # the batch inputs and what gates without expressions make from them
        rules: dict = {}
        for step in self.steps:
            batch = any(is_batch[i] for i in step.ins)
            is_batch[step.out] = batch
            n = len(step.ins)
            fast = _expression_kernels(shared_rule(step.gate, n, batch, rules))
            if fast is not None:
                kernels[step.out] = (fast, (step.out, *step.ins))
            else:
                kernels[step.out] = (method_kernels(step.gate, n, batch), (step.out, step.ins))
                if batch:
                    arrays.append(step.out)
        numbers = [slot for slot, batch in enumerate(is_batch) if not batch]
        self.unchecked[batched] = _getter(numbers), _getter([*batched, *arrays])
        return kernels

    # -- the method path -------------------------------------------------------------------

    def forward(self, values: list, observer=None) -> None:
        """Fill ``values`` (inputs and constants already set) with every gate's output.

        An ``observer`` (a :class:`~circuitsim.plan.trace.Tracer`) is shown each step once it ran:
        ``observer.forward_step(step, values)``.
        """
        for step in self.steps:
            inputs = [values[i] for i in step.ins]
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
                h = grads[i]
                grads[i] = g * lg if h is ZERO else h + g * lg  # as the kernels add
        return grads

    def local_grads(self, step: Step, values: list) -> Sequence:
        """The step's local gradients, checked: one number (or array) per input."""
        ins = step.ins
        inputs = [values[i] for i in ins]
        try:
            local = step.gate.local_grads(inputs, values[step.out])
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


def _expression_kernels(rule: Rule | None) -> Kernels | None:
    """Kernels compiled from a gate's rule; None to call its methods instead."""
    if rule is None:
        return None
    try:
        return compile_kernels(rule)
    except Exception:  # e.g. an expression too deeply nested for the compiler: the methods still work
        return None


def _getter(slots: list[int]):
    """A function of a list giving the list of its items at ``slots`` (an ``operator.itemgetter``)."""
    if len(slots) < 2:
        return lambda items: [items[i] for i in slots]
    get = operator.itemgetter(*slots)
    return lambda items: list(get(items))

