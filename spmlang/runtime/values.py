"""Runtime values and the errors evaluation can raise.

A value is a Decimal (money, number, percent, count), str (text, rating key),
date, bool, or None for undefined. Undefined comes from a blank optional input
or a division by zero, and passes through arithmetic until ``otherwise`` or
``is defined`` deals with it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from spmlang.diagnostics import Span

Value = Decimal | str | datetime.date | bool | None


class EvaluationError(Exception):
    """A plan could not be evaluated for one payee and period; names the plan line."""

    def __init__(self, message: str, span: Span | None, payee: str | None = None, period: str | None = None,
                 help: str = ""):
        self.message = message
        self.span = span
        self.payee = payee
        self.period = period
        self.help = help
        super().__init__(self.describe())

    def describe(self) -> str:
        where = f"{self.span}: " if self.span else ""
        context = ""
        if self.payee is not None:
            context = f" (payee {self.payee}" + (f", period {self.period})" if self.period else ")")
        text = f"{where}{self.message}{context}"
        if self.help:
            text += f"\n  = help: {self.help}"
        return text


def value_text(value: Value) -> str | None:
    """Canonical text of a value for statements and traces; None for undefined."""
    from spmlang.money import to_text

    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return to_text(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def amount_text(value: Decimal) -> str:
    """Write an amount for a note: trailing zeros past the cents are dropped, the value is not rounded."""
    from spmlang.money import to_text

    text = to_text(value)
    if "." in text:
        whole, fraction = text.split(".", 1)
        fraction = fraction.rstrip("0").ljust(2, "0")
        text = f"{whole}.{fraction}"
    return text
