"""A JSON Schema of the circuit file format, for editors: completion, hover text and checks.

It knows each registered gate type, its ports and parameters; ``circuitsim check`` remains the
judge (see ``docs/circuits.md``, "Editor support").
"""

from __future__ import annotations

from typing import Any

from circuitsim.gate.base import Gate
from circuitsim.gate.plugins import Registry, load_registry
from circuitsim.read.spec import NAME

__all__ = ["circuit_schema"]

REFERENCE = f"{NAME}(\\.{NAME})?"  # a node, or gate.output of a module instance
NODE = f"({NAME}/)*{REFERENCE}"  # any node of a run's results: u/v.hi, u/x
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def circuit_schema(registry: Registry | None = None) -> dict[str, Any]:
    """The JSON Schema of a circuit file whose gate types are those of ``registry``."""
    registry = registry or load_registry()
    gates = {name: registry.get(name).cls for name in registry.names()}
    return {
        "$schema": DRAFT,
        "title": "circuitsim circuit",
        "description": "A circuit of gates and wires; `circuitsim check` validates it fully.",
        "type": "object",
        "additionalProperties": False,
        "required": ["outputs"],
        "properties": {
            "circuit": {"type": "string", "description": "The circuit's name; defaults to the file's stem."},
            "description": {"type": "string"},
            "modules": _by_name("Module name -> circuit file (relative to this file); use the name as a gate type.", {"type": "string"}),
            "inputs": {
                "description": "Input name -> default value (null: the caller must supply it), or a list of required inputs.",
                "anyOf": [
                    {"type": "object", "propertyNames": {"$ref": "#/$defs/name"}, "additionalProperties": {"type": ["number", "null"]}},
                    {"type": "array", "items": {"$ref": "#/$defs/name"}, "uniqueItems": True},
                ],
            },
            "gates": _by_name("Gate name -> {type, inputs, params}.", {"$ref": "#/$defs/gate"}),
            "wires": {
                "description": 'The netlist: "SOURCE -> GATE" or "SOURCE -> GATE.PORT", instead of gates\' inputs.',
                "type": "array",
                "items": {"type": "string", "pattern": f"^\\s*\\S+\\s*->\\s*{NAME}(\\.\\w+)?\\s*$"},
            },
            "outputs": {
                "description": "The nodes whose sum is differentiated.",
                "anyOf": [
                    {"type": "array", "items": {"$ref": "#/$defs/reference"}, "minItems": 1, "uniqueItems": True},
                    {"$ref": "#/$defs/reference"},
                ],
            },
            "tests": {"type": "array", "items": {"$ref": "#/$defs/test"}},
            "randomize": _by_name(
                "Input -> [low, high]: `circuitsim assign` draws each student's value from this range.",
                {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
            ),
        },
        "$defs": {
            "name": {"type": "string", "pattern": f"^{NAME}$"},
            "reference": {"type": "string", "pattern": f"^{REFERENCE}$"},
            "source": {
                "description": "An input, a gate, a module instance's output (gate.output), or a number.",
                "anyOf": [{"type": "number"}, {"$ref": "#/$defs/reference"}],
            },
            "gate": _gate_schema(gates),
            "test": _test_schema(),
        },
    }


def _by_name(description: str, value: dict[str, Any]) -> dict[str, Any]:
    """A mapping of names to ``value``s."""
    return {"description": description, "type": "object", "propertyNames": {"$ref": "#/$defs/name"}, "additionalProperties": value}


def _gate_schema(gates: dict[str, type[Gate]]) -> dict[str, Any]:
    types = [{"const": name, "description": cls.summary()} for name, cls in gates.items()]
    types.append({"$ref": "#/$defs/name", "description": "A module named under `modules:`."})
    return {
        "type": "object",
        "required": ["type"],
        "additionalProperties": False,
        "properties": {
            "type": {"description": "A registered gate type (`circuitsim gates`) or a module.", "anyOf": types},
            "inputs": {
                "description": "Sources in port order, or a mapping port -> source.",
                "anyOf": [
                    {"type": "array", "items": {"$ref": "#/$defs/source"}},
                    {"type": "object", "additionalProperties": {"$ref": "#/$defs/source"}},
                ],
            },
            "params": {"type": ["object", "null"]},
        },
        "allOf": [_gate_type_rule(name, cls) for name, cls in gates.items()],
    }


def _gate_type_rule(name: str, cls: type[Gate]) -> dict[str, Any]:
    """What a gate of type ``name`` may have: its ports, its parameters."""
    source = {"$ref": "#/$defs/source"}
    if cls.arity is None:
        listed = {"type": "array", "items": source, "minItems": 1}
        mapped = {"type": "object", "propertyNames": {"pattern": "^(0|[1-9][0-9]*)$"}, "additionalProperties": source}
    else:
        ports = cls.port_names()
        listed = {"type": "array", "items": source, "minItems": cls.arity, "maxItems": cls.arity}
        mapped = {"type": "object", "propertyNames": {"enum": ports}, "required": ports, "additionalProperties": source}
    required = [p for p, default in cls.params.items() if default is None]
    params = {
        "type": "object" if required else ["object", "null"],
        "properties": {p: _param_schema(default) for p, default in cls.params.items()},
        "required": required,
        "additionalProperties": False,
    }
    then = {"properties": {"inputs": {"anyOf": [listed, mapped]}, "params": params}}
    if required:
        then["required"] = ["params"]
    return {"if": {"properties": {"type": {"const": name}}, "required": ["type"]}, "then": then}


def _param_schema(default: Any) -> dict[str, Any]:
    if default is None:
        return {"description": "required"}
    kind = {bool: "boolean", str: "string", int: "number", float: "number"}.get(type(default))
    schema: dict[str, Any] = {"description": f"default {default!r}"}
    if kind:
        schema["type"] = kind
    return schema


def _test_schema() -> dict[str, Any]:
    numbers = {"anyOf": [{"type": "number"}, {"type": "array", "items": {"type": "number"}, "minItems": 1}]}
    values = {"type": "object", "propertyNames": {"pattern": f"^{NODE}$"}, "additionalProperties": numbers}
    return {
        "description": "A test vector run by `circuitsim test`.",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string"},
            "inputs": {**values, "propertyNames": {"$ref": "#/$defs/name"}},
            "expect": values,
            "grads": values,
            "tol": {"type": "number"},
            "points": {"type": "number", "description": "What passing it is worth when a class is graded: a number >= 0 (default 1)."},
            "visibility": {"enum": ["visible", "hidden", "after_due_date", "after_published"], "description": "When a student sees it on Gradescope."},
        },
    }
