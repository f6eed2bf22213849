"""Decimal rules for every amount, rate and ratio in spmlang.

All arithmetic runs inside ``decimal_context()``: 34 significant digits, and
floats trapped (``FloatOperation``) so that an accidental float fails loudly
instead of leaking binary rounding into a payout.
"""

from __future__ import annotations

import contextlib
import decimal
from decimal import Decimal
from typing import Iterator

PRECISION = 34

ROUNDING_MODES = {
    "half_up": decimal.ROUND_HALF_UP,
    "half_even": decimal.ROUND_HALF_EVEN,
    "down": decimal.ROUND_DOWN,
    "up": decimal.ROUND_UP,
}

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


def new_context() -> decimal.Context:
    """Return the arithmetic context used for all plan evaluation."""
    return decimal.Context(
        prec=PRECISION,
        rounding=decimal.ROUND_HALF_EVEN,
        traps=[
            decimal.InvalidOperation,
            decimal.DivisionByZero,
            decimal.Overflow,
            decimal.FloatOperation,
        ],
    )


@contextlib.contextmanager
def decimal_context() -> Iterator[decimal.Context]:
    with decimal.localcontext(new_context()) as ctx:
        yield ctx


def quantize(value: Decimal, step: Decimal, mode: str) -> Decimal:
    """Round ``value`` to a multiple of ``step`` (0.01 for cents) with a named mode."""
    if mode not in ROUNDING_MODES:
        raise ValueError(f"unknown rounding mode {mode!r}")
    quantum = Decimal(1).scaleb(step.as_tuple().exponent)
    if step == quantum:
        return value.quantize(quantum, rounding=ROUNDING_MODES[mode])
    # A step such as 0.05 or 5: round the number of steps, then scale back.
    steps = (value / step).quantize(ONE, rounding=ROUNDING_MODES[mode])
    return (steps * step).quantize(quantum)


def to_text(value: Decimal) -> str:
    """Format a Decimal in plain notation (never exponent form), keeping its scale.

    ``Decimal("1E+5")`` becomes ``"100000"``; ``Decimal("12.50")`` stays ``"12.50"``.
    A result with more than 12 fractional digits is trimmed of trailing zeros.
    """
    if not value.is_finite():
        raise ValueError(f"non-finite decimal {value!r}")
    text = format(value, "f")
    if "." in text and len(text.split(".", 1)[1]) > 12:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text


def normalize(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation for integers."""
    if value == value.to_integral_value():
        return value.quantize(ONE)
    return value.normalize()
