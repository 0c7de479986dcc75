"""The backward pass written out as a circuit of its own: the forward gates, each gate's local
gradients as gates, the chain-rule products and the fan-out sums, in the order the backward
pass adds them (names and exactness: ``docs/internals/features.md``, "Derivatives").
"""

from __future__ import annotations

from collections.abc import Mapping

from circuitsim.author.builder import Builder
from circuitsim.derive.lower import Lowering, Node
from circuitsim.errors import CircuitError
from circuitsim.netlist.flatten import PassThrough
from circuitsim.netlist.nodes import collector_paused

__all__ = ["backward_builder", "backward_circuit", "safe_name"]

WHAT = "the backward circuit"


def safe_name(name: str) -> str:
    """A node name as a circuit file may write it: ``u/inner`` -> ``u__inner``, ``u.lo`` -> ``u_lo``."""
    return name.replace("/", "__").replace(".", "_")


def backward_circuit(circuit, seeds: Mapping[str, float] | None = None, *, inputs_for_seeds: bool = False, what: str = WHAT):
    """The backward pass of ``circuit`` as a :class:`~circuitsim.Circuit`, whose outputs are
    ``grad_<input>`` for every input.

    ``seeds`` maps nodes to their upstream gradients (default: 1.0 at every output); with
    ``inputs_for_seeds`` each seed is an input ``seed_<node>`` (its default the seed) so that
    a run can give others, a batch among them; the circuit's ``seed_inputs`` maps each seeded
    node to its input. ``what`` names the caller in the error for a gate without expressions.
    """
    with collector_paused():  # a few objects per gate, freed with the builder
        b = backward_builder(circuit, seeds, inputs_for_seeds=inputs_for_seeds, what=what)
    built = b.build(registry=circuit.registry)
    built.seed_inputs = b.seed_inputs
    return built


def backward_builder(circuit, seeds: Mapping[str, float] | None = None, *, inputs_for_seeds: bool = False, what: str = WHAT) -> Builder:
    """The :class:`~circuitsim.Builder` holding :func:`backward_circuit`'s circuit."""
    plan = circuit.plan
    b = Builder(f"{circuit.name}_backward", description=f"the backward pass of {circuit.name}", path=circuit.path, registry=circuit.registry)
    taken = set(plan.inputs)
    for name in plan.inputs:
        wanted = f"grad_{name}"
        if wanted in taken:
            raise CircuitError(f"{WHAT} names the gradient of input {name!r} {wanted!r}, but a node of {circuit.name!r} has that name: rename it")
        taken.add(wanted)
    counts: dict[str, int] = {}

    def fresh(hint: str) -> str:
        k = counts.get(hint, 0)
        while f"{hint}_{k}" in taken:
            k += 1
        counts[hint] = k + 1
        taken.add(f"{hint}_{k}")
        return f"{hint}_{k}"

    def unique(name: str) -> str:
        if name not in taken:
            taken.add(name)
            return name
        return fresh(name)

    names = {slot: plan.names[slot] for slot in range(plan.n_inputs)}
    for slot in range(plan.n_inputs, plan.n_named):
        names[slot] = unique(safe_name(plan.names[slot]))
    start = plan.new_values()
    defaults = circuit.inputs
    for name in plan.inputs:
        b.input(name, defaults[name])

    def source(slot: int) -> Node:
        return names[slot] if slot < plan.n_named else float(start[slot])

    for step in plan.steps:
        type_name = "add" if isinstance(step.gate, PassThrough) else step.type  # an add of one input passes it on
        b.gate(type_name, [source(i) for i in step.ins], name=names[step.out], params=dict(step.gate.params) or None)

    seeds = {plan.names[s]: 1.0 for s in plan.outputs} if seeds is None else dict(seeds)
    b.seed_inputs = {}
    pending: dict[int, list] = {}  # slot -> what its gradient adds up: a start, then (upstream, local)
    for name, value in seeds.items():
        slot = plan.named[name]
        if inputs_for_seeds:
            seed: Node = str(b.input(unique(f"seed_{names[slot]}"), float(value)))
            b.seed_inputs[name] = seed
        else:
            seed = 0.0 + float(value)  # as the backward pass starts a seeded gradient
        pending[slot] = [seed]
    lower = Lowering(b, fresh)

    def total(slot: int, name: str) -> Node | None:
        """The gradient of ``slot``: its contributions added up in order (None: none came),
        the last gate named ``name``."""
        items = pending.pop(slot, [])
        node = None
        for k, item in enumerate(items):
            last = k == len(items) - 1
            if isinstance(item, tuple):
                upstream, local, at = item
                item = lower.mul(upstream, local, name=name if last and node is None else unique(at))
            if node is None:
                node = item
            else:
                node = lower.add(node, item, name=name if last else unique(f"{name}_{k}"))
        return node

    for step in plan.live_steps(frozenset(plan.named[n] for n in seeds)):
        g = total(step.out, unique(f"grad_{names[step.out]}"))
        lower.hint = f"d_{names[step.out]}"
        local = lower.local_grads(plan, step, [source(i) for i in step.ins], names[step.out], what)
        for port, i, lg in zip(step.ports, step.ins, local):
            if i < plan.n_named:
                pending.setdefault(i, []).append((g, lg, f"c_{names[step.out]}_{port}"))
    for name, slot in plan.inputs.items():
        out = f"grad_{name}"
        node = total(slot, out)
        if node != out:  # a constant, or a wire computed before: an add of one input names it
            b.gate("add", [0.0 if node is None else node], name=out)
        b.output(out)
    _drop_unread(b)
    return b


def _drop_unread(b: Builder) -> None:
    """Leave out the gates no output reads: forward gates whose values no gradient needs (the
    neuron's output itself), which a checked file would warn about."""
    needed = set(b.outputs)
    keep = []
    for gate in reversed(b.gates):
        if gate[0] in needed:
            keep.append(True)
            needed.update(source for source in gate[2] if isinstance(source, str))
        else:
            keep.append(False)
    keep.reverse()
    b.gates = [gate for gate, k in zip(b.gates, keep) if k]
    b.sites["gates"] = [site for site, k in zip(b.sites["gates"], keep) if k]
