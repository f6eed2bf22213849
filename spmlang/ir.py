"""The IR: a checked plan with every name resolved and every expression typed.

The IR is the contract between the language and the engines. The reference
interpreter in ``spmlang.runtime`` evaluates it; any faster engine must give
the same statements from the same IR.

Units: "money", "number", "percent" (a number shown as a percentage), "count",
"date", "text", "bool" and "rating" (a key of a rubric's scale).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Union

from spmlang.diagnostics import Span

NUMERIC_UNITS = ("number", "percent", "count")


def dimension(unit: str) -> str:
    """Group units that may be added or compared: number, percent and count are one."""
    return "number" if unit in NUMERIC_UNITS else unit


# ---- expressions -----------------------------------------------------------


@dataclass(frozen=True)
class Const:
    value: Decimal | str | datetime.date | bool
    unit: str
    span: Span
    text: str


@dataclass(frozen=True)
class Ref:
    """A payee-level value: a param, roster attribute, measure, let or component."""

    kind: str
    name: str
    unit: str
    span: Span
    text: str


@dataclass(frozen=True)
class FieldValue:
    """A field of the transaction being aggregated; only inside a measure or rule."""

    field: str
    unit: str
    span: Span
    text: str


@dataclass(frozen=True)
class Arith:
    op: str  # "+", "-", "*", "/"
    left: Expr
    right: Expr
    unit: str
    span: Span
    text: str


@dataclass(frozen=True)
class Compare:
    op: str  # "=", "!=", "<", "<=", ">", ">="
    left: Expr
    right: Expr
    span: Span
    text: str
    unit: str = "bool"


@dataclass(frozen=True)
class Logic:
    op: str  # "and", "or", "not"
    operands: tuple[Expr, ...]
    span: Span
    text: str
    unit: str = "bool"


@dataclass(frozen=True)
class Negate:
    operand: Expr
    unit: str
    span: Span
    text: str


@dataclass(frozen=True)
class Cond:
    condition: Expr
    then: Expr
    otherwise: Expr
    unit: str
    span: Span
    text: str


@dataclass(frozen=True)
class Fallback:
    value: Expr
    fallback: Expr
    unit: str
    span: Span
    text: str


@dataclass(frozen=True)
class IsDefined:
    operand: Expr
    defined: bool
    span: Span
    text: str
    unit: str = "bool"


@dataclass(frozen=True)
class Func:
    """A built-in function: min, max, abs or round."""

    name: str
    args: tuple[Expr, ...]
    unit: str
    span: Span
    text: str


@dataclass(frozen=True)
class RubricLookup:
    rubric: str
    rating: Expr
    unit: str
    span: Span
    text: str


@dataclass(frozen=True)
class TableLookup:
    table: str
    key: Expr
    unit: str
    span: Span
    text: str


@dataclass(frozen=True)
class TierValue:
    """The value of the band that a tier table's key falls in (lookup or retroactive)."""

    tiers: str
    unit: str
    span: Span
    text: str


Expr = Union[
    Const, Ref, FieldValue, Arith, Compare, Logic, Negate, Cond, Fallback, IsDefined,
    Func, RubricLookup, TableLookup, TierValue,
]


# ---- declarations ----------------------------------------------------------


@dataclass(frozen=True)
class FieldDecl:
    name: str
    column: str
    unit: str
    optional: bool
    date_format: str
    decimal_comma: bool
    rubric: str | None
    span: Span
    percent_form: str = ""  # "fraction", "points" or "" (see runtime.inputs.FieldSpec)


@dataclass(frozen=True)
class ExcludeRule:
    label: str
    condition: Expr
    span: Span


@dataclass(frozen=True)
class LedgerDecl:
    name: str
    fields: tuple[FieldDecl, ...]
    excludes: tuple[ExcludeRule, ...]
    span: Span

    def field(self, name: str) -> FieldDecl | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class RosterDecl:
    fields: tuple[FieldDecl, ...]
    span: Span

    def field(self, name: str) -> FieldDecl | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class ParamDecl:
    name: str
    value: Const
    span: Span


