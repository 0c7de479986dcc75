"""Circuits from formulas: ``f = 1/(1+exp(-(w0*x0 + w1*x1 + w2)))`` -> gates, parsed with
:mod:`ast` (nothing is evaluated) into a :class:`Builder`; the operators and the gates they
stand for are in ``docs/python.md``, "From formulas".
"""

from __future__ import annotations

import ast
import keyword
import math
from collections.abc import Mapping, Sequence
from typing import Any

from circuitsim.author.builder import Builder, Ref
from circuitsim.base.show import too_large
from circuitsim.errors import CircuitError, CircuitErrors, Position, did_you_mean
from circuitsim.gate.plugins import Registry, load_registry
from circuitsim.run.circuit import Circuit

__all__ = ["ExpressionError", "build", "expression_builder", "from_expression"]

SOURCE = "<expression>"

_FLAT = {ast.Add: "add", ast.Mult: "mul", ast.BitAnd: "and", ast.BitOr: "or", ast.BitXor: "xor"}
_BOOL = {ast.And: "and", ast.Or: "or"}


class ExpressionError(CircuitError):
    """A problem in an expression: its line and column, and the line shown with a caret."""

    def __init__(self, message: str, pos: Position, text: str) -> None:
        super().__init__(message, pos)
        self.text = text

    def format_message(self) -> str:
        lines = self.text.splitlines() or [""]
        line = lines[min(self.pos.line or 1, len(lines)) - 1]
        caret = " " * ((self.pos.column or 1) - 1) + "^"
        return f"{super().format_message()}\n    {line}\n    {caret}"


def from_expression(
    text: str,
    /,
    inputs: Mapping[str, float | None] | None = None,
    *,
    output: str | None = None,
    name: str | None = None,
    plugins: Sequence = (),
    registry: Registry | None = None,
    **defaults: float | None,
) -> Circuit:
    """The circuit of the formulas in ``text``; keywords (or ``inputs``) give the inputs' defaults.

    An input without one is required. ``output`` picks the output among the assigned names
    (default: the last); ``name`` names the circuit (default: the output's name).
    """
    b = expression_builder(text, {**(inputs or {}), **defaults}, output=output, name=name, plugins=plugins, registry=registry)
    return build(b, text)


def build(b: Builder, text: str) -> Circuit:
    """``b.build()`` for the builder of ``text``, its problems shown under the formula."""
    try:
        return b.build()
    except CircuitError as exc:
        raise _shown(exc, text) from None


def expression_builder(
    text: str,
    defaults: Mapping[str, float | None] | None = None,
    *,
    output: str | None = None,
    name: str | None = None,
    plugins: Sequence = (),
    registry: Registry | None = None,
    path: str | None = None,
) -> Builder:
    """A :class:`Builder` holding the circuit of ``text`` (see :func:`from_expression`);
    ``path`` is where its file will be written."""
    registry = registry or load_registry(plugins)
    return _Compiler(text, registry, dict(defaults or {})).compile(output, name, path)


