"""A gate's rule as expression trees: its :class:`~circuitsim.gate.Expressions` parsed once,
then lowered to code by every tier, differentiated and printed (see docs/internals/rules.md)."""

from __future__ import annotations

import ast
import builtins
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

__all__ = [
    "Expressions",
    "ONE",
    "ZERO",
    "Binary",
    "Call",
    "Compare",
    "Const",
    "IfElse",
    "Index",
    "Input",
    "Inputs",
    "Name",
    "Node",
    "Names",
    "NotDifferentiable",
    "Opaque",
    "Out",
    "Rule",
    "Tuple",
    "Unary",
    "derivative",
    "evaluate",
    "function",
    "names_of",
    "parse",
    "reads",
    "register",
    "rule_of",
    "shared_rule",
    "sign",
    "substitute",
    "to_latex",
    "to_source",
    "to_text",
]


@dataclass(frozen=True)
class Expressions:
    """A gate's output and local gradients as Python expressions: its rule, written once.

    ``output`` is an expression template in which ``{0}``, ``{1}``, ... stand for the input
    values and ``{xs}`` for the tuple of all of them (``total({xs})``: a rule of any number of
    inputs in text of one size); ``grads`` is one template per input, in port order, which may also read ``{out}``,
    the output value (or, for a gate with many inputs, one template that gives the sequence
    of all of them); ``names`` holds the objects the expressions call, e.g.
    ``{"exp": math.exp}``. Write ``{{`` and ``}}`` for literal braces. They may depend on the
    gate's ``params`` only: gates of one type without params share their compiled code.

    On Python floats (``batch`` false) an expression that raises ``ArithmeticError`` or
    ``ValueError`` (``math.log(0.0)``) is evaluated again from the batch expressions in numpy
    float64, which answers IEEE ``inf`` or ``nan``.

    >>> Expressions("{0} * {0}", ("2.0 * {0}",))
    Expressions(output='{0} * {0}', grads=('2.0 * {0}',), names={})
    """

    output: str
    grads: tuple[str, ...] | str
    names: Mapping[str, Any] = field(default_factory=dict)

    def key(self, n_inputs: int) -> tuple:
        """What identifies the code compiled from these expressions for ``n_inputs`` inputs."""
        grads = self.grads if isinstance(self.grads, str) else tuple(self.grads)
        return (self.output, grads, n_inputs, tuple((k, id(v)) for k, v in sorted(self.names.items())))


# -- nodes --------------------------------------------------------------------------------


class Node:
    """An expression tree node; nodes are immutable, hashable and compared by structure."""

    __slots__ = ()

    def children(self) -> tuple[Node, ...]:
        return ()

    def rebuild(self, children: tuple[Node, ...]) -> Node:
        return self


@dataclass(frozen=True, eq=False)
class Const(Node):
    """A number (or another Python constant), as written."""

    value: Any

    def _key(self):
        return (type(self.value), repr(self.value))  # 0.0 and -0.0, 1 and 1.0 differ

    def __eq__(self, other):
        return type(other) is Const and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())


@dataclass(frozen=True)
class Input(Node):
    """The value of input port ``port`` (``{0}``, ``{1}``, ... in a template)."""

    port: int


@dataclass(frozen=True)
class Inputs(Node):
    """The tuple of all ``n`` input values (``{xs}`` in a template): a function of every input
    stated without naming each, so that its tree, source and derivatives grow linearly with
    ``n`` (or not at all)."""

    n: int


@dataclass(frozen=True)
class Out(Node):
    """The gate's output value (``{out}`` in a local gradient's template)."""


@dataclass(frozen=True)
class Unary(Node):
    """``op operand`` for op in ``-``, ``+``, ``not``, ``~``."""

    op: str
    operand: Node

    def children(self):
        return (self.operand,)

    def rebuild(self, children):
        return Unary(self.op, *children)


@dataclass(frozen=True)
class Binary(Node):
    """``left op right`` for op in ``+ - * / // % ** @``."""

    op: str
    left: Node
    right: Node

    def children(self):
        return (self.left, self.right)

    def rebuild(self, children):
        return Binary(self.op, *children)


@dataclass(frozen=True)
class Compare(Node):
    """A comparison ``a < b``, or a chain ``a < b <= c`` (``ops`` between ``operands``)."""

    ops: tuple[str, ...]
    operands: tuple[Node, ...]

    def children(self):
        return self.operands

    def rebuild(self, children):
        return Compare(self.ops, tuple(children))


@dataclass(frozen=True)
class IfElse(Node):
    """``then if cond else other``: piecewise, the condition's derivative taken as zero."""

    cond: Node
    then: Node
    other: Node

    def children(self):
        return (self.cond, self.then, self.other)

    def rebuild(self, children):
        return IfElse(*children)


@dataclass(frozen=True, eq=False)
class Call(Node):
    """``name(args...)``: ``fn`` the object called (from the expressions' names, or a builtin)."""

    name: str
    fn: Any
    args: tuple[Node, ...]

    def _key(self):
        return (self.name, id(self.fn), self.args)

    def __eq__(self, other):
        return type(other) is Call and self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def children(self):
        return self.args

    def rebuild(self, children):
        return Call(self.name, self.fn, tuple(children))


@dataclass(frozen=True, eq=False)
class Name(Node):
    """A name read as a value, not called (``obj`` what it stands for)."""

    name: str
    obj: Any

    def __eq__(self, other):
        return type(other) is Name and (self.name, id(self.obj)) == (other.name, id(other.obj))

    def __hash__(self):
        return hash((self.name, id(self.obj)))


