"""The reference interpreter: evaluate a plan's IR for one payee and period, traced.

``PayeeEvaluator.definition`` memoizes each definition, so it is computed once
per payee and period. Each computation leaves a trace node with its plan line
and the values it was computed from.
"""

from __future__ import annotations

import datetime
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterator

from spmlang import ir
from spmlang.money import ONE, ZERO, quantize
from spmlang.runtime import trace as tr
from spmlang.runtime.tiers import TierResult, apply_tiers, band_for
from spmlang.runtime.values import EvaluationError, Value, amount_text
from spmlang.statements.models import TracedTransaction, TraceNode


@dataclass(frozen=True)
class Credit:
    """A transaction credited to a payee: the row's values and the payee's share."""

    id: str
    row: int
    date: datetime.date | None
    values: dict[str, object]
    share: Decimal
    rule: str


@dataclass
class LineResult:
    name: str
    label: str
    kind: str  # "component", "rounding", "adjustment"
    unrounded: Decimal
    amount: Decimal
    items: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)  # (transaction, unrounded, amount)


@dataclass
class PayeeResult:
    lines: list[LineResult]
    total: Decimal
    values: list[tuple[str, Value, str]]
    warnings: list[tuple[str, object]]
    trace: list[TraceNode]


_ITEM_QUANTUM = Decimal("1e-20")


def _scale_items(items: list[tuple[str, Decimal]], before: Decimal, after: Decimal) -> list[tuple[str, Decimal]]:
    """Scale per-deal amounts when a cap or floor changes the line, keeping their sum exact.

    Each item keeps its proportion of the line; the last item takes what
    division leaves over, so the items add up to ``after`` exactly.
    """
    if not items:
        return items
    if before == 0:
        return [(cid, ZERO) for cid, _ in items[:-1]] + [(items[-1][0], after)]
    # Scaled shares are cut to 20 decimal places so that the remainder is exact at 34 digits.
    scaled = [(cid, (amount * after / before).quantize(_ITEM_QUANTUM)) for cid, amount in items[:-1]]
    rest = after - sum((amount for _, amount in scaled), ZERO)
    return scaled + [(items[-1][0], rest)]


def _settle_items(
    items: list[tuple[str, Decimal, Decimal]], amount: Decimal
) -> list[tuple[str, Decimal, Decimal]]:
    """Make rounded item amounts add up to the line's rounded amount, adjusting the last one."""
    rest = amount - sum((rounded for _, _, rounded in items[:-1]), ZERO)
    cid, unrounded, _ = items[-1]
    return items[:-1] + [(cid, unrounded, rest)]


def _truthy(value: Value) -> bool | None:
    return None if value is None else bool(value)


