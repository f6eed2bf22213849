"""Tier tables applied to a base: marginal, retroactive and lookup modes.

Marginal tiers pay each slice of the base at its own band's rate. When the
key is not the base itself (attainment, say, applied to bookings), band
bounds are converted into base units first: for ``attainment = bookings /
quota`` a bound of 100% is ``1 * quota`` of bookings, so slices stay exact.
Below the first band's lower bound (a net negative base), the first band's
rate applies, which keeps the payout continuous.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from spmlang import ir
from spmlang.money import ONE, ZERO
from spmlang.runtime import trace as tr
from spmlang.runtime.values import Value
from spmlang.statements.models import TierSlice, TraceNode

if TYPE_CHECKING:
    from spmlang.runtime.evaluate import PayeeEvaluator


@dataclass
class TierResult:
    amount: Value
    items: list[tuple[str, Decimal]]
    trace: TraceNode


def band_for(tiers: ir.TiersDecl, key: Decimal) -> ir.BandDecl | None:
    return next((band for band in tiers.bands if band.contains(key)), None)


def _scale(evaluator: PayeeEvaluator, tiers: ir.TiersDecl, key: Decimal, base: Decimal) -> Decimal | None:
    """Base units per key unit, or None when the key is zero and the base is not."""
    if key == base:
        return ONE
    expr = tiers.key
    if isinstance(expr, ir.Ref) and expr.kind == "let":
        expr = evaluator.plan.lets[expr.name].value
    if isinstance(expr, ir.Arith) and expr.op == "/":
        with evaluator.frame():
            numerator = evaluator.eval(expr.left)
            denominator = evaluator.eval(expr.right)
        if numerator == base and denominator:
            return denominator
    if key == 0:
        return None if base != 0 else ONE
    return base / key


def _marginal_amount(x: Decimal, bounds: list[tuple[Decimal, Decimal | None, Decimal]]) -> Decimal:
    """Payout of marginal bands for a base of ``x``; bounds are in base units."""
    first_lower, _, first_rate = bounds[0]
    if x < first_lower:
        return (x - first_lower) * first_rate
    amount = ZERO
    for lower, upper, rate in bounds:
        if x <= lower:
            break
        top = x if upper is None or x < upper else upper
        amount += (top - lower) * rate
    return amount


def apply_tiers(
    evaluator: PayeeEvaluator,
    tiers: ir.TiersDecl,
    base: Value,
    base_expr: ir.Expr,
    credits: list[tuple[str, object, int, Decimal]] | None,
) -> TierResult:
    """Pay a base through a tier table; with ``credits``, also split the payout per transaction.

    Itemized payouts follow the transactions in date, then id order. Each one
    is paid the increase of the payout that it causes. So a deal that crosses
    a band edge is paid partly at each rate, and the items add up to the total.
    """
    with evaluator.frame() as children:
        key = evaluator.eval(tiers.key)
        if key is None or base is None:
            undefined = "the key" if key is None else "the base"
            return TierResult(None, [], tr.node(
                tiers.name, "tiers", None, "money", tiers.key.text, tiers.span,
                note=f"{undefined} is undefined, so the tiers pay nothing defined", children=children))
        slices: list[TierSlice] = []
        items: list[tuple[str, Decimal]] = []
        if tiers.mode == "marginal":
            scale = _scale(evaluator, tiers, key, base)
            if scale is None:
                raise evaluator.fail(
                    f"cannot split {tr.value_text(base)} across the bands of `{tiers.name}` because "
                    f"`{tiers.key.text}` is 0", tiers.span)
            bounds = []
            for band in tiers.bands:
                rate = evaluator.eval(band.value)
                if rate is None:
                    raise evaluator.fail(f"the rate of band {band.text} of `{tiers.name}` is undefined", band.span)
                lower = band.lower * scale
                upper = band.upper * scale if band.upper is not None else None
                bounds.append((lower, upper, rate))
            amount = _marginal_amount(base, bounds)
            if base < bounds[0][0]:
                part = base - bounds[0][0]
                slices.append(_slice(tiers.bands[0], part, bounds[0][2]))
            for band, (lower, upper, rate) in zip(tiers.bands, bounds):
                if base <= lower:
                    break
                top = base if upper is None or base < upper else upper
                slices.append(_slice(band, top - lower, rate))
            if credits is not None:
                cumulative = ZERO
                for cid, _, _, value in sorted(credits, key=lambda c: (c[1] is None, c[1] or 0, c[0], c[2])):
                    before = _marginal_amount(cumulative, bounds)
                    cumulative += value
                    items.append((cid, _marginal_amount(cumulative, bounds) - before))
            note = f"marginal: {tiers.key.text} = {tr.value_text(key)}"
            if scale != ONE:
                note += f"; band bounds x {tr.value_text(scale)} give base amounts"
        else:
            band = band_for(tiers, key)
            if band is None:
                raise evaluator.fail(f"`{tiers.key.text}` = {tr.value_text(key)} falls in no band of `{tiers.name}`",
                                     tiers.span, help="add a band that covers this value")
            rate = evaluator.eval(band.value)
            if rate is None:
                raise evaluator.fail(f"the rate of band {band.text} of `{tiers.name}` is undefined", band.span)
            amount = rate * base
            slices.append(_slice(band, base, rate))
            if credits is not None:
                items = [(cid, rate * value) for cid, _, _, value in credits]
            note = f"{tiers.mode}: {tiers.key.text} = {tr.value_text(key)} is in band {band.text}; " \
                   f"its rate applies to the whole base"
    return TierResult(amount, items, tr.node(
        tiers.name, "tiers", amount, "money", f"{tiers.name} applied to {base_expr.text}", tiers.span,
        note=note, children=children, slices=slices))


def _slice(band: ir.BandDecl, base: Decimal, rate: Decimal) -> TierSlice:
    return TierSlice.model_construct(
        band=band.text, base=tr.value_text(base), rate=tr.value_text(rate), amount=tr.value_text(base * rate)
    )