@dataclass(frozen=True)
class Tuple(Node):
    """``(a, b, ...)``."""

    items: tuple[Node, ...]

    def children(self):
        return self.items

    def rebuild(self, children):
        return Tuple(tuple(children))


@dataclass(frozen=True)
class Index(Node):
    """``value[index]``."""

    value: Node
    index: Node

    def children(self):
        return (self.value, self.index)

    def rebuild(self, children):
        return Index(*children)


@dataclass(frozen=True, eq=False)
class Opaque(Node):
    """Python the trees do not model (a keyword argument, a dict, an attribute...): kept as
    its source, with the ports and names it reads; lowered as written, never differentiated."""

    source: str  # ast.unparse text, ports written __x0__, __x1__, ..., the output __out__
    names: tuple[tuple[str, Any], ...]
    ports: frozenset[int]
    out: bool

    def __eq__(self, other):
        return type(other) is Opaque and self.source == other.source and [id(o) for _, o in self.names] == [id(o) for _, o in other.names]

    def __hash__(self):
        return hash(self.source)


ZERO = Const(0.0)
ONE = Const(1.0)
_MISSING = object()  # a name neither the expressions nor builtins define: NameError when run


# -- parsing ------------------------------------------------------------------------------

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**", ast.MatMult: "@"}
_UNARY = {ast.USub: "-", ast.UAdd: "+", ast.Not: "not", ast.Invert: "~"}
_COMPARE = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}


def _lookup(name: str, names: Mapping[str, Any]) -> Any:
    if name in names:
        return names[name]
    return getattr(builtins, name, _MISSING)


class _Parser:
    def __init__(self, n: int, names: Mapping[str, Any]) -> None:
        self.n = n
        self.names = names

    def variable(self, name: str) -> Node | None:
        if name == "out":
            return Out()
        if name == _XS:
            return Inputs(self.n)
        if name[:1] == "x" and name[1:].isdigit() and int(name[1:]) < self.n and str(int(name[1:])) == name[1:]:
            return Input(int(name[1:]))
        return None

    def node(self, e: ast.AST) -> Node:
        if isinstance(e, ast.Constant) and isinstance(e.value, (int, float, complex, bool)) or (isinstance(e, ast.Constant) and e.value is None):
            return Const(e.value)
        if isinstance(e, ast.Name):
            var = self.variable(e.id)
            return var if var is not None else Name(e.id, _lookup(e.id, self.names))
        if isinstance(e, ast.BinOp) and type(e.op) in _BINARY:
            return Binary(_BINARY[type(e.op)], self.node(e.left), self.node(e.right))
        if isinstance(e, ast.UnaryOp) and type(e.op) in _UNARY:
            return Unary(_UNARY[type(e.op)], self.node(e.operand))
        if isinstance(e, ast.Compare) and all(type(op) in _COMPARE for op in e.ops):
            return Compare(tuple(_COMPARE[type(op)] for op in e.ops), tuple(self.node(x) for x in (e.left, *e.comparators)))
        if isinstance(e, ast.IfExp):
            return IfElse(self.node(e.test), self.node(e.body), self.node(e.orelse))
        if isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and self.variable(e.func.id) is None and not e.keywords and not any(isinstance(a, ast.Starred) for a in e.args):
            return Call(e.func.id, _lookup(e.func.id, self.names), tuple(self.node(a) for a in e.args))
        if isinstance(e, ast.Tuple) and isinstance(e.ctx, ast.Load) and not any(isinstance(a, ast.Starred) for a in e.elts):
            return Tuple(tuple(self.node(x) for x in e.elts))
        if isinstance(e, ast.Subscript) and not isinstance(e.slice, ast.Slice):
            return Index(self.node(e.value), self.node(e.slice))
        return self.opaque(e)

    def opaque(self, e: ast.AST) -> Opaque:
        ports, out, names = set(), False, {}
        for sub in ast.walk(e):
            if isinstance(sub, ast.Name):
                var = self.variable(sub.id)
                if isinstance(var, Input):
                    ports.add(var.port)
                    sub.id = f"__x{var.port}__"
                elif isinstance(var, Out):
                    out = True
                    sub.id = "__out__"
                elif isinstance(var, Inputs):  # kept as __xs__, lowered as the tuple of the inputs
                    ports.update(range(self.n))
                elif sub.id in self.names:
                    names[sub.id] = self.names[sub.id]
        return Opaque(ast.unparse(e), tuple(sorted(names.items(), key=lambda kv: kv[0])), frozenset(ports), out)


_XS = "__xs__"  # {xs} in a template's text, parsed as Inputs()


def parse_template(template: str, n: int, names: Mapping[str, Any] = {}) -> Node:  # noqa: B006
    """The tree of one expression template (``{0}`` ports, ``{xs}`` the tuple of them,
    ``{out}`` the output) for ``n`` inputs.

    Raises as formatting and compiling the template would: IndexError, KeyError, ValueError,
    SyntaxError.
    """
    text = template.format(*(f"x{k}" for k in range(n)), out="out", xs=_XS)
    tree = ast.parse(text.strip(), mode="eval").body
    return _Parser(n, names).node(tree)