class _Compiler:
    def __init__(self, text: str, registry: Registry, defaults: dict[str, Any]) -> None:
        self.text = text
        self.types = registry.names()
        self.defaults = defaults
        self.registry = registry
        self.b: Builder | None = None
        self.assigned: dict[str, Ref] = {}
        self.inputs: dict[str, Ref] = {}

    def error(self, message: str, node: ast.AST | None) -> ExpressionError:
        line = getattr(node, "lineno", 1)
        column = getattr(node, "col_offset", 0) + 1
        return ExpressionError(message, Position(SOURCE, line, column), self.text)

    def at(self, node: ast.AST) -> Position:
        return Position(SOURCE, node.lineno, node.col_offset + 1)

    def compile(self, output: str | None, name: str | None, path: str | None) -> Builder:
        try:
            tree = ast.parse(self.text, SOURCE, mode="exec")
        except SyntaxError as exc:
            pos = Position(SOURCE, exc.lineno or 1, exc.offset or 1)
            raise ExpressionError(f"not a formula: {exc.msg}", pos, self.text) from None
        except (RecursionError, MemoryError):  # Python's parser gives up on thousands of operators in a row
            raise self.error(f"the formula is too long to read in one piece: {_SPLIT}", None) from None
        deep = _too_deep(tree)
        if deep is not None:
            raise self.error(f"the formula nests more than {MAX_NESTING} levels deep here: {_SPLIT}", deep)
        statements = tree.body
        if not statements:
            raise self.error("empty expression: write NAME = FORMULA, e.g. f = x * w + b", None)
        targets = [self.target(s) for s in statements]
        output = output or targets[-1]
        if output not in targets:
            raise self.error(f"output {output!r} is not assigned; assigned: {', '.join(targets)}", None)
        self.b = Builder(name or output, description=" ; ".join(ast.get_source_segment(self.text, s) or "" for s in statements),
                         path=path, registry=self.registry)
        self.b.site = self.at(statements[0])
        for statement, target in zip(statements, targets):
            self.assign(statement, target)
        unused = [n for n in self.defaults if n not in self.inputs]
        if unused:
            raise self.error(f"{unused[0]!r} is given a value but is no name in the expression{did_you_mean(unused[0], self.inputs)}", None)
        self.b.output(output, _at=self.at(statements[targets.index(output)]))
        return self.b

    def target(self, statement: ast.stmt) -> str:
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name)):
            raise self.error("each statement is NAME = FORMULA, e.g. f = x * w + b", statement)
        return statement.targets[0].id

    def assign(self, statement: ast.Assign, target: str) -> None:
        if target in self.assigned or target in self.inputs:
            raise self.error(f"{target!r} is already a name in the expression; give each formula a new name", statement.targets[0])
        value = statement.value
        ref = self.node(value, name=target)
        if not isinstance(ref, Ref) or str(ref) != target:  # a bare name or number: no gate of its own
            raise self.error(f"{target} = ... must compute something: a name or a number alone makes no gate", value)
        self.assigned[target] = ref

    def gate(self, type_name: str, args: list, node: ast.AST, name: str | None, params: dict | None = None) -> Ref:
        return self.b.gate(type_name, args, name=name, params=params, _at=self.at(node))

    def node(self, node: ast.expr, name: str | None = None):
        """The source ``node`` computes: a Ref or a number; ``name`` names its gate, if it makes one."""
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            if isinstance(node.value, float) and not math.isfinite(node.value):  # 1e400: Python reads it as inf
                raise self.error(too_large(ast.get_source_segment(self.text, node) or repr(node.value), None), node)
            return node.value
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
            return self.signs(node, name)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                return self.gate("not", [self.node(node.operand)], node, name)
            raise self.error("operator ~ has no gate: write not x (1 - x)", node)
        if isinstance(node, ast.BinOp):
            return self.binary(node, name)
        if isinstance(node, ast.BoolOp):
            return self.gate(_BOOL[type(node.op)], [self.node(v) for v in node.values], node, name)
        if isinstance(node, ast.Call):
            return self.call(node, name)
        raise self.error(f"{_what(node)} is not part of a formula: use names, numbers, + - * / ** and gate functions", node)

    def name(self, node: ast.Name) -> Ref:
        text = node.id
        if text in self.assigned:
            return self.assigned[text]
        if text not in self.inputs:
            if text in self.types:
                raise self.error(f"{text!r} is a gate type: call it, e.g. {text}(x)", node)
            self.inputs[text] = self.b.input(text, self.defaults.get(text), _at=self.at(node))
        return self.inputs[text]

    def binary(self, node: ast.BinOp, name: str | None):
        op = type(node.op)
        if op in _FLAT:
            terms = [self.node(t) for t in _terms(node, op)]
            return self.gate(_FLAT[op], terms, node, name)
        if op is ast.Sub or op is ast.Div:  # a - b - c is (a - b) - c: the chain is walked, not recursed
            chain = [node]
            while isinstance(chain[-1].left, ast.BinOp) and type(chain[-1].left.op) is op:
                chain.append(chain[-1].left)
            left = self.node(chain[-1].left)
            for link in reversed(chain):
                right, gate_name = self.node(link.right), name if link is node else None
                if op is ast.Sub:
                    left = self.gate("sub", [left, right], link, gate_name)
                elif not isinstance(left, Ref) and left == 1:
                    left = self.gate("reciprocal", [right], link, gate_name)
                else:
                    left = self.gate("div", [left, right], link, gate_name)
            return left
        if op is ast.Pow:
            base, exponent = self.node(node.left), self.node(node.right)
            if isinstance(exponent, Ref):
                raise self.error("the exponent of ** is a number (a pow gate's parameter), not a node", node.right)
            return self.gate("pow", [base], node, name, {"exponent": exponent})
        raise self.error(f"operator {_OPERATORS.get(op, op.__name__)} has no gate: use + - * / ** & | ^", node)

    def signs(self, node: ast.UnaryOp, name: str | None):
        """``-x``, ``+x``, ``--x`` ...: the signs are walked, not recursed; a number takes them
        (``-2`` is the number), a node gets one ``neg`` gate per minus sign."""
        chain = [node]
        while isinstance(chain[-1].operand, ast.UnaryOp) and isinstance(chain[-1].operand.op, (ast.UAdd, ast.USub)):
            chain.append(chain[-1].operand)
        minus = [link for link in reversed(chain) if isinstance(link.op, ast.USub)]
        value = self.node(chain[-1].operand, None if minus else name)
        if not isinstance(value, Ref):
            return -value if len(minus) % 2 else value
        for link in minus:
            value = self.gate("neg", [value], link, name if link is minus[-1] else None)
        return value

    def call(self, node: ast.Call, name: str | None) -> Ref:
        func = node.func
        if not isinstance(func, ast.Name):
            raise self.error("call a gate type by its name, e.g. exp(x)", func)
        type_name = func.id[:-1] if func.id.endswith("_") and keyword.iskeyword(func.id[:-1]) else func.id
        if type_name not in self.types:
            raise self.error(
                f"unknown function {func.id!r}{did_you_mean(type_name, self.types)}; the functions are the gate types "
                "(`circuitsim gates` lists them)",
                func,
            )
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise self.error("write each input of a gate out", node)
        params = {}
        for kw in node.keywords:
            value = self.node(kw.value) if kw.arg is not None else None
            if kw.arg is None or isinstance(value, Ref):
                raise self.error(f"a parameter of {type_name} is NAME=NUMBER", kw.value)
            params[kw.arg] = value
        return self.gate(type_name, [self.node(a) for a in node.args], node, name, params or None)


