"""Syntax tree of a plan: immutable nodes, each with the span it came from."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Union

from spmlang.diagnostics import Span

# ---- expressions ---------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    value: Decimal | str | datetime.date | bool
    unit: str  # "number", "percent", "money", "text", "date", "bool"
    text: str
    span: Span
    currency: str | None = None


@dataclass(frozen=True)
class Name:
    name: str
    span: Span


@dataclass(frozen=True)
class FieldRef:
    ledger: str
    field: str
    span: Span


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple[Expr, ...]
    span: Span
    name_span: Span


@dataclass(frozen=True)
class Binary:
    """Arithmetic (+ - * /), comparison (= != < <= > >=) or logic (and, or)."""

    op: str
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True)
class Unary:
    op: str  # "-" or "not"
    operand: Expr
    span: Span


@dataclass(frozen=True)
class IfElse:
    condition: Expr
    then: Expr
    otherwise: Expr
    span: Span


@dataclass(frozen=True)
class Otherwise:
    """``value otherwise fallback``: the fallback is used when value is undefined."""

    value: Expr
    fallback: Expr
    span: Span


@dataclass(frozen=True)
class Definedness:
    operand: Expr
    defined: bool
    span: Span


Expr = Union[Literal, Name, FieldRef, Call, Binary, Unary, IfElse, Otherwise, Definedness]

# ---- statements ----------------------------------------------------------


@dataclass(frozen=True)
class PlanHeader:
    name: str
    version: str
    span: Span


@dataclass(frozen=True)
class Effective:
    start: datetime.date
    end: datetime.date
    span: Span


@dataclass(frozen=True)
class Setting:
    """``period quarter`` or ``currency USD``."""

    key: str
    value: str
    span: Span
    value_span: Span


@dataclass(frozen=True)
class Rounding:
    mode: str
    step: Decimal
    level: str
    span: Span
    mode_span: Span
    level_span: Span


@dataclass(frozen=True)
class Field:
    name: str
    column: str
    type_name: str | None
    type_arg: str | None
    optional: bool
    span: Span
    type_span: Span | None


@dataclass(frozen=True)
class Exclude:
    label: str
    condition: Expr
    span: Span


@dataclass(frozen=True)
class Ledger:
    name: str
    fields: tuple[Field, ...]
    excludes: tuple[Exclude, ...]
    span: Span


@dataclass(frozen=True)
class Roster:
    fields: tuple[Field, ...]
    span: Span


@dataclass(frozen=True)
class Param:
    name: str
    value: Expr
    span: Span


@dataclass(frozen=True)
class RubricRow:
    key: str
    label: str
    value: Expr
    span: Span


@dataclass(frozen=True)
class Rubric:
    name: str
    rows: tuple[RubricRow, ...]
    span: Span


@dataclass(frozen=True)
class TableRow:
    key: str | None  # None for the ``otherwise`` row
    value: Expr
    span: Span


@dataclass(frozen=True)
class Table:
    name: str
    rows: tuple[TableRow, ...]
    span: Span


@dataclass(frozen=True)
class Measure:
    name: str
    aggregate: str
    aggregate_span: Span
    expr: Expr | None
    where: Expr | None
    window: str  # "period" or "year_to_date"
    span: Span


@dataclass(frozen=True)
class Let:
    name: str
    value: Expr
    span: Span


@dataclass(frozen=True)
class Bound:
    """One end of a band; ``value`` None means unbounded."""

    value: Literal | None
    inclusive: bool


@dataclass(frozen=True)
class Band:
    lower: Bound
    upper: Bound
    value: Expr
    span: Span
    text: str  # the band as written, e.g. "100% to 150%"


@dataclass(frozen=True)
class Tiers:
    name: str
    key: Expr
    mode: str
    mode_span: Span
    bands: tuple[Band, ...]
    span: Span


@dataclass(frozen=True)
class Pay:
    value: Expr
    base: Expr | None  # ``pay RATE applied to BASE``
    itemized: bool
    span: Span
    fallback: Expr | None = None  # ``... otherwise EXPR``: paid when the payout is undefined


@dataclass(frozen=True)
class Clause:
    """A gate, cap, floor or weight line of a component or of the total."""

    kind: str
    value: Expr
    span: Span


@dataclass(frozen=True)
class Component:
    name: str
    label: str
    pays: tuple[Pay, ...]
    clauses: tuple[Clause, ...]
    span: Span


@dataclass(frozen=True)
class Total:
    clauses: tuple[Clause, ...]
    span: Span


@dataclass(frozen=True)
class Assignment:
    name: str
    value: Expr
    span: Span


@dataclass(frozen=True)
class PlanTest:
    name: str
    period: str | None
    payee: tuple[Assignment, ...]
    deals: tuple[tuple[Assignment, ...], ...]
    deal_spans: tuple[Span, ...]
    params: tuple[Assignment, ...]
    expects: tuple[Assignment, ...]
    span: Span


Statement = Union[
    PlanHeader, Effective, Setting, Rounding, Ledger, Roster, Param, Rubric, Table,
    Measure, Let, Tiers, Component, Total, PlanTest,
]


@dataclass(frozen=True)
class PlanSource:
    """A parsed plan file: its statements in source order."""

    file: str
    text: str
    statements: tuple[Statement, ...] = field(default_factory=tuple)