# -- rules --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Rule:
    """A gate's rule for ``n`` inputs: the ``output`` tree and one local gradient tree per input
    (``grads``, which may read :class:`Out`). ``together`` is the one tree giving the sequence of
    all local gradients where the gate wrote them so (``grads[k]`` is then ``together[k]``)."""

    n: int
    output: Node
    grads: tuple[Node, ...]
    together: Node | None = None
    names: Mapping[str, Any] = field(default_factory=dict)  # the expressions' names

    @cached_property
    def units(self) -> tuple[str | None, ...]:
        """Per input: ``"+"`` where its local gradient is the constant 1.0, ``"-"`` for -1.0, else None."""
        if self.together is not None:
            return (None,) * self.n
        return tuple(unit(g) for g in self.grads)

    @cached_property
    def is_sum(self) -> bool:
        """Whether the output adds the inputs from the left (``x0 + x1 + ...``, written out or
        through a function registered with that expansion) and every local gradient is 1.0."""
        return self.n > 1 and set(self.units) == {"+"} and _folds(_expand_call(self.output), "+", self.n)

    @cached_property
    def is_product(self) -> bool:
        """Whether the output multiplies the inputs from the left (``x0 * x1 * ...``)."""
        return self.n > 1 and _folds(_expand_call(self.output), "*", self.n)

    @cached_property
    def grad_reads(self) -> frozenset:
        """What the local gradients read, but for unit ones: ports (ints) and ``"out"``."""
        if self.together is not None:
            return reads(self.together)
        return frozenset().union(*(reads(g) for g, u in zip(self.grads, self.units) if u is None))

    def port_read(self, k: int) -> int | None:
        """The port whose value the local gradient of input ``k`` is (for ``x0 * x1``, 1 for 0), else None."""
        g = self.grads[k] if self.together is None else None
        return g.port if isinstance(g, Input) else None

    @cached_property
    def tupled(self) -> bool:
        """Whether a tree reads :class:`Inputs`, the tuple of the inputs: a rule of many inputs,
        whose code the tiers do not lower per input (they call the gate's methods, which run
        :attr:`functions`)."""
        trees = (self.output, *((self.together,) if self.together is not None else dict.fromkeys(self.grads)))
        return any(_has(tree, Inputs) for tree in trees)

    @cached_property
    def functions(self) -> tuple[Callable, Callable]:
        """``output(xs)`` and ``grads(xs, out)`` compiled from the trees (errors as Python's);
        a rule that reads only :class:`Inputs` and constants compiles in time independent of
        the number of inputs (but for a tuple of constant local gradients)."""
        trees = (self.output, *((self.together,) if self.together is not None else dict.fromkeys(self.grads)))
        named = any(_has(tree, Input) or _has(tree, Opaque) for tree in trees)
        xs = [f"x{k}" for k in range(self.n)]
        ns = Names(("xs", "out"))
        unpack = f"    {', '.join(xs)}, = xs\n" if xs and named else ""
        source = (
            f"def output(xs):\n{unpack}    return {to_source(self.output, xs, name=ns, tuple_of='xs')}\n"
            f"def grads(xs, out):\n{unpack}    return {self.grads_source(xs, 'out', ns, tuple_of='xs')}\n"
        )
        namespace = dict(ns.namespace)
        exec(compile(source, f"<rule {to_text(self.output)!r}>", "exec"), namespace)
        return namespace["output"], namespace["grads"]

    def grads_source(self, xs: Sequence[str], out: str, name: Callable | None = None, tuple_of: str | None = None) -> str:
        """Python source giving the tuple of local gradients."""
        if self.together is not None:
            return f"tuple({to_source(self.together, xs, out, name=name, tuple_of=tuple_of)})"
        sources: dict[Node, str] = {}  # a rule of many inputs has few distinct local gradients
        for g in self.grads:
            if g not in sources:
                sources[g] = to_source(g, xs, out, name=name, tuple_of=tuple_of)
        if len(sources) == 1 and self.n > INLINE_GRADS:  # one value n times: no n constants for the compiler
            return f"(({sources[self.grads[0]]},) * {self.n})"
        return "(" + "".join(f"{sources[g]}, " for g in self.grads) + ")"

    def derivative(self, tree: Node, wrt: int) -> Node:
        """d tree / d input ``wrt``, ``out`` being this rule's output (its derivative the local gradient)."""
        return derivative(tree, wrt, self.grads)

    def to_text(self, ports: Sequence[str] | None = None) -> str:
        grads = ", ".join(to_text(g, ports) for g in self.grads)
        return f"out = {to_text(self.output, ports)}; grads = ({grads})"


INLINE_GRADS = 8  # more equal local gradients: Rule.functions repeats one instead of writing each


def _has(tree: Node, kind: type) -> bool:
    """Whether ``tree`` holds a node of type ``kind``."""
    stack, seen = [tree], set()
    while stack:
        node = stack.pop()
        if isinstance(node, kind):
            return True
        if id(node) not in seen:
            seen.add(id(node))
            stack.extend(node.children())
    return False


def unit(tree: Node) -> str | None:
    """``"+"`` for the constant 1.0, ``"-"`` for -1.0, else None."""
    if tree == ONE:
        return "+"
    if tree == Unary("-", ONE) or tree == Const(-1.0):
        return "-"
    return None


def _folds(tree: Node, op: str, n: int) -> bool:
    """Whether ``tree`` is ``((x0 op x1) op x2) ... op x{n-1}`` (walked along, not recursed:
    a sum of hundreds of inputs is as deep)."""
    for k in range(n - 1, 0, -1):
        if not (isinstance(tree, Binary) and tree.op == op and isinstance(tree.right, Input) and tree.right.port == k):
            return False
        tree = tree.left
    return isinstance(tree, Input) and tree.port == 0


def _expand_call(tree: Node) -> Node:
    """A call's registered expansion (of its arguments as they are), else ``tree``."""
    if isinstance(tree, Call):
        known = _known(tree.fn)
        if known is not None and known.expand is not None:
            new = known.expand(tree.args)
            if new is not None:
                return new
    return tree


