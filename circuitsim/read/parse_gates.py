"""The spec parser's gates and wires: each gate's type, params and inputs, and ``wires:``.

A gate's inputs come from its own ``inputs:`` (a list in port order or a mapping port: source)
or from the top-level ``wires:`` list; either way each port is driven exactly once, and
:meth:`GateSections.check_gate_sources` reports, once all are in, a port left undriven and a
source naming no node.
"""

from __future__ import annotations

from typing import Any

from circuitsim.base.suggest import Suggestions
from circuitsim.errors import CircuitError, Position, did_you_mean
from circuitsim.read.reader import BAD, SpecReader, absent
from circuitsim.read.spec import CircuitSpec, GateSpec
from circuitsim.read.yamltree import Map, Node, Scalar, Seq

__all__ = ["GateSections"]

GATE_KEYS = ("type", "inputs", "params")


class GateSections(SpecReader):
    """Reads ``gates:`` and ``wires:`` into the spec's :class:`~circuitsim.read.spec.GateSpec`\\ s."""

    def parse_gates(self, node: Node | None, spec: CircuitSpec) -> None:
        if not self.section(node, Map, "gates must be a mapping of gate name to {type, inputs, params}"):
            return
        for key, body in node.items:
            name = self.new_name(key, spec, "gate")
            gate = self.parse_gate(name or key.raw, key, body)
            if name and gate:
                spec.gates[name] = gate

    def parse_gate(self, name: str, key: Scalar, body: Node) -> GateSpec | None:
        if not isinstance(body, Map):
            self.error(f"gate {name!r} must be a mapping like {{type: add, inputs: [a, b]}}", body)
            return None
        for k, _ in body.items:
            if k.raw not in GATE_KEYS:
                self.error(f"gate {name!r}: unknown key {k.raw!r}{did_you_mean(k.raw, GATE_KEYS)}", k)
        type_node = body.get("type")
        if type_node is None:
            self.error(f"gate {name!r} has no type", key)
            return None
        if not isinstance(type_node, Scalar) or type_node.is_null():
            self.error(f"gate {name!r}: type must be a gate type name", type_node)
            return None
        type_name = type_node.raw
        if type_name in self.modules:
            cls = self.modules[type_name]  # None: the module's problems are reported
        else:
            cls = self.lookup(type_name)
        if cls is None and type_name not in self.modules:
            hint = did_you_mean(type_name, [*self.gate_types, *self.modules])
            self.error(
                f"gate {name!r}: unknown gate type {type_name!r}{hint}; "
                "`circuitsim gates` lists the registered types",
                type_node,
            )
        gate = GateSpec(name, type_name, cls, {}, [], {}, key.pos)
        if cls is not None:
            reported = len(self.errors)
            gate.params = self.parse_params(gate, body.get("params"))
            gate.params_ok = len(self.errors) == reported
        self.parse_gate_inputs(gate, body.get("inputs"))
        return gate

    def parse_params(self, gate: GateSpec, node: Node | None) -> dict[str, Any]:
        declared = dict(gate.cls.params)
        given: dict[str, Any] = {}
        if not absent(node):
            if not isinstance(node, Map):
                self.error(f"gate {gate.name!r}: params must be a mapping", node)
            else:
                for key, value in node.items:
                    if key.raw not in declared:
                        known = ", ".join(declared) or "none"
                        self.error(
                            f"gate {gate.name!r} ({gate.type}): unknown parameter {key.raw!r}"
                            f"{did_you_mean(key.raw, declared)}; its parameters: {known}",
                            key,
                        )
                    else:
                        try:
                            given[key.raw] = _plain(value)
                        except CircuitError as exc:  # a number out of range
                            self.errors.append(exc)
                            given[key.raw] = BAD  # reported: not missing too
        for pname, default in declared.items():
            if default is None and given.get(pname) is None:
                self.error(f"gate {gate.name!r} ({gate.type}): missing required parameter {pname!r}", gate.pos)
        return given

    def parse_gate_inputs(self, gate: GateSpec, node: Node | None) -> None:
        if node is None:
            if gate.cls is not None and gate.cls.arity is not None:
                gate.ports = gate.cls.port_names()
            return
        gate.inline_inputs = True
        cls = gate.cls
        if isinstance(node, Seq):
            sources = [self.source(item) for item in node.items]
            gate.listed_inputs = len(sources)
            if cls is not None:
                too_many = len(sources) > cls.arity if gate.module else len(sources) != cls.arity
                if cls.arity is None and not sources:
                    self.error(f"gate {gate.name!r} ({gate.type}) needs at least one input", node)
                elif cls.arity is not None and too_many:
                    self.arity_error(gate, len(sources), node)
                    return
            gate.ports = cls.port_names(len(sources)) if cls else [str(i) for i in range(len(sources))]
            gate.sources = {p: s for p, s in zip(gate.ports, sources) if s is not None}
        elif isinstance(node, Map):
            if cls is None:
                return
            for key, value in node.items:
                port = key.raw
                src = self.source(value)
                if cls.arity is None and not (port.isdigit() and str(int(port)) == port):
                    self.error(f"gate {gate.name!r} ({gate.type}): ports of a variadic gate are 0, 1, ...; got {port!r}", key)
                elif cls.arity is not None and port not in cls.port_names():
                    ports = ", ".join(cls.port_names())
                    hint = did_you_mean(port, cls.port_names())
                    self.error(f"gate {gate.name!r} ({gate.type}): unknown port {port!r}{hint}; its ports: {ports}", key)
                elif src is not None:
                    gate.sources[port] = src
            if cls.arity is None:
                n = max((int(p) for p in gate.sources), default=-1) + 1
                gate.ports = cls.port_names(n)
            else:
                gate.ports = cls.port_names()
        else:
            self.error(f"gate {gate.name!r}: inputs must be a list (in port order) or a mapping port: source", node)

    def arity_error(self, gate: GateSpec, got: int, node: Node | Position) -> None:
        ports = ", ".join(gate.cls.port_names())
        n = gate.cls.arity
        self.error(
            f"gate {gate.name!r} ({gate.type}) takes {n} input{'s' if n != 1 else ''} ({ports}), got {got}",
            node,
        )

    def parse_wires(self, node: Node | None, spec: CircuitSpec) -> None:
        if not self.section(node, Seq, 'wires must be a list of strings like "a -> g" or "a -> g.x"'):
            return
        for item in node.items:
            if not isinstance(item, Scalar) or "->" not in item.raw:
                self.error('a wire is a string "SOURCE -> GATE" or "SOURCE -> GATE.PORT"', item)
                continue
            self.parse_wire(item, spec)
        for name, n in self.variadic.items():
            gate = spec.gates[name]
            gate.ports = gate.cls.port_names(n)

    def parse_wire(self, item: Scalar, spec: CircuitSpec) -> None:
        left, _, right = item.raw.partition("->")
        offset = 1 if item.quoted else 0
        src_pos = _shift(item.pos, offset + len(left) - len(left.lstrip()))
        dst_pos = _shift(item.pos, offset + len(left) + 2 + len(right) - len(right.lstrip()))
        source = self.source_name(left, src_pos)
        target, dot, port = right.strip().partition(".")
        gate = spec.gates.get(target)
        if gate is None:
            if self._gate_names is None:
                self._gate_names = Suggestions(spec.gates)
            self.error(f"wire to unknown gate {target!r}{self._gate_names.hint(target)}", dst_pos)
            return
        if gate.cls is None:
            return
        if gate.inline_inputs:
            self.error(f"gate {target!r} has inputs: in its own entry; give its wires in one place", dst_pos)
            return
        if dot:
            ports = gate.ports if gate.cls.arity is not None else None
            if ports is not None and port not in ports:
                hint = did_you_mean(port, ports)
                self.error(f"gate {target!r} ({gate.type}) has no port {port!r}{hint}; its ports: {', '.join(ports)}", dst_pos)
                return
            if ports is None and not (port.isdigit() and str(int(port)) == port):
                self.error(f"ports of a variadic gate are 0, 1, ...; got {port!r}", dst_pos)
                return
        else:
            port = self.next_free_port(gate, dst_pos)
            if port is None:
                return
        if port in gate.sources or (target, port) in self.bad_sources:
            first = gate.sources[port].pos if port in gate.sources else src_pos
            self.error(f"port {port!r} of gate {target!r} is driven twice (first at line {first.line})", dst_pos)
            return
        if source is None:  # its problem is reported; the port is taken all the same
            self.bad_sources.add((target, port))
        else:
            gate.sources[port] = source
        if gate.cls.arity is None:  # the ports are made once all wires are in: linear time
            self.variadic[target] = max(self.variadic.get(target, len(gate.ports)), int(port) + 1)

    def next_free_port(self, gate: GateSpec, pos: Position) -> str | None:
        if gate.cls.arity is None:
            n = self.variadic.get(gate.name, len(gate.ports))
            while str(n) in gate.sources:
                n += 1
            return str(n)
        for port in gate.ports:
            if port not in gate.sources:
                return port
        self.arity_error(gate, len(gate.ports) + 1, pos)
        return None

    def check_gate_sources(self, spec: CircuitSpec) -> None:
        for gate in spec.gates.values():
            if gate.cls is None:
                continue
            for port, src in gate.sources.items():
                if src.name is not None:
                    self.check_reference(src.name, src.output, src.pos, spec, f"gate {gate.name!r}: ", "source")
            if gate.cls.arity is None and not gate.ports:
                self.error(f"gate {gate.name!r} ({gate.type}) needs at least one input", gate.pos)
            module = gate.module
            for i, port in enumerate(gate.ports):
                if port in gate.sources or i < gate.listed_inputs or (gate.name, port) in self.bad_sources:
                    continue
                if module is None:
                    self.error(f"port {port!r} of gate {gate.name!r} ({gate.type}) is not driven", gate.pos)
                elif module.spec.inputs[port].default is None:
                    self.error(
                        f"port {port!r} of gate {gate.name!r} ({gate.type}) is not driven and module "
                        f"input {port!r} has no default: wire it",
                        gate.pos,
                    )



def _shift(pos: Position, columns: int) -> Position:
    if pos.column is None:
        return pos
    return Position(pos.path, pos.line, pos.column + columns)


def _plain(node: Node) -> Any:
    """A parameter's value as plain Python data."""
    if isinstance(node, Scalar):
        return node.python()
    if isinstance(node, Seq):
        return [_plain(item) for item in node.items]
    return {key.raw: _plain(value) for key, value in node.items}