@dataclass(frozen=True)
class RubricEntry:
    key: str
    label: str
    value: Expr
    span: Span


@dataclass(frozen=True)
class RubricDecl:
    name: str
    entries: tuple[RubricEntry, ...]
    unit: str
    span: Span


@dataclass(frozen=True)
class TableDecl:
    name: str
    entries: tuple[tuple[str, Expr], ...]
    default: Expr | None
    unit: str
    span: Span


@dataclass(frozen=True)
class MeasureDecl:
    name: str
    aggregate: str  # "sum", "count", "average", "min", "max"
    value: Expr | None  # per-transaction expression; None for count
    where: Expr | None
    window: str  # "period" or "year_to_date"
    unit: str
    span: Span
    text: str


@dataclass(frozen=True)
class LetDecl:
    name: str
    value: Expr
    unit: str
    span: Span


@dataclass(frozen=True)
class BandDecl:
    lower: Decimal | None
    lower_inclusive: bool
    upper: Decimal | None
    upper_inclusive: bool
    value: Expr
    text: str
    span: Span

    def contains(self, key: Decimal) -> bool:
        if self.lower is not None:
            if key < self.lower or (key == self.lower and not self.lower_inclusive):
                return False
        if self.upper is not None:
            if key > self.upper or (key == self.upper and not self.upper_inclusive):
                return False
        return True


@dataclass(frozen=True)
class TiersDecl:
    name: str
    key: Expr
    mode: str  # "marginal", "retroactive", "lookup"
    bands: tuple[BandDecl, ...]
    key_unit: str
    value_unit: str
    span: Span


@dataclass(frozen=True)
class PayDecl:
    """A component's payout: ``value`` alone, or ``value applied to base``.

    With a base, ``tiers`` names the tier table when ``value`` is one; the
    payout is then the tier table applied to the base, else ``value * base``.
    ``itemized`` splits the payout across the transactions of the base measure.
    """

    value: Expr
    base: Expr | None
    tiers: str | None
    itemized: bool
    span: Span
    text: str
    fallback: Expr | None = None  # paid when the tiered or rated payout is undefined


@dataclass(frozen=True)
class Bound:
    kind: str  # "gate", "cap", "floor"
    value: Expr
    span: Span
    text: str


@dataclass(frozen=True)
class ComponentDecl:
    name: str
    label: str
    pay: PayDecl
    gates: tuple[Bound, ...]
    caps: tuple[Bound, ...]
    floors: tuple[Bound, ...]
    weight: Bound | None
    span: Span


@dataclass(frozen=True)
class TotalDecl:
    caps: tuple[Bound, ...]
    floors: tuple[Bound, ...]
    span: Span | None


@dataclass(frozen=True)
class Rounding:
    mode: str
    step: Decimal
    level: str  # "transaction", "component", "statement"


@dataclass(frozen=True)
class TestDecl:
    name: str
    period: str | None
    payee: tuple[tuple[str, Const], ...]
    deals: tuple[tuple[tuple[str, Const], ...], ...]
    deal_spans: tuple[Span, ...]
    params: tuple[tuple[str, Const], ...]
    expects: tuple[tuple[str, Const, Span], ...]
    span: Span


@dataclass(frozen=True)
class Plan:
    name: str
    version: str
    file: str
    source: str
    sha256: str
    effective_start: datetime.date | None
    effective_end: datetime.date | None
    period: str
    currency: str
    rounding: Rounding
    ledger: LedgerDecl | None
    roster: RosterDecl
    params: dict[str, ParamDecl]
    rubrics: dict[str, RubricDecl]
    tables: dict[str, TableDecl]
    measures: dict[str, MeasureDecl]
    lets: dict[str, LetDecl]
    tiers: dict[str, TiersDecl]
    components: dict[str, ComponentDecl]
    total: TotalDecl
    tests: tuple[TestDecl, ...] = field(default_factory=tuple)
    # Payee-level names in plan order, as shown under a statement's measures.
    reported: tuple[str, ...] = field(default_factory=tuple)