_rules: dict[tuple, Rule] = {}


def parse(expr, n_inputs: int) -> Rule:
    """The rule of :class:`~circuitsim.gate.Expressions` ``expr`` for ``n_inputs`` inputs, parsed
    once per ``expr.key(n_inputs)``. Raises as compiling the expressions would (SyntaxError,
    IndexError, KeyError, ValueError; ValueError for a wrong number of local gradients)."""
    key = expr.key(n_inputs)
    rule = _rules.get(key)
    if rule is None:
        names = dict(expr.names)
        output = parse_template(expr.output, n_inputs, names)
        if isinstance(expr.grads, str):
            together = parse_template(expr.grads, n_inputs, names)
            grads = tuple(Index(together, Const(k)) for k in range(n_inputs))
        else:
            if len(expr.grads) != n_inputs:
                raise ValueError(f"expressions give {len(expr.grads)} local gradients for {n_inputs} inputs")
            together = None
            trees: dict[str, Node] = {}  # each distinct template parsed once: a sum of many inputs has one
            for g in expr.grads:
                if g not in trees:
                    trees[g] = parse_template(g, n_inputs, names)
            grads = tuple(trees[g] for g in expr.grads)
        rule = _rules[key] = Rule(n_inputs, output, grads, together, names)
    return rule


def rule_of(gate: Any, n_inputs: int, batch: bool = False) -> Rule | None:
    """The rule of ``gate`` for ``n_inputs`` inputs (on floats, or with ``batch`` on numpy
    arrays); None for a gate without expressions, or whose expressions misbehave or do not
    parse (its methods still work)."""
    method = getattr(gate, "expressions", None)
    if method is None:
        return None
    try:
        expr = method(n_inputs, batch)
        if not isinstance(expr, Expressions) or not isinstance(expr.grads, (str, Sequence)):
            return None
        return parse(expr, n_inputs)
    except KeyboardInterrupt:
        raise
    except BaseException:  # a plugin's fast paths must never stop a run
        return None


def shared_rule(gate: Any, n_inputs: int, batch: bool, memo: dict) -> Rule | None:
    """:func:`rule_of`, asked once per gate type and number of inputs for gates without params
    (they share their rule): ``memo`` holds the answers for one plan."""
    if gate.params:
        return rule_of(gate, n_inputs, batch)
    key = (type(gate), n_inputs, batch)
    if key not in memo:
        memo[key] = rule_of(gate, n_inputs, batch)
    return memo[key]


# -- walking ------------------------------------------------------------------------------


def substitute(tree: Node, mapping: Mapping[Node, Node] | Callable[[Node], Node | None]) -> Node:
    """``tree`` with each node in ``mapping`` (a dict, or a function giving a node or None)
    replaced, e.g. ``{Out(): rule.output}`` or ``{Input(0): Input(1)}``."""
    get = mapping.get if isinstance(mapping, Mapping) else mapping
    memo: dict = {}

    def walk(node: Node) -> Node:
        if node in memo:
            return memo[node]
        new = get(node)
        if new is None:
            kids = node.children()
            new = node.rebuild(tuple(walk(k) for k in kids)) if kids else node
        memo[node] = new
        return new

    return walk(tree)


def reads(tree: Node) -> frozenset:
    """The ports (ints) and ``"out"`` that ``tree`` reads."""
    found: set = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Input):
            found.add(node.port)
        elif isinstance(node, Inputs):
            found.update(range(node.n))
        elif isinstance(node, Out):
            found.add("out")
        elif isinstance(node, Opaque):
            found |= node.ports | ({"out"} if node.out else set())
        stack.extend(node.children())
    return frozenset(found)


def names_of(tree: Node) -> dict[str, Any]:
    """The names ``tree`` calls or reads, and the objects they stand for."""
    found: dict[str, Any] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Call):
            found.setdefault(node.name, node.fn)
        elif isinstance(node, Name):
            found.setdefault(node.name, node.obj)
        elif isinstance(node, Opaque):
            for k, v in node.names:
                found.setdefault(k, v)
        stack.extend(node.children())
    return found


# -- calculus -----------------------------------------------------------------------------


class NotDifferentiable(ValueError):
    """A tree calls a function whose derivative is not known (see :func:`register`)."""


@dataclass(frozen=True)
class _Calculus:
    partials: Callable | None  # args -> one partial per argument (a Tuple of them for a tuple argument)
    expand: Callable | None  # args -> an equal tree of simpler nodes
    constant: bool  # piecewise constant: derivative 0


_calculus: dict[int, tuple[Any, _Calculus]] = {}


def register(fn: Any, *, partials: Callable | None = None, expand: Callable | None = None, constant: bool = False) -> None:
    """Teach :func:`derivative` a function that expressions call: ``partials(args)`` gives
    d fn / d arg for each argument node (a :class:`Tuple` of partials for a tuple argument),
    or ``expand(args)`` an equal tree of known nodes, or ``constant`` says its derivative is 0
    (a selection, a sign). An expansion equal to ``x0 + x1 + ...`` also makes a gate a sum for
    the fused paths of the tiers."""
    _calculus[id(fn)] = (fn, _Calculus(partials, expand, constant))


def _known(fn: Any) -> _Calculus | None:
    entry = _calculus.get(id(fn))
    return entry[1] if entry is not None and entry[0] is fn else None


def expanded(tree: Node) -> Node:
    """``tree`` with every call that has a registered expansion expanded."""

    def expand(node: Node) -> Node | None:
        if isinstance(node, Call):
            known = _known(node.fn)
            if known is not None and known.expand is not None:
                new = known.expand(tuple(expanded(a) for a in node.args))
                return None if new is None else expanded(new)
        return None

    return substitute(tree, expand)


