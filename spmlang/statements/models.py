"""Pydantic models of a statement: the published output contract.

Every amount is a string holding an exact decimal in plain notation
("12345.60"), never a JSON number, so no reader turns it into a float.
``docs/statement.schema.json`` is generated from ``Statement``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

SCHEMA_VERSION = "1"

# An exact decimal in plain notation, such as "-1234.50".
DecimalText = Annotated[str, StringConstraints(pattern=r"^-?[0-9]+(\.[0-9]+)?$")]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceSpan(_Model):
    """A place in the plan source; lines and columns are 1-based."""

    file: str
    line: int
    column: int


class InputFile(_Model):
    role: Literal["plan", "ledger", "roster"]
    path: str = Field(description="Path as given on the command line")
    sha256: str


class PlanRef(_Model):
    name: str
    version: str
    file: str
    sha256: str


class PeriodRef(_Model):
    label: str = Field(description='Period label such as "2017-Q2" or "2017-03"')
    start: str = Field(description="First day of the period (ISO date)")
    end: str = Field(description="Last day of the period, inclusive (ISO date)")


class TracedTransaction(_Model):
    """One credited transaction that fed a measure."""

    id: str
    row: int = Field(description="Line number of the row in the ledger file")
    date: str | None
    value: str = Field(description="What this transaction contributed to the measure")
    share: str = Field(description="Credit share of the transaction for this payee, 1 = 100%")
    rule: str = Field(description="Crediting rule that credited it")


class TierSlice(_Model):
    """The part of a base that one tier band paid."""

    band: str = Field(description='Band as written in the plan, e.g. "100% to 150%"')
    base: str = Field(description="Part of the base that fell in this band")
    rate: str
    amount: str


class TraceNode(_Model):
    """One step of a derivation: a value, the plan expression behind it, its inputs."""

    name: str
    kind: Literal[
        "component", "total", "measure", "let", "param", "attribute", "tiers",
        "rubric", "table", "gate", "cap", "floor", "weight", "rounding",
        "expression", "item",
    ]
    value: str | None = Field(description="Exact value; null when undefined")
    unit: str
    expression: str = ""
    span: SourceSpan | None = None
    note: str = ""
    children: list[TraceNode] = Field(default_factory=list)
    transactions: list[TracedTransaction] = Field(default_factory=list)
    slices: list[TierSlice] = Field(default_factory=list)


class LineItem(_Model):
    """Part of an itemized line paid for one transaction."""

    transaction: str
    amount: DecimalText
    unrounded: DecimalText


class Line(_Model):
    """One payout line of a statement."""

    name: str
    label: str
    kind: Literal["component", "rounding", "adjustment"]
    amount: DecimalText = Field(description="Amount paid, rounded where the plan's rounding setting puts it")
    unrounded: DecimalText
    items: list[LineItem] = Field(default_factory=list)


class KeyValue(_Model):
    name: str
    value: str | None
    unit: str


class StatementWarning(_Model):
    message: str
    span: SourceSpan | None = None


class CreditedTransaction(_Model):
    id: str
    row: int
    date: str | None
    share: str
    rule: str


class Statement(_Model):
    """One payee's compensation statement for one period, with its full trace."""

    schema_version: Literal["1"] = SCHEMA_VERSION
    plan: PlanRef
    inputs: list[InputFile]
    payee: str
    attributes: dict[str, str | None] = Field(description="Roster attributes of the payee")
    period: PeriodRef
    currency: str
    lines: list[Line]
    total: DecimalText
    measures: list[KeyValue] = Field(description="Measures and definitions, in plan order")
    warnings: list[StatementWarning]
    overrides: dict[str, str] = Field(
        default_factory=dict,
        description="Plan parameters overridden for this run (name -> value); the plan's own values apply otherwise",
    )
    credited: list[CreditedTransaction]
    trace: list[TraceNode] = Field(description="One derivation tree per line, then the total")


TraceNode.model_rebuild()