class PayeeEvaluator:
    """Evaluate one payee's statement for one period."""

    def __init__(
        self,
        plan: ir.Plan,
        payee: str,
        attributes: dict[str, Value],
        credits: list[Credit],
        period_label: str,
        params: dict[str, Value] | None = None,
    ):
        self.plan = plan
        self.payee = payee
        self.attributes = attributes
        self.credits = credits
        self.period_label = period_label
        self.param_values = params or {}
        self.memo: dict[str, tuple[Value, TraceNode]] = {}
        self.component_items: dict[str, list[tuple[str, Decimal]]] = {}
        self.component_altered: dict[str, bool] = {}
        self.frames: list[list[TraceNode]] = []
        self.warnings: list[tuple[str, object]] = []
        self.warned: set[str] = set()
        self.listed_transactions: set[str] = set()
        self.row: Credit | None = None

    # ---- errors and warnings --------------------------------------------

    def fail(self, message: str, span, help: str = "") -> EvaluationError:
        return EvaluationError(message, span, self.payee, self.period_label, help)

    def warn(self, key: str, message: str, span) -> None:
        if key not in self.warned:
            self.warned.add(key)
            self.warnings.append((message, span))

    # ---- trace frames ---------------------------------------------------

    @contextmanager
    def frame(self) -> Iterator[list[TraceNode]]:
        children: list[TraceNode] = []
        self.frames.append(children)
        try:
            yield children
        finally:
            self.frames.pop()

    def attach(self, trace: TraceNode) -> None:
        if not self.frames:
            return
        current = self.frames[-1]
        if any(child.name == trace.name and child.kind == trace.kind for child in current):
            return
        if trace.kind == "measure" and trace.transactions:
            if trace.name in self.listed_transactions:
                trace = tr.without_transactions(trace)
            else:
                self.listed_transactions.add(trace.name)
        current.append(trace)

    # ---- expressions ----------------------------------------------------

    def eval(self, expr: ir.Expr) -> Value:
        method = getattr(self, "_" + type(expr).__name__.lower())
        return method(expr)

    def _const(self, expr: ir.Const) -> Value:
        return expr.value

    def _ref(self, expr: ir.Ref) -> Value:
        value, trace = self.definition(expr.name)
        self.attach(trace)
        return value

    def _fieldvalue(self, expr: ir.FieldValue) -> Value:
        if self.row is None:  # pragma: no cover - the checker keeps fields inside row scope
            raise self.fail(f"`{expr.text}` read outside a transaction", expr.span)
        value = self.row.values.get(expr.field)
        if expr.unit == "money" and isinstance(value, Decimal) and self.row.share != ONE:
            value = value * self.row.share
        return value

    def _arith(self, expr: ir.Arith) -> Value:
        left = self.eval(expr.left)
        right = self.eval(expr.right)
        if left is None or right is None:
            return None
        if expr.op == "+":
            return left + right
        if expr.op == "-":
            return left - right
        if expr.op == "*":
            return left * right
        if right == 0:
            self.warn(
                f"div0:{expr.span}",
                f"`{expr.text}` divides by zero ({expr.right.text} = 0), so its value is undefined",
                expr.span,
            )
            return None
        return left / right

    def _compare(self, expr: ir.Compare) -> Value:
        left = self.eval(expr.left)
        right = self.eval(expr.right)
        if left is None or right is None:
            return None
        if isinstance(left, str) != isinstance(right, str):
            left, right = str(left), str(right)
        op = expr.op
        if op == "=":
            return left == right
        if op == "!=":
            return left != right
        if op == "<":
            return left < right
        if op == "<=":
            return left <= right
        if op == ">":
            return left > right
        return left >= right

    def _logic(self, expr: ir.Logic) -> Value:
        # Three-valued logic: undefined and false is false, undefined or true is true.
        if expr.op == "not":
            value = _truthy(self.eval(expr.operands[0]))
            return None if value is None else not value
        left = _truthy(self.eval(expr.operands[0]))
        if expr.op == "and" and left is False:
            return False
        if expr.op == "or" and left is True:
            return True
        right = _truthy(self.eval(expr.operands[1]))
        if expr.op == "and":
            if right is False:
                return False
            return None if None in (left, right) else True
        if right is True:
            return True
        return None if None in (left, right) else False

    def _negate(self, expr: ir.Negate) -> Value:
        value = self.eval(expr.operand)
        return None if value is None else -value

    def _cond(self, expr: ir.Cond) -> Value:
        condition = self.eval(expr.condition)
        if condition is None:
            raise self.fail(f"the condition of `{expr.text}` is undefined", expr.condition.span,
                            help="decide the undefined case with `is defined` or `otherwise`")
        return self.eval(expr.then if condition else expr.otherwise)

    def _fallback(self, expr: ir.Fallback) -> Value:
        value = self.eval(expr.value)
        if value is None:
            return self.eval(expr.fallback)
        return value

    def _isdefined(self, expr: ir.IsDefined) -> Value:
        value = self.eval(expr.operand)
        return (value is not None) == expr.defined

    def _func(self, expr: ir.Func) -> Value:
        values = [self.eval(arg) for arg in expr.args]
        if any(v is None for v in values):
            return None
        if expr.name == "min":
            return min(values)
        if expr.name == "max":
            return max(values)
        if expr.name == "abs":
            return abs(values[0])
        return quantize(values[0], values[1], self.plan.rounding.mode)

    def _rubriclookup(self, expr: ir.RubricLookup) -> Value:
        rating = self.eval(expr.rating)
        rubric = self.plan.rubrics[expr.rubric]
        if rating is None:
            raise self.fail(f"no rating to look up in rubric `{rubric.name}`", expr.span,
                            help="give the payee a rating in the roster")
        key = str(rating.normalize() if isinstance(rating, Decimal) else rating)
        entry = next((e for e in rubric.entries if e.key == key), None)
        if entry is None:
            scale = ", ".join(e.key for e in rubric.entries)
            raise self.fail(f'rating "{key}" is not on the scale of rubric `{rubric.name}` ({scale})', expr.span,
                            help="correct the rating in the roster")
        with self.frame() as children:
            value = self.eval(entry.value)
        self.attach(tr.node(
            f"{rubric.name}({key})", "rubric", value, rubric.unit, entry.value.text, entry.span,
            note=f"rating {key} \"{entry.label}\"" if entry.label else f"rating {key}", children=children,
        ))
        return value

    def _tablelookup(self, expr: ir.TableLookup) -> Value:
        key_value = self.eval(expr.key)
        table = self.plan.tables[expr.table]
        if key_value is None:
            raise self.fail(f"no key to look up in table `{table.name}`", expr.span)
        key = str(key_value.normalize() if isinstance(key_value, Decimal) else key_value)
        chosen = next((value for k, value in table.entries if k == key), None)
        note = f'key "{key}"'
        if chosen is None:
            if table.default is None:
                keys = ", ".join(f'"{k}"' for k, _ in table.entries)
                raise self.fail(f'"{key}" is not a key of table `{table.name}` ({keys})', expr.span,
                                help="add the key to the table, or an `otherwise` row")
            chosen = table.default
            note += " is not listed; the otherwise row applies"
        with self.frame() as children:
            value = self.eval(chosen)
        if self.row is None:
            self.attach(tr.node(f"{table.name}({key})", "table", value, table.unit, chosen.text, chosen.span,
                                note=note, children=children))
        return value

    def _tiervalue(self, expr: ir.TierValue) -> Value:
        tiers = self.plan.tiers[expr.tiers]
        if tiers.mode == "marginal":
            raise self.fail(f"marginal tiers `{tiers.name}` pay slices of a base and have no single rate",
                            expr.span, help=f"write `pay {tiers.name} applied to BASE`")
        value, trace = self.definition(tiers.name)
        self.attach(trace)
        return value

    # ---- definitions ----------------------------------------------------

    def definition(self, name: str) -> tuple[Value, TraceNode]:
        if name in self.memo:
            return self.memo[name]
        plan = self.plan
        if name in plan.params:
            result = self.param(plan.params[name])
        elif plan.roster.field(name) is not None:
            result = self.attribute(plan.roster.field(name))
        elif name in plan.measures:
            result = self.measure(plan.measures[name])
        elif name in plan.lets:
            decl = plan.lets[name]
            with self.frame() as children:
                value = self.eval(decl.value)
            result = (value, tr.node(name, "let", value, decl.unit, decl.value.text, decl.span, children=children))
        elif name in plan.tiers:
            result = self.tier_lookup(plan.tiers[name])
        elif name in plan.components:
            result = self.component(plan.components[name])
        else:  # pragma: no cover - names are resolved by the checker
            raise self.fail(f"`{name}` is not defined", None)
        self.memo[name] = result
        return result

    def param(self, decl: ir.ParamDecl) -> tuple[Value, TraceNode]:
        if decl.name in self.param_values:
            value = self.param_values[decl.name]
            note = f"overridden for this run (plan default {decl.value.text})"
        else:
            value, note = decl.value.value, ""
        return value, tr.node(decl.name, "param", value, decl.value.unit, decl.value.text, decl.span, note=note)

    def attribute(self, decl: ir.FieldDecl) -> tuple[Value, TraceNode]:
        value = self.attributes.get(decl.name)
        note = f"roster column {decl.column}"
        if value is None:
            self.warn(f"missing:{decl.name}", f"{decl.name} is missing for payee {self.payee}", decl.span)
            note += "; blank, so undefined"
        return value, tr.node(decl.name, "attribute", value, decl.unit, "", decl.span, note=note)

    def row_values(self, decl: ir.MeasureDecl) -> Iterator[tuple[Credit, Value]]:
        """Yield each credited transaction that passes the measure's filter, with its value."""
        saved = self.row
        try:
            for credit in self.credits:
                self.row = credit
                if decl.where is not None and not self.eval(decl.where):
                    continue
                if decl.value is None:
                    yield credit, ONE
                else:
                    yield credit, self.eval(decl.value)
        finally:
            self.row = saved

    def measure(self, decl: ir.MeasureDecl) -> tuple[Value, TraceNode]:
        transactions: list[TracedTransaction] = []
        values: list[Decimal] = []
        with self.frame() as children:
            for credit, value in self.row_values(decl):
                if value is None:
                    continue
                values.append(value)
                transactions.append(TracedTransaction.model_construct(
                    id=credit.id, row=credit.row, date=credit.date.isoformat() if credit.date else None,
                    value=tr.value_text(value), share=tr.value_text(credit.share), rule=credit.rule,
                ))
        aggregate = decl.aggregate
        note = f"{len(values)} transaction{'' if len(values) == 1 else 's'}"
        if aggregate == "sum":
            result: Value = sum(values, ZERO)
        elif aggregate == "count":
            result = Decimal(len(values))
        elif not values:
            result = None
            note = "no transactions, so undefined"
        elif aggregate == "average":
            result = sum(values, ZERO) / len(values)
        elif aggregate == "min":
            result = min(values)
        else:
            result = max(values)
        return result, tr.node(decl.name, "measure", result, decl.unit, decl.text, decl.span, note=note,
                               children=children, transactions=transactions)

    def tier_lookup(self, tiers: ir.TiersDecl) -> tuple[Value, TraceNode]:
        """Evaluate the band value that the key falls in, for lookup and retroactive tiers used as a rate."""
        with self.frame() as children:
            key = self.eval(tiers.key)
            if key is None:
                return None, tr.node(tiers.name, "tiers", None, tiers.value_unit, tiers.key.text, tiers.span,
                                     note=f"key `{tiers.key.text}` is undefined", children=children)
            band = band_for(tiers, key)
            if band is None:
                raise self.fail(f"`{tiers.key.text}` = {tr.value_text(key)} falls in no band of `{tiers.name}`",
                                tiers.span, help="add a band that covers this value")
            value = self.eval(band.value)
        return value, tr.node(tiers.name, "tiers", value, tiers.value_unit, tiers.key.text, band.span,
                              note=f"{tiers.key.text} = {tr.value_text(key)} is in band {band.text}",
                              children=children)

    # ---- components -----------------------------------------------------

    def pay(self, component: ir.ComponentDecl) -> tuple[Value, TraceNode, list[tuple[str, Decimal]]]:
        value, trace, items = self.pay_value(component)
        fallback = component.pay.fallback
        if value is not None or fallback is None:
            return value, trace, items
        with self.frame() as children:
            value = self.eval(fallback)
        return value, tr.node("pay", "expression", value, "money", component.pay.text, component.pay.span,
                              note=f"the payout is undefined, so `otherwise {fallback.text}` applies",
                              children=[trace, *children]), []

    def pay_value(self, component: ir.ComponentDecl) -> tuple[Value, TraceNode, list[tuple[str, Decimal]]]:
        pay = component.pay
        items: list[tuple[str, Decimal]] = []
        with self.frame() as children:
            if pay.base is None:
                value = self.eval(pay.value)
                return value, tr.node("pay", "expression", value, "money", pay.value.text, pay.span,
                                      children=children), items
            base = self.eval(pay.base)
            credits = None
            if pay.itemized:
                measure = self.plan.measures[pay.base.name]
                credits = [(c.id, c.date, c.row, v) for c, v in self.row_values(measure) if v is not None]
            if pay.tiers is not None:
                tiers = self.plan.tiers[pay.tiers]
                result: TierResult = apply_tiers(self, tiers, base, pay.base, credits)
                items = result.items
                self.attach(result.trace)
                return result.amount, tr.node("pay", "expression", result.amount, "money", pay.text, pay.span,
                                              children=children), items
            rate = self.eval(pay.value)
            if rate is None or base is None:
                value = None
            else:
                value = rate * base
                if credits is not None:
                    items = [(cid, rate * v) for cid, _, _, v in credits]
        return value, tr.node("pay", "expression", value, "money", pay.text, pay.span, children=children), items

    def component(self, decl: ir.ComponentDecl) -> tuple[Value, TraceNode]:
        steps: list[TraceNode] = []
        value, pay_trace, items = self.pay(decl)
        steps.append(pay_trace)
        if value is None:
            raise self.fail(f"component `{decl.name}` has no value because `{decl.pay.text}` is undefined",
                            decl.pay.span,
                            help="say what to pay in that case, e.g. `pay ... otherwise 0 USD`")
        altered = False
        if decl.weight is not None:
            with self.frame() as children:
                weight = self.eval(decl.weight.value)
            if weight is None:
                raise self.fail(f"the weight of `{decl.name}` is undefined", decl.weight.span)
            value = value * weight
            items = [(cid, amount * weight) for cid, amount in items]
            steps.append(tr.node("weight", "weight", weight, decl.weight.value.unit, decl.weight.value.text,
                                 decl.weight.span, note=f"paid {tr.value_text(value)}", children=children))
        for gate in decl.gates:
            with self.frame() as children:
                passed = self.eval(gate.value)
            if passed is None:
                raise self.fail(f"the gate `{gate.value.text}` of `{decl.name}` is undefined", gate.span,
                                help="decide the undefined case, e.g. `gate attainment >= 50% or attainment is "
                                "undefined`")
            note = "met" if passed else "not met: the component pays 0"
            steps.append(tr.node("gate", "gate", passed, "bool", gate.value.text, gate.span, note=note,
                                 children=children))
            if not passed:
                value, altered = ZERO, True
                items = [(cid, ZERO) for cid, _ in items]
                break
        if not altered or value != ZERO:
            for bound in decl.caps + decl.floors:
                with self.frame() as children:
                    limit = self.eval(bound.value)
                if limit is None:
                    raise self.fail(f"the {bound.kind} `{bound.value.text}` of `{decl.name}` is undefined",
                                    bound.span)
                applies = value > limit if bound.kind == "cap" else value < limit
                note = (f"{amount_text(value)} {'exceeds' if bound.kind == 'cap' else 'is below'} "
                        f"{amount_text(limit)}, so {amount_text(limit)} is paid") if applies else "not reached"
                steps.append(tr.node(bound.kind, bound.kind, limit, "money", bound.value.text, bound.span,
                                     note=note, children=children))
                if applies:
                    items = _scale_items(items, value, limit)
                    value, altered = limit, True
        self.component_items[decl.name] = items
        self.component_altered[decl.name] = altered
        return value, tr.node(decl.name, "component", value, "money", decl.label, decl.span, children=steps)

    # ---- statement ------------------------------------------------------

    def round(self, value: Decimal) -> Decimal:
        rounding = self.plan.rounding
        return quantize(value, rounding.step, rounding.mode)

    def run(self) -> PayeeResult:
        plan = self.plan
        level = plan.rounding.level
        lines: list[LineResult] = []
        roots: list[TraceNode] = []
        for decl in plan.components.values():
            value, trace = self.definition(decl.name)
            items = self.component_items.get(decl.name, [])
            # Items are rounded one by one only where the plan rounds per transaction. Elsewhere
            # they show the unrounded share of the line, because the line is rounded once.
            if level == "transaction":
                rounded_items = [(cid, amount, self.round(amount)) for cid, amount in items]
            else:
                rounded_items = [(cid, amount, amount) for cid, amount in items]
            if level == "transaction" and rounded_items and not self.component_altered[decl.name]:
                amount = sum((r for _, _, r in rounded_items), ZERO)
                note = "each transaction rounded, then added"
            elif level == "statement":
                amount = self.round(value)
                note = "shown rounded; the statement total is rounded once"
            else:
                amount = self.round(value)
                note = "rounded once for the line"
                if level == "transaction" and rounded_items:
                    # A gate, cap or floor changed the line: it is rounded once, and the last
                    # item takes the cents that rounding each item left over.
                    rounded_items = _settle_items(rounded_items, amount)
                    note += "; items rounded so that they add up to it"
            lines.append(LineResult(decl.name, decl.label, "component", value, amount, rounded_items))
            roots.append(trace.model_copy(update={"note": f"pays {tr.value_text(amount)}: {note}"}))

        if level == "statement":
            unrounded_total = sum((line.unrounded for line in lines), ZERO)
            total = self.round(unrounded_total)
            shown = sum((line.amount for line in lines), ZERO)
            if total != shown:
                lines.append(LineResult("rounding", "Rounding difference", "rounding", total - shown, total - shown))
        else:
            total = sum((line.amount for line in lines), ZERO)

        total, adjustment_roots = self.total_bounds(lines, total)
        roots.extend(adjustment_roots)
        roots.append(tr.node("total", "total", total, "money", "sum of the lines", plan.total.span,
                             note=f"{len(lines)} line{'' if len(lines) == 1 else 's'}"))
        values = []
        for name in plan.reported:
            value, _ = self.definition(name)
            unit = plan.measures[name].unit if name in plan.measures else plan.lets[name].unit
            values.append((name, value, unit))
        return PayeeResult(lines, total, values, self.warnings, roots)

    def total_bounds(self, lines: list[LineResult], total: Decimal) -> tuple[Decimal, list[TraceNode]]:
        roots = []
        for bound in self.plan.total.caps + self.plan.total.floors:
            with self.frame() as children:
                limit = self.eval(bound.value)
            if limit is None:
                raise self.fail(f"the total {bound.kind} `{bound.value.text}` is undefined", bound.span)
            limit = self.round(limit)
            applies = total > limit if bound.kind == "cap" else total < limit
            if not applies:
                roots.append(tr.node(f"total_{bound.kind}", bound.kind, limit, "money", bound.value.text,
                                     bound.span, note="not reached", children=children))
                continue
            adjustment = limit - total
            name = f"total_{bound.kind}"
            lines.append(LineResult(name, f"Total {bound.kind}", "adjustment", adjustment, adjustment))
            roots.append(tr.node(name, bound.kind, adjustment, "money", bound.value.text, bound.span,
                                 note=f"lines add up to {tr.value_text(total)}; the {bound.kind} is "
                                 f"{tr.value_text(limit)}", children=children))
            total = limit
        return total, roots