def _is(node: Node, value: float) -> bool:
    return type(node) is Const and isinstance(node.value, (int, float)) and not isinstance(node.value, bool) and node.value == value


def _floats(a: Node, b: Node) -> bool:
    return type(a) is Const and type(b) is Const and type(a.value) is float and type(b.value) is float


def add(a: Node, b: Node) -> Node:
    if _floats(a, b):
        return Const(a.value + b.value)
    if _is(a, 0):
        return b
    if _is(b, 0):
        return a
    return Binary("+", a, b)


def sub(a: Node, b: Node) -> Node:
    if _floats(a, b):
        return Const(a.value - b.value)
    if _is(b, 0):
        return a
    if _is(a, 0):
        return neg(b)
    return Binary("-", a, b)


def neg(a: Node) -> Node:
    if _is(a, 0):
        return ZERO
    if isinstance(a, Unary) and a.op == "-":
        return a.operand
    return Unary("-", a)


def mul(a: Node, b: Node) -> Node:
    if _floats(a, b):
        return Const(a.value * b.value)
    if _is(a, 0) or _is(b, 0):
        return ZERO
    if _is(a, 1):
        return b
    if _is(b, 1):
        return a
    if unit(a) == "-":
        return neg(b)
    if unit(b) == "-":
        return neg(a)
    return Binary("*", a, b)


def div(a: Node, b: Node) -> Node:
    if _is(a, 0):
        return ZERO
    if _is(b, 1):
        return a
    return Binary("/", a, b)


def derivative(tree: Node, wrt: int, out_grads: Sequence[Node] | None = None) -> Node:
    """d ``tree`` / d input ``wrt``, simplified where a factor is 0 or 1.

    A tree that reads :class:`Out` needs ``out_grads``, the output's derivative per input (the
    rule's ``grads``: :meth:`Rule.derivative` passes them). Conditions and comparisons count as
    piecewise constant. Raises :class:`NotDifferentiable` for a call it does not know.
    """
    memo: dict[Node, Node] = {}

    def d(node: Node) -> Node:
        if node in memo:
            return memo[node]
        memo[node] = result = _d(node)
        return result

    def _d(node: Node) -> Node:
        if isinstance(node, Input):
            return ONE if node.port == wrt else ZERO
        if isinstance(node, Inputs):
            return Tuple(tuple(ONE if k == wrt else ZERO for k in range(node.n)))
        if isinstance(node, (Const, Name)):
            return ZERO
        if isinstance(node, Out):
            if out_grads is None:
                raise ValueError("the tree reads the output: pass out_grads (or use Rule.derivative)")
            return out_grads[wrt]
        if isinstance(node, Unary):
            if node.op == "-":
                return neg(d(node.operand))
            return d(node.operand) if node.op == "+" else ZERO
        if isinstance(node, Binary):
            a, b = node.left, node.right
            if node.op == "+":
                return add(d(a), d(b))
            if node.op == "-":
                return sub(d(a), d(b))
            if node.op == "*":
                return add(mul(d(a), b), mul(a, d(b)))
            if node.op == "/":
                return sub(div(d(a), b), div(mul(a, d(b)), mul(b, b)))
            if node.op == "**":
                da, db = d(a), d(b)
                first = mul(mul(b, Binary("**", a, sub(b, ONE))), da)  # b * a ** (b - 1) * da
                if _is(db, 0):
                    return first
                return add(first, mul(mul(node, Call("log", np.log, (a,))), db))
            if node.op == "//":
                return ZERO
            if node.op == "%":
                return sub(d(a), mul(Binary("//", a, b), d(b)))
            raise NotDifferentiable(f"no derivative for the operator {node.op!r}")
        if isinstance(node, Compare):
            return ZERO
        if isinstance(node, IfElse):
            then, other = d(node.then), d(node.other)
            if then == other:
                return then
            return IfElse(node.cond, then, other)
        if isinstance(node, Tuple):
            return Tuple(tuple(d(x) for x in node.items))
        if isinstance(node, Index):
            value = node.value
            if isinstance(value, Tuple) and type(node.index) is Const:
                return d(value.items[node.index.value])
            if isinstance(value, Call):
                known = _known(value.fn) or _builtin_calculus(value)
                if known is not None and known.constant:
                    return ZERO
                new = known.expand(tuple(map(expanded, value.args))) if known is not None and known.expand is not None else None
                if new is not None:
                    return d(Index(new, node.index))
            raise NotDifferentiable(f"no derivative for {to_text(node)}")
        if isinstance(node, Call):
            known = _known(node.fn) or _builtin_calculus(node)
            if known is None:
                raise NotDifferentiable(f"no derivative known for {node.name!r} (register one with circuitsim.gate.rule.register)")
            if known.constant:
                return ZERO
            if known.partials is None:
                new = known.expand(tuple(map(expanded, node.args))) if known.expand is not None else None
                if new is None:
                    raise NotDifferentiable(f"no derivative known for {to_text(node)}")
                return d(new)
            total: Node = ZERO
            args = tuple(map(_as_tuple, node.args))
            for arg, partial in zip(args, known.partials(args)):
                if isinstance(arg, Tuple):
                    for item, p in zip(arg.items, partial.items):
                        total = add(total, mul(p, d(item)))
                elif isinstance(arg, Inputs):  # only input wrt moves: its partial alone
                    total = add(total, partial.items[wrt] if isinstance(partial, Tuple) else Index(partial, Const(wrt)))
                else:
                    total = add(total, mul(partial, d(arg)))
            return total
        raise NotDifferentiable(f"no derivative for {to_text(node)}")

    return d(tree)


