"""The JSON Schema for editors: every example circuit validates, broken ones do not.

jsonschema is not a dependency, so a small validator for the keywords the schema uses checks it
here on every run; where jsonschema is installed it checks the schema and the files as well.
"""

import importlib.util
import json
import pathlib
import re

import pytest
from click.testing import CliRunner

from circuitsim.cli import main
from circuitsim.gate.plugins import load_registry
from circuitsim.read.schema import circuit_schema
from circuitsim.read.yamltree import Map, Scalar, Seq, read

ROOT = pathlib.Path(__file__).resolve().parent.parent
CIRCUITS = sorted((ROOT / "circuits").rglob("*.yaml"))
PAGE = (ROOT / "docs" / "circuits.md").read_text()  # circuit files, and the schema for editors
SCHEMA = circuit_schema(load_registry(autoload=False))
HAS_JSONSCHEMA = importlib.util.find_spec("jsonschema") is not None

KEYWORDS = {
    "$schema", "$defs", "$ref", "title", "description", "type", "properties", "additionalProperties",
    "propertyNames", "required", "items", "minItems", "maxItems", "uniqueItems", "enum", "const",
    "pattern", "anyOf", "allOf", "if", "then",
}  # fmt: skip
TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def problems(value, schema, root=SCHEMA, where="") -> list[str]:
    """What is wrong with ``value`` under ``schema``: a validator for the keywords above."""
    if schema is True or schema == {}:
        return []
    if schema is False:
        return [f"{where}: not allowed"]
    if "$ref" in schema:
        target = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        found = problems(value, target, root, where)
        if found:
            return found
    types = schema.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else types
        if not any(TYPES[t](value) for t in types):
            return [f"{where}: {value!r} is not of type {types}"]
    found = []
    if "const" in schema and value != schema["const"]:
        found.append(f"{where}: {value!r} is not {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
        found.append(f"{where}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                found.append(f"{where}: {key!r} is required")
        for key, item in value.items():
            if "propertyNames" in schema:
                found += problems(key, schema["propertyNames"], root, f"{where}/{key} (name)")
            if key in props:
                found += problems(item, props[key], root, f"{where}/{key}")
            elif "additionalProperties" in schema:
                found += problems(item, schema["additionalProperties"], root, f"{where}/{key}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", len(value)):
            found.append(f"{where}: {len(value)} items")
        if schema.get("uniqueItems") and len(set(map(repr, value))) != len(value):
            found.append(f"{where}: items repeat")
        for i, item in enumerate(value):
            found += problems(item, schema.get("items", {}), root, f"{where}/{i}")
    if "anyOf" in schema and all(problems(value, s, root, where) for s in schema["anyOf"]):
        found.append(f"{where}: {value!r} matches none of anyOf")
    for sub in schema.get("allOf", []):
        found += problems(value, sub, root, where)
    if "if" in schema and not problems(value, schema["if"], root, where):
        found += problems(value, schema.get("then", {}), root, where)
    return found


def plain(node):
    """A circuit file's YAML tree as JSON-like data, numbers as YAML 1.2 reads them."""
    if isinstance(node, Scalar):
        return node.python()
    if isinstance(node, Seq):
        return [plain(item) for item in node.items]
    assert isinstance(node, Map)
    return {key.raw: plain(value) for key, value in node.items}


def schema_keywords(schema, found=None) -> set[str]:
    found = set() if found is None else found
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key in ("properties", "$defs"):
                for sub in value.values():
                    schema_keywords(sub, found)
                found.add(key)
            else:
                found.add(key)
                schema_keywords(value, found)
    elif isinstance(schema, list):
        for item in schema:
            schema_keywords(item, found)
    return found


def check(data) -> list[str]:
    found = problems(data, SCHEMA)
    if HAS_JSONSCHEMA:
        import jsonschema

        validator = jsonschema.Draft202012Validator(SCHEMA)
        assert bool(found) == (not validator.is_valid(data)), (found, data)
    return found


def test_the_schema_uses_only_keywords_checked_here():
    assert schema_keywords(SCHEMA) <= KEYWORDS
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_schema_is_a_valid_draft_2020_12_schema():
    if HAS_JSONSCHEMA:
        import jsonschema

        jsonschema.Draft202012Validator.check_schema(SCHEMA)
    json.loads(json.dumps(SCHEMA))  # plain JSON data
    assert {rule["if"]["properties"]["type"]["const"] for rule in SCHEMA["$defs"]["gate"]["allOf"]} >= {"add", "pow", "sub"}


@pytest.mark.parametrize("path", CIRCUITS, ids=[str(p.relative_to(ROOT / "circuits")) for p in CIRCUITS])
def test_every_example_circuit_validates(path):
    assert check(plain(read(path.read_bytes(), str(path)))) == []


def test_the_circuits_shown_validate():
    blocks = [b for b in re.findall(r"^```yaml\n(.*?)^```", PAGE, re.M | re.S) if "outputs:" in b]
    assert blocks
    for text in blocks:
        assert check(plain(read(text))) == []


BASE = {"inputs": {"x": 1.0}, "gates": {"g": {"type": "neg", "inputs": ["x"]}}, "outputs": ["g"]}


@pytest.mark.parametrize(
    "change, complaint",
    [
        ({"wirez": []}, "/wirez: not allowed"),
        ({"gates": {"g": {"type": "pow", "inputs": ["x"]}}}, "/gates/g: 'params' is required"),
        ({"gates": {"g": {"type": "pow", "inputs": ["x"], "params": {"exp": 2}}}}, "/gates/g/params/exp: not allowed"),
        ({"gates": {"g": {"type": "sub", "inputs": ["x", "x", "x"]}}}, "/gates/g/inputs"),
        ({"gates": {"g": {"type": "div", "inputs": {"a": "x", "c": "x"}}}}, "/gates/g/inputs"),
        ({"gates": {"g": {"type": "add", "inputs": {"one": "x"}}}}, "/gates/g/inputs"),
        ({"gates": {"g": {"type": "neg", "inputs": ["x"], "params": {"k": 1}}}}, "/gates/g/params/k: not allowed"),
        ({"gates": {"g": {"type": "neg", "inputs": ["x y"]}}}, "/gates/g/inputs"),
        ({"gates": {"2g": {"type": "neg", "inputs": ["x"]}}}, "/gates/2g (name)"),
        ({"gates": {"g": {"inputs": ["x"]}}}, "/gates/g: 'type' is required"),
        ({"inputs": {"x": "one"}}, "/inputs"),
        ({"wires": ["x to g"]}, "/wires/0"),
        ({"outputs": []}, "/outputs"),
        ({"tests": [{"expect": {"g": "high"}}]}, "/tests/0/expect/g"),
        ({"modules": {"m": 3}}, "/modules/m"),
    ],
)
def test_broken_circuits_do_not_validate(change, complaint):
    found = check({**BASE, **change})
    assert any(complaint in p for p in found), found


def test_modules_instances_and_outputs_validate():
    data = {
        "modules": {"sort2": "modules/sort2.yaml"},
        "inputs": ["a", "b"],
        "gates": {"s": {"type": "sort2", "inputs": {"a": "a"}}, "d": {"type": "sub", "inputs": ["s.hi", 1]}},
        "outputs": ["d", "s.lo"],
        "tests": [{"inputs": {"a": [1, 2], "b": 0}, "expect": {"s/lo": 0, "s.hi": 1, "s/inner/x.y": 2}}],
    }
    assert check(data) == []


def test_schema_command_prints_it_and_takes_plugins(tmp_path):
    plugin = tmp_path / "cube_plugin.py"
    plugin.write_text(
        "from circuitsim import Gate, hookimpl\n\n"
        "class Cube(Gate):\n"
        '    """The cube of its input."""\n'
        '    name = "cube"\n'
        '    params = {"scale": 1.0}\n'
        "    def forward(self, x):\n        return x ** 3\n"
        "    def local_grads(self, inputs, output):\n        return (3 * inputs[0] ** 2,)\n\n"
        "@hookimpl\ndef circuitsim_register_gates(register):\n    register(Cube)\n"
    )
    result = CliRunner().invoke(main, ["schema", "-p", str(plugin)])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    types = schema["$defs"]["gate"]["properties"]["type"]["anyOf"]
    assert {"const": "cube", "description": "The cube of its input."} in types
    rule = next(r for r in schema["$defs"]["gate"]["allOf"] if r["if"]["properties"]["type"]["const"] == "cube")
    assert rule["then"]["properties"]["params"]["properties"] == {"scale": {"description": "default 1.0", "type": "number"}}


def test_the_schema_commands_shown_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    commands = re.findall(r"^\$ circuitsim (schema.*)$", PAGE, re.M)
    assert commands
    for command in commands:
        result = CliRunner().invoke(main, command.split())
        assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "circuit.schema.json").read_text()) == SCHEMA


def test_schema_command_reports_a_bad_plugin():
    result = CliRunner().invoke(main, ["schema", "-p", "no_such_plugin_module"])
    assert result.exit_code == 1 and "no_such_plugin_module" in result.output


def test_the_editor_settings_shown_name_the_schema_file():
    written = re.search(r"^\$ circuitsim schema -o (\S+)$", PAGE, re.M)[1]
    assert f"# yaml-language-server: $schema={written}\n" in PAGE
    (settings,) = re.findall(r"^```json\n(.*?)^```", PAGE, re.M | re.S)
    assert list(json.loads(settings)["yaml.schemas"]) == [f"./{written}"]