def _terms(node: ast.expr, op: type) -> list[ast.expr]:
    """The operands of a chain of one operator, ``a + b + c`` -> ``[a, b, c]``, left to right
    (walked with a stack: a chain may be thousands long)."""
    terms, stack = [], [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.BinOp) and type(item.op) is op:
            stack += [item.right, item.left]
        else:
            terms.append(item)
    return terms


MAX_NESTING = 100  # levels of formulas inside formulas; a chain of one operator is one level
_SPLIT = "split it into named formulas, e.g. a = ...; f = a * ..."


def _too_deep(tree: ast.AST) -> ast.AST | None:
    """The first node nested more than :data:`MAX_NESTING` levels deep, or None. A chain
    of one operator (``a + b + c``, ``a - b - c``, ``--x``) counts as one level, as the
    compiler walks it without recursing."""
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            return node
        for child in ast.iter_child_nodes(node):
            stack.append((child, depth if _continues(node, child) else depth + 1))
    return None


def _continues(parent: ast.AST, child: ast.AST) -> bool:
    if isinstance(parent, ast.BinOp) and isinstance(child, ast.BinOp) and type(parent.op) is type(child.op):
        return type(parent.op) in _FLAT or child is parent.left
    signs = (ast.UAdd, ast.USub)
    return isinstance(parent, ast.UnaryOp) and isinstance(child, ast.UnaryOp) and isinstance(parent.op, signs) and isinstance(child.op, signs)


_OPERATORS = {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>"}


def _what(node: ast.expr) -> str:
    if isinstance(node, ast.Constant):
        return f"the constant {node.value!r}"
    return _CONSTRUCTS.get(type(node), "this construct")


# Python's constructs that have no gate, in words (not ast's class names such as IfExp).
_CONSTRUCTS = {
    ast.Compare: "a comparison", ast.Attribute: "an attribute", ast.Subscript: "a subscript",
    ast.IfExp: "a conditional expression (x if c else y)",
    ast.Lambda: "a lambda", ast.List: "a list", ast.Tuple: "a tuple", ast.Set: "a set", ast.Dict: "a dict",
    ast.ListComp: "a list comprehension", ast.SetComp: "a set comprehension",
    ast.DictComp: "a dict comprehension", ast.GeneratorExp: "a generator expression",
    ast.JoinedStr: "an f-string", ast.NamedExpr: "an assignment expression (:=)", ast.Await: "await",
    ast.Yield: "yield", ast.YieldFrom: "yield from", ast.Starred: "a starred expression",
    ast.Slice: "a slice",
}


def _shown(exc: CircuitError, text: str) -> CircuitError:
    """Errors at positions in the expression, shown under it with a caret."""
    shown = [ExpressionError(e.message, e.pos, text) if e.pos.path == SOURCE and not isinstance(e, ExpressionError) else e for e in exc.errors]
    return shown[0] if len(shown) == 1 else CircuitErrors(shown)