def _as_tuple(arg: Node) -> Node:
    """A call's argument as the partials see it: a call giving a tuple (``complements({xs})``)
    as its expansion, a :class:`Tuple`; any other argument as it is."""
    if isinstance(arg, Call):
        known = _known(arg.fn)
        if known is not None and known.expand is not None:
            new = known.expand(arg.args)
            if isinstance(new, Tuple):
                return new
    return arg


def sign(x):
    """-1.0, 0.0 or 1.0 as ``x`` is negative, zero or positive; NaN for NaN (a float's ``np.sign``)."""
    if x > 0:
        return 1.0
    if x < 0:
        return -1.0
    return 0.0 if x == 0 else math.nan


def _call(name: str, fn: Any) -> Callable[..., Node]:
    return lambda *args: Call(name, fn, args)


def _unary_table(m, batch: bool) -> dict[Any, Callable]:
    """Partials of one-argument functions of ``math`` (or numpy with ``batch``)."""
    exp, log, sqrt, sin, cos, tan, tanh = (_call(f, getattr(m, f)) for f in ("exp", "log", "sqrt", "sin", "cos", "tan", "tanh"))
    sgn = _call("sign", np.sign if batch else sign)
    one = ONE
    table = {
        m.exp: lambda a: exp(a),
        m.log: lambda a: div(one, a),
        m.log1p: lambda a: div(one, Binary("+", one, a)),
        m.sqrt: lambda a: div(Const(0.5), sqrt(a)),
        m.sin: lambda a: cos(a),
        m.cos: lambda a: neg(sin(a)),
        m.tan: lambda a: Binary("+", one, Binary("*", tan(a), tan(a))),
        m.tanh: lambda a: Binary("-", one, Binary("*", tanh(a), tanh(a))),
        (np.abs if batch else math.fabs): lambda a: sgn(a),
    }
    if not batch:
        table[builtins.abs] = lambda a: sgn(a)
    return table


_UNARY_PARTIALS = {**_unary_table(math, False), **_unary_table(np, True)}
_CONSTANT = {id(f): f for f in (np.sign, sign, math.floor, math.ceil, np.floor, np.ceil, round, np.round)}


def _builtin_calculus(call: Call) -> _Calculus | None:
    """The calculus of math, numpy and builtin functions of numbers."""
    fn, args = call.fn, call.args
    if _CONSTANT.get(id(fn)) is fn:
        return _Calculus(None, None, True)
    try:
        partial = _UNARY_PARTIALS.get(fn)
    except TypeError:  # unhashable
        partial = None
    if partial is not None and len(args) == 1:
        return _Calculus(lambda a: (partial(a[0]),), None, False)
    if fn in (math.pow, np.power, builtins.pow) and len(args) == 2:
        return _Calculus(None, lambda a: Binary("**", a[0], a[1]), False)
    if fn is np.where and len(args) == 3:
        return _Calculus(lambda a: (ZERO, Call("where", np.where, (a[0], ONE, ZERO)), Call("where", np.where, (a[0], ZERO, ONE))), None, False)
    if fn in (np.maximum, np.minimum, np.fmax, np.fmin) and len(args) == 2:
        op = ">=" if fn in (np.maximum, np.fmax) else "<="
        win = Compare((op,), args)
        return _Calculus(lambda a: (Call("where", np.where, (win, ONE, ZERO)), Call("where", np.where, (win, ZERO, ONE))), None, False)
    if fn in (builtins.max, builtins.min) and len(args) == 2:
        op = ">=" if fn is builtins.max else "<="
        win = Compare((op,), args)
        return _Calculus(lambda a: (IfElse(win, ONE, ZERO), IfElse(win, ZERO, ONE)), None, False)
    return None


# -- lowering -----------------------------------------------------------------------------


class Names:
    """The objects generated code calls, by name (a ``name`` for :func:`to_source`): an
    expression's own name where it is free, another where two objects share one or the name is
    ``reserved`` (a collection of names, or a predicate)."""

    def __init__(self, reserved: Collection[str] | Callable[[str], Any] = ()) -> None:
        self.namespace: dict[str, Any] = {}
        self.reserved = reserved if callable(reserved) else set(reserved).__contains__

    def __call__(self, name: str, obj: Any) -> str:
        candidate, k = name, 0
        while self.reserved(candidate) or (candidate in self.namespace and self.namespace[candidate] is not obj):
            k += 1
            candidate = f"{name}_{k}"
        self.namespace[candidate] = obj
        return candidate


_NUMPY = {
    **{getattr(math, f): getattr(np, f) for f in ("exp", "log", "log1p", "sqrt", "sin", "cos", "tan", "tanh", "floor", "ceil")},
    math.fabs: np.abs, builtins.abs: np.abs, math.pow: np.power, builtins.pow: np.power, sign: np.sign,
}  # fmt: skip


