"""OpenSCENARIO ``${...}`` expressions: the evaluator agrees with a reference computation on
random expression trees written with the fewest parentheses the precedence rules allow, and
refuses what the standard's grammar does not hold."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.scenario.xosc.expr import MAX_DEPTH, MAX_LENGTH, ExpressionError, evaluate

PARAMS = {"a": 2.5, "b": -4.0, "Speed_1": 13.0}
PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "%": 2}


def c_round(x: float) -> float:
    return math.copysign(math.floor(abs(x) + 0.5), x)


FUNCS = {
    "round": c_round,
    "floor": lambda x: float(math.floor(x)),
    "ceil": lambda x: float(math.ceil(x)),
    "sqrt": math.sqrt,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "sign": lambda x: 0.0 if x == 0 else math.copysign(1.0, x),
    "abs": abs,
}


class Undefined(Exception):
    """The reference says the expression has no value (the evaluator must refuse it)."""


def finite(x: float) -> float:
    if not math.isfinite(x):
        raise Undefined
    return x


def reference(node) -> float:
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "param":
        return PARAMS[node[1]]
    if kind == "neg":
        return -reference(node[1])
    if kind == "bin":
        _, op, a, b = node
        x, y = reference(a), reference(b)
        if op == "+":
            return finite(x + y)
        if op == "-":
            return finite(x - y)
        if op == "*":
            return finite(x * y)
        if y == 0.0:
            raise Undefined
        return finite(x / y) if op == "/" else math.fmod(x, y)
    _, name, args = node
    values = [reference(a) for a in args]
    try:
        if name in FUNCS:
            return finite(float(FUNCS[name](values[0])))
        if name == "pow":
            return finite(math.pow(*values))
        return max(values) if name == "max" else min(values)
    except (ValueError, OverflowError):
        raise Undefined from None


def prec(node) -> int:
    return PREC[node[1]] if node[0] == "bin" else 3


def render(node) -> str:
    kind = node[0]
    if kind == "num":
        return repr(node[1])
    if kind == "param":
        return f"${node[1]}"
    if kind == "neg":
        inner = render(node[1])
        return f"-{inner}" if prec(node[1]) >= 3 else f"-({inner})"
    if kind == "bin":
        _, op, a, b = node
        left, right = render(a), render(b)
        if prec(a) < PREC[op]:
            left = f"({left})"
        # a right operand of the same precedence keeps its parentheses: 2 * (7 % 13) is
        # not (2 * 7) % 13, and float + and * are not associative either
        if prec(b) <= PREC[op]:
            right = f"({right})"
        return f"{left} {op} {right}"
    _, name, args = node
    return f"{name}({', '.join(render(a) for a in args)})"


numbers = st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False)
leaves = st.one_of(
    numbers.map(lambda x: ("num", x)), st.sampled_from(sorted(PARAMS)).map(lambda n: ("param", n))
)


def extend(children):
    return st.one_of(
        children.map(lambda c: ("neg", c)),
        st.tuples(st.just("bin"), st.sampled_from(sorted(PREC)), children, children),
        st.tuples(st.just("fn"), st.sampled_from(sorted(FUNCS)), children.map(lambda c: [c])),
        st.tuples(
            st.just("fn"),
            st.sampled_from(["max", "min", "pow"]),
            st.lists(children, min_size=2, max_size=2),
        ),
    )


trees = st.recursive(leaves, extend, max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(trees)
def test_random_expressions_match_the_reference(tree):
    text = render(tree)
    try:
        want = reference(tree)
    except Undefined:
        with pytest.raises(ExpressionError):
            evaluate(text, PARAMS)
        return
    got = evaluate(text, PARAMS)
    assert got == want or (math.isnan(want) and math.isnan(got)), text


@settings(max_examples=200, deadline=None)
@given(trees, trees)
def test_comparisons_and_booleans(a, b):
    try:
        x, y = reference(a), reference(b)
    except Undefined:
        return
    ta, tb = render(a), render(b)
    assert evaluate(f"{ta} < {tb}", PARAMS) is (x < y)
    assert evaluate(f"{ta} >= {tb}", PARAMS) is (x >= y)
    assert evaluate(f"not {ta} == {tb} or {ta} != {tb}", PARAMS) is (x != y)
    assert evaluate(f"{ta} <= {tb} and {tb} <= {ta}", PARAMS) is (x == y)


@pytest.mark.parametrize(
    "text, value",
    [
        ("50/3.6", 50 / 3.6),
        ("$a + 50", 52.5),
        ("-2 * -3", 6.0),
        ("2 + 3 * 4 - 10 / 5", 12.0),
        ("(2 + 3) * 4", 20.0),
        ("7 % 3 + -7 % 3", 0.0),  # fmod: 1 + (-1)
        ("round(2.5) + round(-2.5) + round(0.49)", 0.0),
        ("pow(2, 10) + sqrt(16) + abs(-1) + sign(-3)", 1028.0),
        ("max(1, 5, 3) - min(4, -2)", 7.0),
        ("floor(-1.5) + ceil(1.2)", 0.0),
        ("atan(1) * 4", math.pi),
        ("true and not false", True),
        ("1 < 2 and 2 <= 2 or 3 > 4", True),
        ("1e3 + .5", 1000.5),
    ],
)
def test_the_standards_examples(text, value):
    assert evaluate(text, PARAMS) == value


@pytest.mark.parametrize(
    "text, message",
    [
        ("1 +", "expected a number"),
        ("(1 + 2", "expected ')'"),
        ("1 / 0", "division by zero"),
        ("sqrt(-1)", "is not defined"),
        ("pow(10, 400)", "not defined"),
        ("$nope + 1", "no parameter $nope"),
        ("foo(1)", "unknown name 'foo'"),
        ("1 2", "unexpected '2'"),
        ("true + 1", "needs a number"),
        ("1 and true", "needs a boolean"),
        ("max(1)", "at least 2"),
        ("2 ** 3", "expected a number"),
        ("__import__('os')", "unexpected character"),
        ("1e999", "not a finite number"),
    ],
)
def test_bad_expressions_are_errors_that_say_why(text, message):
    with pytest.raises(ExpressionError, match=re.escape(message)):
        evaluate(text, PARAMS)


def test_expressions_are_bounded():
    with pytest.raises(ExpressionError, match="longer than"):
        evaluate("1+" * (MAX_LENGTH // 2) + "1", {})
    deep = "(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1)
    with pytest.raises(ExpressionError, match="nested deeper"):
        evaluate(deep, {})
    with pytest.raises(ExpressionError, match="nested deeper"):
        evaluate("-" * (MAX_DEPTH + 1) + "1", {})
    assert evaluate("(" * 20 + "1" + ")" * 20, {}) == 1.0
