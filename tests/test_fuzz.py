"""Bounded fuzzing: mutated circuit files only ever give a CircuitError, quickly."""

import pathlib
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import circuitsim
from circuitsim.read import yamltree as yamlsrc

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The example circuits small enough to parse many times over in a test (not the generated MLP).
SEEDS = [p.read_bytes() for p in sorted((ROOT / "circuits").glob("*.yaml")) if p.stat().st_size < 10_000]
TOKENS = [b"{", b"}", b"[", b"]", b":", b"-", b",", b"&a", b"*a", b"!!python/object:os.system",
          b"? ", b"|", b">", b"'", b'"', b"\n", b"  ", b"\t", b"#", b"---", b"...", b"1e999",
          b"nan", b"-0.0", b"inputs", b"gates", b"outputs", b"wires", b"type", b"params",
          b"add", b"div", b"pow", b"log", b"x -> y", b"\xff", b"\x00", b"null", b"~", b"yes"]


@st.composite
def mutants(draw):
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "duplicate_line", "drop_line"]))
        i = draw(st.integers(0, len(data)))
        if op == "insert":
            data[i:i] = draw(st.sampled_from(TOKENS))
        elif op == "delete":
            del data[i : i + draw(st.integers(1, 8))]
        elif op == "replace":
            data[i : i + 1] = draw(st.sampled_from(TOKENS))
        else:
            lines = bytes(data).split(b"\n")
            k = draw(st.integers(0, len(lines) - 1))
            lines[k:k + 1] = [lines[k]] * 2 if op == "duplicate_line" else []
            data = bytearray(b"\n".join(lines))
    return bytes(data)


@pytest.mark.parametrize("libyaml", [True, False], ids=["libyaml", "pure-python"])
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=mutants())
def test_mutated_files_only_raise_circuit_errors(monkeypatch, libyaml, text):
    monkeypatch.setattr(yamlsrc, "LIBYAML", libyaml and yamlsrc.LIBYAML)
    start = time.perf_counter()
    try:
        circuit = circuitsim.loads(text, path="fuzz.yaml")
    except circuitsim.CircuitError as exc:
        assert str(exc).startswith("fuzz.yaml")
    else:
        try:
            circuit.run(nan="ignore")
        except circuitsim.CircuitError:
            pass
    assert time.perf_counter() - start < 2.0