def to_source(
    tree: Node,
    inputs: Sequence[str],
    out: str = "out",
    *,
    name: Callable[[str, Any], str] | None = None,
    batch: bool = False,
    tuple_of: str | None = None,
) -> str:
    """Python source of ``tree``, ``inputs[k]`` standing for port k and ``out`` for the output;
    ``tuple_of`` for the tuple of all inputs (:class:`Inputs`; default: a tuple of ``inputs``).

    ``name(name, obj)`` gives the identifier under which generated code finds each object
    called (default: its own name; :func:`function` binds them). With ``batch`` the source
    runs on numpy arrays: conditionals become ``where`` and math functions numpy's; a tree
    of numpy calls is lowered as written, so its bits are the expressions'.
    """
    name = name or (lambda n, obj: n)

    def src(node: Node) -> str:
        if isinstance(node, Const):
            return _literal(node.value)
        if isinstance(node, Input):
            return inputs[node.port]
        if isinstance(node, Inputs):
            return tuple_of if tuple_of is not None else f"({''.join(x + ', ' for x in inputs[: node.n])})"
        if isinstance(node, Out):
            return out
        if isinstance(node, Unary):
            return f"({node.op}{' ' if node.op == 'not' else ''}{src(node.operand)})"
        if isinstance(node, Binary):
            return f"({src(node.left)} {node.op} {src(node.right)})"
        if isinstance(node, Compare):
            parts = [src(node.operands[0])]
            for op, x in zip(node.ops, node.operands[1:]):
                parts += [op, src(x)]
            return f"({' '.join(parts)})"
        if isinstance(node, IfElse):
            if batch:
                return f"{name('where', np.where)}({src(node.cond)}, {src(node.then)}, {src(node.other)})"
            return f"({src(node.then)} if {src(node.cond)} else {src(node.other)})"
        if isinstance(node, Call):
            fn = node.fn
            if batch:
                try:
                    fn = _NUMPY.get(fn, fn)
                except TypeError:
                    pass
            callee = node.name if fn is _MISSING else name(node.name, fn)  # unbound: NameError when run
            return f"{callee}({''.join(src(a) + ', ' for a in node.args)})"
        if isinstance(node, Name):
            return node.name if node.obj is _MISSING else name(node.name, node.obj)
        if isinstance(node, Tuple):
            return f"({''.join(src(x) + ', ' for x in node.items)})"
        if isinstance(node, Index):
            return f"{src(node.value)}[{src(node.index)}]"
        if isinstance(node, Opaque):
            return _opaque_source(node, inputs, out, name)
        raise TypeError(f"not a rule node: {node!r}")

    return src(tree)


def _opaque_source(node: Opaque, inputs: Sequence[str], out: str, name: Callable) -> str:
    tree = ast.parse(node.source, mode="eval")
    names = dict(node.names)
    for sub in ast.walk(tree):
        if isinstance(sub, ast.Name):
            if sub.id == "__out__":
                sub.id = f"({out})"
            elif sub.id == _XS:
                sub.id = f"({''.join(x + ', ' for x in inputs)})"
            elif sub.id.startswith("__x") and sub.id.endswith("__"):
                sub.id = f"({inputs[int(sub.id[3:-2])]})"
            elif sub.id in names:
                sub.id = name(sub.id, names[sub.id])
    return f"({ast.unparse(tree)})"


def _literal(x: Any) -> str:
    """``x`` as Python source, infinities and NaN included."""
    if isinstance(x, float) and not math.isfinite(x):
        return "(1e999 - 1e999)" if math.isnan(x) else ("1e999" if x > 0 else "(-1e999)")
    if isinstance(x, (int, float)) and not isinstance(x, bool) and x < 0 or (isinstance(x, float) and math.copysign(1.0, x) < 0):
        return f"({x!r})"
    return repr(x)


_functions: dict[tuple, Callable] = {}


def function(tree: Node, n: int, batch: bool = False) -> Callable:
    """``f(xs, out)``: ``tree`` compiled (once per tree) for ``n`` inputs."""
    key = (tree, n, batch)
    fn = _functions.get(key)
    if fn is None:
        ns = Names(("xs", "out"))
        xs = [f"xs[{k}]" for k in range(n)]
        source = f"def f(xs, out):\n    return {to_source(tree, xs, 'out', name=ns, batch=batch, tuple_of='xs')}\n"
        namespace = dict(ns.namespace)
        exec(compile(source, "<rule tree>", "exec"), namespace)
        fn = _functions[key] = namespace["f"]
    return fn


def evaluate(tree: Node, inputs: Sequence, out: Any = None) -> Any:
    """The value of ``tree`` at ``inputs`` (and output ``out``): floats, or numpy arrays in a batch."""
    batch = any(isinstance(v, np.ndarray) for v in (*inputs, out))
    return function(tree, len(inputs), batch)(tuple(inputs), out)


# -- printing -----------------------------------------------------------------------------

_PRECEDENCE = {"if": 1, "not": 3, "cmp": 4, "+": 6, "-": 6, "*": 7, "/": 7, "//": 7, "%": 7, "@": 7, "neg": 8, "**": 9, "atom": 10}


def _prec(node: Node) -> int:
    if isinstance(node, IfElse):
        return _PRECEDENCE["if"]
    if isinstance(node, Compare):
        return _PRECEDENCE["cmp"]
    if isinstance(node, Binary):
        return _PRECEDENCE[node.op]
    if isinstance(node, Unary):
        return _PRECEDENCE["not" if node.op == "not" else "neg"]
    if isinstance(node, Const) and isinstance(node.value, (int, float)) and (node.value < 0 or math.copysign(1.0, node.value) < 0):
        return _PRECEDENCE["neg"]
    return _PRECEDENCE["atom"]


