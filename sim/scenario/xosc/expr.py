"""OpenSCENARIO 1.1+ parameter expressions ``${...}``: a tokenizer and a recursive-descent
evaluator of the standard's grammar (no Python ``eval``, no ``ast``).

Grammar (lowest precedence first; ASAM OpenSCENARIO 1.1, "Expressions")::

    expr       := or_expr
    or_expr    := and_expr ('or' and_expr)*
    and_expr   := not_expr ('and' not_expr)*
    not_expr   := 'not' not_expr | comparison
    comparison := sum (('==' | '!=' | '<' | '<=' | '>' | '>=') sum)?
    sum        := term (('+' | '-') term)*
    term       := unary (('*' | '/' | '%') unary)*
    unary      := '-' unary | primary
    primary    := NUMBER | '$' NAME | 'true' | 'false' | '(' expr ')'
                | FUNC '(' expr (',' expr)* ')'

Functions: round (half away from zero), floor, ceil, sqrt, sin, cos, tan, asin, acos, atan,
sign, abs, max, min, pow. ``%`` is the remainder with the dividend's sign (C ``fmod``).
Numbers are doubles; booleans come from comparisons and ``true``/``false`` and may only
meet ``and``/``or``/``not``/``==``/``!=``. Every result is finite, or the expression is an
error. Bounded: at most :data:`MAX_LENGTH` characters and :data:`MAX_DEPTH` nested levels.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

MAX_LENGTH = 1024
"""Characters of one expression (between ``${`` and ``}``)."""
MAX_DEPTH = 64
"""Nesting levels (parentheses, unary operators, function calls) of one expression."""

Value = float | bool


class ExpressionError(ValueError):
    """A malformed or failing expression; ``column`` is 1-based within the expression."""

    def __init__(self, message: str, column: int | None = None) -> None:
        self.column = column
        super().__init__(message if column is None else f"{message} (at column {column})")


_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<param>\$[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op><=|>=|==|!=|[-+*/%(),<>]))"
)


@dataclass(frozen=True)
class Token:
    kind: str  # num, param, name, op, end
    text: str
    column: int  # 1-based


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text`` (the part between ``${`` and ``}``), then an ``end`` token."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"longer than {MAX_LENGTH} characters")
    out: list[Token] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            out.append(Token("end", "", pos + 1))
            return out
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ExpressionError(f"unexpected character {text[pos]!r}", pos + 1)
        kind = m.lastgroup or "op"
        out.append(Token(kind, m.group(kind), m.start(kind) + 1))
        pos = m.end()


def _round(x: float) -> float:
    return math.copysign(math.floor(abs(x) + 0.5), x)


def _sign(x: float) -> float:
    return 0.0 if x == 0 else math.copysign(1.0, x)


FUNCTIONS: dict[str, tuple[int, Callable[..., float]]] = {
    "round": (1, _round),
    "floor": (1, lambda x: float(math.floor(x))),
    "ceil": (1, lambda x: float(math.ceil(x))),
    "sqrt": (1, math.sqrt),
    "sin": (1, math.sin),
    "cos": (1, math.cos),
    "tan": (1, math.tan),
    "asin": (1, math.asin),
    "acos": (1, math.acos),
    "atan": (1, math.atan),
    "sign": (1, _sign),
    "abs": (1, abs),
    "max": (-2, max),  # two or more arguments
    "min": (-2, min),
    "pow": (2, math.pow),
}
"""name -> (number of arguments, -n: at least n; the function on floats)."""

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class _Parser:
    """Evaluates while it parses (one pass; the grammar has no short-circuit side effects)."""

    def __init__(self, tokens: list[Token], lookup: Callable[[str], Value]) -> None:
        self.tokens = tokens
        self.k = 0
        self.depth = 0
        self.lookup = lookup

    @property
    def tok(self) -> Token:
        return self.tokens[self.k]

    def take(self) -> Token:
        t = self.tokens[self.k]
        self.k += 1
        return t

    def is_op(self, *texts: str) -> bool:
        return self.tok.kind == "op" and self.tok.text in texts

    def is_word(self, word: str) -> bool:
        return self.tok.kind == "name" and self.tok.text == word

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"nested deeper than {MAX_DEPTH} levels", self.tok.column)

    def expect(self, text: str) -> None:
        if not self.is_op(text):
            found = self.tok.text or "the end"
            raise ExpressionError(f"expected {text!r}, found {found!r}", self.tok.column)
        self.k += 1

    # grammar rules, lowest precedence first
    def expr(self) -> Value:
        self.enter()
        value = self.or_expr()
        self.depth -= 1
        return value

    def or_expr(self) -> Value:
        value = self.and_expr()
        while self.is_word("or"):
            col = self.take().column
            rhs = self.and_expr()
            value = _boolean(value, "or", col) | _boolean(rhs, "or", col)
        return value

    def and_expr(self) -> Value:
        value = self.not_expr()
        while self.is_word("and"):
            col = self.take().column
            rhs = self.not_expr()
            value = _boolean(value, "and", col) & _boolean(rhs, "and", col)
        return value

    def not_expr(self) -> Value:
        if self.is_word("not"):
            col = self.take().column
            self.enter()
            value = not _boolean(self.not_expr(), "not", col)
            self.depth -= 1
            return value
        return self.comparison()

    def comparison(self) -> Value:
        value = self.sum()
        if self.is_op(*_COMPARE):
            tok = self.take()
            rhs = self.sum()
            if tok.text in ("==", "!=") and isinstance(value, bool) and isinstance(rhs, bool):
                return _COMPARE[tok.text](value, rhs)
            return _COMPARE[tok.text](
                _number(value, tok.text, tok.column), _number(rhs, tok.text, tok.column)
            )
        return value

    def sum(self) -> Value:
        value = self.term()
        while self.is_op("+", "-"):
            tok = self.take()
            rhs = _number(self.term(), tok.text, tok.column)
            lhs = _number(value, tok.text, tok.column)
            value = _finite(lhs + rhs if tok.text == "+" else lhs - rhs, tok.column)
        return value

    def term(self) -> Value:
        value = self.unary()
        while self.is_op("*", "/", "%"):
            tok = self.take()
            rhs = _number(self.unary(), tok.text, tok.column)
            lhs = _number(value, tok.text, tok.column)
            if tok.text == "*":
                value = _finite(lhs * rhs, tok.column)
            elif rhs == 0.0:
                raise ExpressionError("division by zero", tok.column)
            elif tok.text == "/":
                value = _finite(lhs / rhs, tok.column)
            else:
                value = math.fmod(lhs, rhs)
        return value

    def unary(self) -> Value:
        if self.is_op("-"):
            tok = self.take()
            self.enter()
            value = -_number(self.unary(), "-", tok.column)
            self.depth -= 1
            return value
        return self.primary()

    def primary(self) -> Value:
        tok = self.take()
        if tok.kind == "num":
            return _finite(float(tok.text), tok.column)
        if tok.kind == "param":
            return self.lookup(tok.text[1:])
        if tok.kind == "op" and tok.text == "(":
            value = self.expr()
            self.expect(")")
            return value
        if tok.kind == "name":
            if tok.text in ("true", "false"):
                return tok.text == "true"
            if tok.text in FUNCTIONS:
                return self.call(tok)
            raise ExpressionError(f"unknown name {tok.text!r} (a parameter is $name)", tok.column)
        found = tok.text or "the end"
        raise ExpressionError(f"expected a number, $parameter or '(', found {found!r}", tok.column)

    def call(self, name: Token) -> float:
        arity, fn = FUNCTIONS[name.text]
        self.expect("(")
        args = [_number(self.expr(), name.text, name.column)]
        while self.is_op(","):
            self.k += 1
            args.append(_number(self.expr(), name.text, name.column))
        self.expect(")")
        if (arity >= 0 and len(args) != arity) or (arity < 0 and len(args) < -arity):
            want = f"{arity}" if arity >= 0 else f"at least {-arity}"
            raise ExpressionError(
                f"{name.text}() takes {want} argument(s), found {len(args)}", name.column
            )
        try:
            value = fn(*args)
        except (ValueError, OverflowError):
            raise ExpressionError(
                f"{name.text}({', '.join(f'{a:g}' for a in args)}) is not defined", name.column
            ) from None
        return _finite(float(value), name.column)


def _number(value: Value, op: str, column: int) -> float:
    if isinstance(value, bool):
        raise ExpressionError(f"{op!r} needs a number, found a boolean", column)
    return value


def _boolean(value: Value, op: str, column: int) -> bool:
    if not isinstance(value, bool):
        raise ExpressionError(f"{op!r} needs a boolean, found the number {value:g}", column)
    return value


def _finite(value: float, column: int) -> float:
    if not math.isfinite(value):
        raise ExpressionError("the result is not a finite number", column)
    return value


def evaluate(text: str, params: Mapping[str, Value] | Callable[[str], Value]) -> Value:
    """The value of expression ``text`` (without ``${`` and ``}``); ``params``: the values
    of the parameters it names (a mapping, or a function raising :class:`KeyError`)."""

    def lookup(name: str) -> Value:
        try:
            value = params(name) if callable(params) else params[name]
        except KeyError:
            raise ExpressionError(f"no parameter ${name} is declared") from None
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)):
            return float(value)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ExpressionError(f"parameter ${name} = {value!r} is not a number") from None

    parser = _Parser(tokenize(text), lookup)
    value = parser.expr()
    if parser.tok.kind != "end":
        raise ExpressionError(f"unexpected {parser.tok.text!r}", parser.tok.column)
    return value


def is_expression(text: str) -> bool:
    """Whether an attribute value is an expression ``${...}``."""
    return text.startswith("${") and text.endswith("}")
