"""Parameters: typed declarations, scopes, and attribute values with ``$name`` and ``${...}``.

A ``ParameterDeclarations`` block declares parameters for the element that holds it (the
file's root, a Story, a Maneuver, a catalog entry ...) and everything inside it; an inner
declaration hides an outer one of the same name. Each declaration's value may itself refer to
parameters declared before it. Types: double, int, unsignedInt, unsignedShort, string,
boolean, dateTime (checked; an expression's result is converted to the declared type, an
``int`` rounded half away from zero). A parameter with a stochastic distribution
(:mod:`.distribution`) keeps its declared value here, but an attribute that is exactly
``$name`` reads as a :class:`ParamFloat` so that the importer can write ``$name`` and let sim
draw it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import xml.etree.ElementTree as ET

from sim.scenario.xosc.expr import ExpressionError, _round, evaluate, is_expression
from sim.scenario.xosc.xmldoc import Documents

Value = str | float | int | bool
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
TYPES = (
    "double",
    "int",
    "integer",
    "unsignedInt",
    "unsignedShort",
    "string",
    "boolean",
    "dateTime",
)


class ParamFloat(float):
    """A number read from an attribute that is exactly ``$name`` of a stochastic parameter."""

    param: str

    def __new__(cls, value: float, param: str) -> ParamFloat:
        obj = super().__new__(cls, value)
        obj.param = param
        return obj


def convert(value: Value, kind: str) -> Value:
    """``value`` (text, or an expression's number/boolean) as parameter type ``kind``;
    :class:`ValueError` with the reason if it is not one."""
    if kind == "double":
        if isinstance(value, bool):
            raise ValueError("expected a number, found a boolean")
        x = float(value)
        if not math.isfinite(x):
            raise ValueError(f"expected a finite number, found {value!r}")
        return x
    if kind in ("int", "integer", "unsignedInt", "unsignedShort"):
        if isinstance(value, bool):
            raise ValueError("expected an integer, found a boolean")
        if isinstance(value, float):
            n = int(_round(value))
        else:
            text = str(value).strip()
            try:
                n = int(text)
            except ValueError:
                x = float(text)
                if not math.isfinite(x) or x != int(x):
                    raise ValueError(f"expected an integer, found {value!r}") from None
                n = int(x)
        if kind != "int" and kind != "integer" and n < 0:
            raise ValueError(f"expected an integer >= 0 ({kind}), found {n}")
        if kind == "unsignedShort" and n > 65535:
            raise ValueError(f"expected an integer <= 65535 (unsignedShort), found {n}")
        return n
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()  # xsd:boolean (and the "True" some tools write)
        if text in ("true", "1", "false", "0"):
            return text in ("true", "1")
        raise ValueError(f"expected true or false, found {value!r}")
    if kind == "dateTime":
        text = str(value)
        dt.datetime.fromisoformat(text)  # ValueError if not ISO 8601
        return text
    if kind == "string":
        return text_of(value)
    raise ValueError(f"unknown parameterType {kind!r} (one of {', '.join(TYPES)})")


def _show(raw: str | None) -> str:
    """An attribute value for a message: quoted, long ones cut."""
    text = "" if raw is None else raw
    return repr(text if len(text) <= 80 else text[:60] + "...")


def text_of(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return str(value)


class Params:
    """Every parameter scope of one import; reads attributes through them."""

    def __init__(
        self,
        docs: Documents,
        overrides: dict[str, Value] | None = None,
        stochastic: set[str] | frozenset[str] = frozenset(),
    ) -> None:
        self.docs = docs
        self.scopes: dict[ET.Element, dict[str, Value]] = {}
        self.types: dict[str, str] = {}  # name -> type of the top-level declarations
        self.overrides = dict(overrides or {})
        self.stochastic = set(stochastic)
        self.used_overrides: set[str] = set()

    def declare_all(self, root: ET.Element) -> None:
        """Declare every ``ParameterDeclarations`` block in ``root`` (parents first)."""
        for el in root.iter():
            block = el.find("ParameterDeclarations")
            if block is not None:
                self.declare(el, block, top=el is root)

    def declare(
        self,
        owner: ET.Element,
        block: ET.Element | None,
        assigned: dict[str, Value] | None = None,
        top: bool = False,
    ) -> None:
        """Declare ``block``'s parameters for ``owner`` (``assigned``: a catalog reference's
        ParameterAssignments, already evaluated; ``top``: the file's own, which a parameter
        value set may override)."""
        scope = self.scopes.setdefault(owner, {})
        for decl in block.findall("ParameterDeclaration") if block is not None else ():
            raw_name = decl.get("name")
            if not raw_name:
                raise self.docs.error(decl, "<ParameterDeclaration> without a name")
            name = raw_name.lstrip("$")
            kind = decl.get("parameterType", "string")
            if assigned is not None and name in assigned:
                value: Value = assigned[name]
            elif top and name in self.overrides:
                value = self.overrides[name]
                self.used_overrides.add(name)
            else:
                value = self.value(decl, "value", scope_owner=owner)
                if value is None:
                    raise self.docs.error(decl, f"parameter {name!r} has no value")
            try:
                scope[name] = convert(value, kind)
            except ValueError as err:
                raise self.docs.error(
                    decl, f"parameter {name!r} ({kind}) = {value!r}: {err}"
                ) from None
            if top:
                self.types[name] = kind

    def lookup(self, el: ET.Element, name: str) -> Value:
        for node in self.docs.ancestors(el):
            scope = self.scopes.get(node)
            if scope is not None and name in scope:
                return scope[name]
        raise KeyError(name)

    def value(
        self, el: ET.Element, key: str, default: Value | None = None, scope_owner=None
    ) -> Value | None:
        """Attribute ``key`` of ``el`` with parameters substituted: text, or the number or
        boolean an expression gave; ``default`` when absent."""
        raw = el.get(key)
        if raw is None:
            return default
        where = scope_owner if scope_owner is not None else el
        if is_expression(raw):
            try:
                return evaluate(raw[2:-1], lambda n: self.lookup(where, n))
            except ExpressionError as err:
                raise self.docs.error(el, f"<{el.tag} {key}={_show(raw)}>: {err}") from None
        if raw.startswith("$"):
            name = raw[1:]
            if not _NAME.match(name):
                raise self.docs.error(el, f"<{el.tag} {key}={_show(raw)}>: not a parameter name")
            try:
                value = self.lookup(where, name)
            except KeyError:
                raise self.docs.error(
                    el, f"<{el.tag} {key}={_show(raw)}>: no parameter {name!r} is declared"
                ) from None
            if name in self.stochastic and isinstance(value, (int, float)):
                return ParamFloat(float(value), name)
            return value
        return raw

    def text(self, el: ET.Element, key: str, default: str | None = None) -> str | None:
        value = self.value(el, key)
        return default if value is None else text_of(value)

    def num(self, el: ET.Element, key: str, default: float | None = None) -> float | None:
        value = self.value(el, key)
        if value is None:
            return default
        if isinstance(value, ParamFloat):
            return value
        try:
            return convert(value, "double")
        except ValueError:
            raise self.docs.error(
                el, f"<{el.tag} {key}={_show(el.get(key))}>: expected a number, found {value!r}"
            ) from None

    def need(self, el: ET.Element, key: str) -> float:
        value = self.num(el, key)
        if value is None:
            raise self.docs.error(el, f"<{el.tag}> needs the attribute {key!r}")
        return value

    def integer(self, el: ET.Element, key: str, default: int | None = None) -> int | None:
        value = self.value(el, key)
        if value is None:
            return default
        try:
            return int(convert(value, "int"))
        except ValueError:
            raise self.docs.error(
                el, f"<{el.tag} {key}={_show(el.get(key))}>: expected an integer, found {value!r}"
            ) from None

    def boolean(self, el: ET.Element, key: str, default: bool = False) -> bool:
        value = self.value(el, key)
        if value is None:
            return default
        try:
            return bool(convert(value, "boolean"))
        except ValueError:
            raise self.docs.error(
                el, f"<{el.tag} {key}={_show(el.get(key))}>: expected true or false"
            ) from None