def to_text(tree: Node, ports: Sequence[str] | None = None, out: str = "out") -> str:
    """``tree`` as a readable formula (``ports`` names the inputs, default x0, x1, ...)."""

    def text(node: Node) -> str:
        if isinstance(node, Const):
            return "nan" if isinstance(node.value, float) and math.isnan(node.value) else repr(node.value)
        if isinstance(node, Input):
            return ports[node.port] if ports is not None else f"x{node.port}"
        if isinstance(node, Inputs):
            return "xs"
        if isinstance(node, Out):
            return out
        if isinstance(node, Unary):
            sep = " " if node.op == "not" else ""
            return f"{node.op}{sep}{wrap(node.operand, _prec(node), right=True)}"
        if isinstance(node, Binary):
            p = _prec(node)
            if node.op == "**":  # right-associative
                return f"{wrap(node.left, p + 1)} ** {wrap(node.right, p)}"
            return f"{wrap(node.left, p)} {node.op} {wrap(node.right, p + 1)}"
        if isinstance(node, Compare):
            parts = [wrap(node.operands[0], _PRECEDENCE["cmp"] + 1)]
            for op, x in zip(node.ops, node.operands[1:]):
                parts += [op, wrap(x, _PRECEDENCE["cmp"] + 1)]
            return " ".join(parts)
        if isinstance(node, IfElse):
            return f"{wrap(node.then, 2)} if {wrap(node.cond, 2)} else {wrap(node.other, 1)}"
        if isinstance(node, Call):
            return f"{node.name}({', '.join(text(a) for a in node.args)})"
        if isinstance(node, Name):
            return node.name
        if isinstance(node, Tuple):
            return "(" + ", ".join(text(x) for x in node.items) + ("," if len(node.items) == 1 else "") + ")"
        if isinstance(node, Index):
            return f"{wrap(node.value, _PRECEDENCE['atom'])}[{text(node.index)}]"
        if isinstance(node, Opaque):
            return _opaque_source(node, [f"x{k}" for k in range(max(node.ports, default=-1) + 1)] if ports is None else list(ports), out, lambda n, o: n)
        raise TypeError(f"not a rule node: {node!r}")

    def wrap(node: Node, least: int, right: bool = False) -> str:
        s = text(node)
        return f"({s})" if _prec(node) < least else s

    return text(tree)


_LATEX_CALLS = {"exp": r"\exp", "log": r"\ln", "sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "tanh": r"\tanh", "log1p": None}
_LATEX_OPS = {"<": "<", "<=": r"\le", ">": ">", ">=": r"\ge", "==": "=", "!=": r"\ne"}


def to_latex(tree: Node, ports: Sequence[str] | None = None, out: str = "y") -> str:
    """``tree`` as LaTeX math (``ports`` names the inputs, default x_0, x_1, ...)."""

    def var(name: str) -> str:
        if len(name) == 1 or (name[:1].isalpha() and name[1:].isdigit()):
            return name[0] + (f"_{{{name[1:]}}}" if len(name) > 1 else "")
        return r"\mathit{" + name.replace("_", r"\_") + "}"

    def tex(node: Node) -> str:
        if isinstance(node, Const):
            v = node.value
            if isinstance(v, float):
                if math.isnan(v):
                    return r"\mathrm{NaN}"
                if math.isinf(v):
                    return r"\infty" if v > 0 else r"-\infty"
                return f"{v:g}"
            return str(v)
        if isinstance(node, Input):
            return var(ports[node.port]) if ports is not None else f"x_{{{node.port}}}"
        if isinstance(node, Inputs):
            return r"\mathbf{x}"
        if isinstance(node, Out):
            return var(out)
        if isinstance(node, Unary):
            op = r"\lnot " if node.op == "not" else node.op
            return f"{op}{wrap(node.operand, _PRECEDENCE['neg'])}"
        if isinstance(node, Binary):
            p = _prec(node)
            if node.op == "/":
                return rf"\frac{{{tex(node.left)}}}{{{tex(node.right)}}}"
            if node.op == "**":
                return f"{{{wrap(node.left, p + 1)}}}^{{{tex(node.right)}}}"
            op = {"*": r" \cdot ", "//": r" \mathbin{//} ", "%": r" \bmod ", "@": r" \cdot "}.get(node.op, f" {node.op} ")
            return f"{wrap(node.left, p)}{op}{wrap(node.right, p + 1)}"
        if isinstance(node, Compare):
            parts = [wrap(node.operands[0], _PRECEDENCE["cmp"] + 1)]
            for op, x in zip(node.ops, node.operands[1:]):
                parts += [_LATEX_OPS[op], wrap(x, _PRECEDENCE["cmp"] + 1)]
            return " ".join(parts)
        if isinstance(node, IfElse):
            return rf"\begin{{cases}} {tex(node.then)} & \text{{if }} {tex(node.cond)} \\ {tex(node.other)} & \text{{otherwise}} \end{{cases}}"
        if isinstance(node, Call):
            args = ", ".join(tex(a) for a in node.args)
            if node.name in ("sqrt",) and len(node.args) == 1:
                return rf"\sqrt{{{args}}}"
            if node.name in ("abs", "fabs") and len(node.args) == 1:
                return rf"\left|{args}\right|"
            fn = _LATEX_CALLS.get(node.name) or r"\operatorname{" + node.name.replace("_", r"\_") + "}"
            return rf"{fn}\left({args}\right)"
        if isinstance(node, Name):
            return var(node.name)
        if isinstance(node, Tuple):
            return r"\left(" + ", ".join(tex(x) for x in node.items) + r"\right)"
        if isinstance(node, Index):
            return f"{wrap(node.value, _PRECEDENCE['atom'])}_{{{tex(node.index)}}}"
        if isinstance(node, Opaque):
            return rf"\texttt{{{to_text(node, ports)}}}"
        raise TypeError(f"not a rule node: {node!r}")

    def wrap(node: Node, least: int) -> str:
        s = tex(node)
        return rf"\left({s}\right)" if _prec(node) < least else s

    return tex(tree)
