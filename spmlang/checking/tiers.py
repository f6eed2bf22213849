"""Rules for tier bands: units of the bounds, order, and no gaps or overlaps.

Bands are ``[lower, upper)`` unless written otherwise: ``through`` makes the
upper bound inclusive and ``above`` makes the lower bound exclusive. A band
written with only a lower bound ends where the next band starts, or is open
above when it is the last band.
"""

from __future__ import annotations

from decimal import Decimal

from spmlang import ir
from spmlang.checking.expressions import ExpressionChecker, Scope
from spmlang.diagnostics import Diagnostic
from spmlang.grammar import syntax as s


def _bound_value(bound: s.Bound, key: ir.Expr, tiers: str, diagnostics: list[Diagnostic]) -> Decimal | None:
    literal = bound.value
    if literal is None:
        return None
    if not isinstance(literal.value, Decimal):
        diagnostics.append(Diagnostic("E205", f"band bound `{literal.text}` of `{tiers}` is not a number",
                                      literal.span, help="write a percentage, a number or an amount"))
        return None
    key_dim = ir.dimension(key.unit)
    bound_dim = ir.dimension(literal.unit)
    if key_dim != "error" and bound_dim != key_dim and literal.value != 0:
        example = "1_000 USD" if key_dim == "money" else "100%"
        diagnostics.append(Diagnostic(
            "E205",
            f"band bound `{literal.text}` is a {literal.unit} value, but `{tiers}` is keyed on "
            f"{key.unit} `{key.text}`",
            literal.span,
            help=f"write bounds in the key's unit, e.g. {example}",
        ))
    return literal.value


def _fmt(value: Decimal | None, unit: str) -> str:
    """Write a bound the way a plan does: 0.6 as 60% when the key is a percentage."""
    if value is None:
        return "no limit"
    if unit == "percent":
        sign, digits, exponent = value.as_tuple()
        return f"{Decimal((sign, digits, exponent + 2)).normalize():f}%"
    return f"{value.normalize():f}"


def _end(value: Decimal | None, inclusive: bool, unit: str) -> str:
    return f"{_fmt(value, unit)} ({'included' if inclusive else 'excluded'})"


def check_bands(
    st: s.Tiers, key: ir.Expr, exprs: ExpressionChecker, diagnostics: list[Diagnostic]
) -> tuple[list[ir.BandDecl], str]:
    """Type a tier table's bands; report bands out of order, overlapping or with gaps."""
    if not st.bands:
        diagnostics.append(Diagnostic("E303", f"tiers `{st.name}` have no bands", st.span,
                                      help="list bands such as `0% to 100% => 5%`"))
        return [], "error"
    raw = []
    value_unit: str | None = None
    for band in st.bands:
        lower = _bound_value(band.lower, key, st.name, diagnostics)
        upper = _bound_value(band.upper, key, st.name, diagnostics)
        value = exprs.check(band.value, Scope())
        if value.unit != "error" and not exprs.is_zero_literal(value):
            if value_unit is None:
                value_unit = value.unit
            elif ir.dimension(value.unit) != ir.dimension(value_unit):
                diagnostics.append(Diagnostic("E206", f"tiers `{st.name}` mix {value_unit} and {value.unit} values",
                                              value.span, help="give every band the same kind of value"))
        raw.append([band, lower, band.lower.inclusive, upper, band.upper.inclusive, value])

    # A band with only a lower bound ends where the next one begins.
    for i, entry in enumerate(raw[:-1]):
        band = entry[0]
        if band.upper.value is None and band.lower.value is not None and "and up" not in band.text:
            nxt = raw[i + 1]
            entry[3] = nxt[1]
            entry[4] = not nxt[2]

    ok = True
    for i, (band, lower, lower_inc, upper, upper_inc, _) in enumerate(raw):
        if lower is None and band.lower.value is None and i > 0:
            ok = False
            diagnostics.append(Diagnostic("E304", f"only the first band of `{st.name}` can be open below",
                                          band.span, help="give this band a lower bound"))
        if upper is None and i < len(raw) - 1:
            ok = False
            diagnostics.append(Diagnostic("E304", f"only the last band of `{st.name}` can be open above",
                                          band.span, help="give this band an upper bound with `to` or `through`"))
        if lower is not None and upper is not None:
            if upper < lower or (upper == lower and not (lower_inc and upper_inc)):
                ok = False
                diagnostics.append(Diagnostic("E300", f"band `{band.text}` of `{st.name}` is empty: it ends before "
                                              "it starts", band.span, help="swap its bounds"))
    if st.mode == "marginal" and raw[0][1] is None:
        diagnostics.append(Diagnostic("E305", f"marginal tiers `{st.name}` need a first band with a lower bound",
                                      raw[0][0].span, help="start the first band at 0, e.g. `0% to 100% => 5%`"))
    unit = "percent" if key.unit == "percent" else key.unit
    if ok:
        for prev, cur in zip(raw, raw[1:]):
            band = cur[0]
            p_upper, p_upper_inc = prev[3], prev[4]
            c_lower, c_lower_inc = cur[1], cur[2]
            if p_upper is None or c_lower is None:
                continue
            if c_lower < prev[1] if prev[1] is not None else False:
                diagnostics.append(Diagnostic("E300", f"bands of `{st.name}` are out of order: `{band.text}` starts "
                                              f"below `{prev[0].text}`", band.span,
                                              help="list bands from the lowest to the highest"))
            elif c_lower < p_upper or (c_lower == p_upper and p_upper_inc and c_lower_inc):
                ends = f"`{prev[0].text}` ends at {_end(p_upper, p_upper_inc, unit)}"
                if c_lower == p_upper:
                    fix = (f"write this band as `above {_fmt(p_upper, unit)} ...`, or end the previous one with "
                           f"`to {_fmt(p_upper, unit)}`")
                else:
                    fix = f"start this band at {_fmt(p_upper, unit)}, where the previous one ends"
                diagnostics.append(Diagnostic(
                    "E301", f"bands `{prev[0].text}` and `{band.text}` of `{st.name}` overlap", band.span,
                    help=f"{ends}; {fix}",
                ))
            elif c_lower > p_upper or (c_lower == p_upper and not p_upper_inc and not c_lower_inc):
                ends = f"`{prev[0].text}` ends at {_end(p_upper, p_upper_inc, unit)}"
                if c_lower == p_upper:
                    fix = f"start this band at {_fmt(p_upper, unit)} without `above`, so that it includes it"
                else:
                    fix = f"start this band at {_fmt(p_upper, unit)}, where the previous one ends"
                diagnostics.append(Diagnostic(
                    "E302", f"there is a gap between bands `{prev[0].text}` and `{band.text}` of `{st.name}`",
                    band.span, help=f"{ends}; {fix}",
                ))
    bands = [
        ir.BandDecl(lower, lower_inc, upper, upper_inc, value, band.text, band.span)
        for band, lower, lower_inc, upper, upper_inc, value in raw
    ]
    return bands, value_unit or "number"
