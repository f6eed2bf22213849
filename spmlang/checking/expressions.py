"""Resolve and type plan expressions, producing IR expressions with units.

Unit rules, where ``ir.dimension`` groups number, percent and count:

- money + money is money, and money * number is money.
- money * money and number / money are errors.
- money / money and count / count are ratios, shown as percentages.
- Comparisons need the same dimension.
- A literal 0 fits any numeric unit, so ``max(0, commission)`` needs no currency.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from spmlang import ir
from spmlang.diagnostics import Diagnostic, Span
from spmlang.grammar import syntax as s

BUILTINS = ("min", "max", "abs", "round")

# Resolves a payee-level name to (kind, unit); None when the name is not defined.
Resolver = Callable[[str, Span], "tuple[str, str] | None"]


@dataclass
class Scope:
    """The context of an expression: the ledger whose fields it may read, if any."""

    ledger: ir.LedgerDecl | None = None  # set inside measures and exclude rules
    ledger_name: str | None = None


class ExpressionChecker:
    def __init__(
        self,
        source_lines: list[str],
        currency: str,
        resolve: Resolver,
        names: Callable[[], list[str]],
        callables: dict[str, tuple[str, str]],
        diagnostics: list[Diagnostic],
    ):
        self.lines = source_lines
        self.currency = currency
        self.resolve = resolve
        self.names = names
        self.callables = callables  # name -> (kind "rubric"/"table", value unit)
        self.diagnostics = diagnostics

    # ---- helpers --------------------------------------------------------

    def text(self, span: Span) -> str:
        if span.line != span.end_line or span.line > len(self.lines):
            line = self.lines[span.line - 1] if span.line <= len(self.lines) else ""
            return line[span.column - 1:].strip()
        return self.lines[span.line - 1][span.column - 1: span.end_column - 1]

    def error(self, code: str, message: str, span: Span | None, help: str = "") -> None:
        self.diagnostics.append(Diagnostic(code, message, span, help=help))

    def suggest(self, name: str, candidates: list[str]) -> str:
        close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
        return f"did you mean `{close[0]}`?" if close else ""

    # ---- entry ----------------------------------------------------------

    def check(self, expr: s.Expr, scope: Scope) -> ir.Expr:
        method = getattr(self, "_" + type(expr).__name__.lower())
        return method(expr, scope)

    # ---- leaves ---------------------------------------------------------

    def _literal(self, expr: s.Literal, scope: Scope) -> ir.Expr:
        if expr.unit == "money" and expr.currency != self.currency:
            self.error(
                "E113",
                f"amount `{expr.text}` is in {expr.currency}, but the plan pays in {self.currency}",
                expr.span,
                help=f"write the amount in {self.currency}, e.g. {expr.value} {self.currency}",
            )
        return ir.Const(expr.value, expr.unit, expr.span, expr.text)

    def _name(self, expr: s.Name, scope: Scope) -> ir.Expr:
        if scope.ledger is not None and scope.ledger.field(expr.name) is not None:
            if self.resolve(expr.name, expr.span) is not None:
                self.error(
                    "E107",
                    f"`{expr.name}` is both a field of `{scope.ledger.name}` and a plan name",
                    expr.span,
                    help=f"write `{scope.ledger.name}.{expr.name}` for the field, or rename the plan definition",
                )
            decl = scope.ledger.field(expr.name)
            return ir.FieldValue(decl.name, decl.unit, expr.span, expr.name)
        resolved = self.resolve(expr.name, expr.span)
        if resolved is None:
            candidates = self.names() + (
                [f.name for f in scope.ledger.fields] if scope.ledger is not None else []
            )
            self.error("E101", f"`{expr.name}` is not defined", expr.span, help=self.suggest(expr.name, candidates)
                       or "define it with `let`, `param`, `measure` or a roster field")
            return ir.Const(Decimal(0), "error", expr.span, expr.name)
        kind, unit = resolved
        if kind in ("rubric", "table"):
            self.error("E104", f"`{expr.name}` is a {kind}; call it with a key, e.g. `{expr.name}(rating)`", expr.span)
            return ir.Const(Decimal(0), "error", expr.span, expr.name)
        if kind == "tiers":
            return ir.TierValue(expr.name, unit, expr.span, expr.name)
        return ir.Ref(kind, expr.name, unit, expr.span, expr.name)

    def _fieldref(self, expr: s.FieldRef, scope: Scope) -> ir.Expr:
        if scope.ledger is None:
            self.error(
                "E332",
                f"`{expr.ledger}.{expr.field}` reads one transaction, but this expression is computed per payee",
                expr.span,
                help="aggregate the field in a measure, e.g. `measure total_amount = sum "
                f"{expr.ledger}.{expr.field}`",
            )
            return ir.Const(Decimal(0), "error", expr.span, self.text(expr.span))
        if expr.ledger != scope.ledger.name:
            self.error("E103", f"there is no ledger named `{expr.ledger}`", expr.span,
                       help=f"the plan's ledger is `{scope.ledger.name}`")
            return ir.Const(Decimal(0), "error", expr.span, self.text(expr.span))
        decl = scope.ledger.field(expr.field)
        if decl is None:
            fields = [f.name for f in scope.ledger.fields]
            self.error("E102", f"ledger `{expr.ledger}` has no field `{expr.field}`", expr.span,
                       help=self.suggest(expr.field, fields) or f"declared fields: {', '.join(fields)}")
            return ir.Const(Decimal(0), "error", expr.span, self.text(expr.span))
        return ir.FieldValue(decl.name, decl.unit, expr.span, self.text(expr.span))

    # ---- operators ------------------------------------------------------

    def _binary(self, expr: s.Binary, scope: Scope) -> ir.Expr:
        left = self.check(expr.left, scope)
        right = self.check(expr.right, scope)
        text = self.text(expr.span)
        if expr.op in ("and", "or"):
            for side in (left, right):
                self.require_bool(side, f"`{expr.op}`")
            return ir.Logic(expr.op, (left, right), expr.span, text)
        if expr.op in ("=", "!=", "<", "<=", ">", ">="):
            self.compare_units(left, right, expr)
            return ir.Compare(expr.op, left, right, expr.span, text)
        op = "*" if expr.op == "of" else expr.op
        unit = self.arith_unit(op, left, right, expr)
        return ir.Arith(op, left, right, unit, expr.span, text)

    def _unary(self, expr: s.Unary, scope: Scope) -> ir.Expr:
        operand = self.check(expr.operand, scope)
        text = self.text(expr.span)
        if expr.op == "not":
            self.require_bool(operand, "`not`")
            return ir.Logic("not", (operand,), expr.span, text)
        if ir.dimension(operand.unit) not in ("money", "number", "error"):
            self.error("E200", f"cannot negate a {operand.unit} value", expr.span)
        return ir.Negate(operand, operand.unit, expr.span, text)

    def _ifelse(self, expr: s.IfElse, scope: Scope) -> ir.Expr:
        condition = self.check(expr.condition, scope)
        self.require_bool(condition, "`if`")
        then = self.check(expr.then, scope)
        otherwise = self.check(expr.otherwise, scope)
        unit = self.common_unit(then, otherwise, expr.span, "the two branches of `if`")
        return ir.Cond(condition, then, otherwise, unit, expr.span, self.text(expr.span))

    def _parenthesized(self, span: Span) -> bool:
        line = self.lines[span.line - 1] if span.line <= len(self.lines) else ""
        before = line[: span.column - 1].rstrip()
        end_line = self.lines[span.end_line - 1] if span.end_line <= len(self.lines) else ""
        after = end_line[span.end_column - 1:].lstrip()
        return before.endswith("(") and after.startswith(")")

    def _otherwise(self, expr: s.Otherwise, scope: Scope) -> ir.Expr:
        # `a otherwise 0 + b` parses as `a otherwise (0 + b)` because the fallback takes everything
        # to its right. A reader easily expects `(a otherwise 0) + b`, so brackets are required.
        if isinstance(expr.fallback, (s.Binary, s.Otherwise)) and not self._parenthesized(expr.fallback.span):
            fallback = self.text(expr.fallback.span)
            self.error("E208", f"`otherwise` takes all of `{fallback}` as its fallback", expr.fallback.span,
                       help=f"write `otherwise ({fallback})` if that is meant, or put the value and its "
                       "fallback in brackets: `(x otherwise 0) + y`")
        value = self.check(expr.value, scope)
        fallback = self.check(expr.fallback, scope)
        unit = self.common_unit(value, fallback, expr.span, "a value and its `otherwise` fallback")
        return ir.Fallback(value, fallback, unit, expr.span, self.text(expr.span))

    def _definedness(self, expr: s.Definedness, scope: Scope) -> ir.Expr:
        operand = self.check(expr.operand, scope)
        return ir.IsDefined(operand, expr.defined, expr.span, self.text(expr.span))

    def _call(self, expr: s.Call, scope: Scope) -> ir.Expr:
        args = tuple(self.check(a, scope) for a in expr.args)
        text = self.text(expr.span)
        name = expr.function
        if name in self.callables:
            kind = self.callables[name][0]
            resolved = self.resolve(name, expr.name_span)
            unit = resolved[1] if resolved else "error"
            if len(args) != 1:
                self.error("E105", f"`{name}` takes one key, got {len(args)}", expr.span)
                return ir.Const(Decimal(0), "error", expr.span, text)
            if kind == "rubric":
                if args[0].unit not in ("rating", "number", "text", "error"):
                    self.error("E200", f"rubric `{name}` needs a rating, got a {args[0].unit} value", args[0].span)
                return ir.RubricLookup(name, args[0], unit, expr.span, text)
            return ir.TableLookup(name, args[0], unit, expr.span, text)
        if name not in BUILTINS:
            candidates = list(BUILTINS) + list(self.callables)
            self.error("E101", f"there is no function `{name}`", expr.name_span,
                       help=self.suggest(name, candidates) or f"functions: {', '.join(candidates)}")
            return ir.Const(Decimal(0), "error", expr.span, text)
        if name in ("min", "max"):
            if len(args) < 2:
                self.error("E105", f"`{name}` needs at least two values", expr.span)
                return ir.Const(Decimal(0), "error", expr.span, text)
            unit = args[0].unit
            for arg in args[1:]:
                unit = self.common_unit_of(unit, args[0], arg, expr.span, f"the values of `{name}`")
            return ir.Func(name, args, unit, expr.span, text)
        if name == "abs":
            if len(args) != 1:
                self.error("E105", "`abs` takes one value", expr.span)
                return ir.Const(Decimal(0), "error", expr.span, text)
            return ir.Func(name, args, args[0].unit, expr.span, text)
        # round(value, step): round with the plan's rounding mode to a multiple of step.
        if len(args) != 2 or not isinstance(args[1], ir.Const) or not isinstance(args[1].value, Decimal):
            self.error("E105", "`round` takes a value and a step, e.g. `round(bonus, 0.01)`", expr.span)
            return ir.Const(Decimal(0), "error", expr.span, text)
        return ir.Func(name, args, args[0].unit, expr.span, text)

    # ---- unit rules -----------------------------------------------------

    @staticmethod
    def is_zero_literal(expr: ir.Expr) -> bool:
        return isinstance(expr, ir.Const) and expr.unit == "number" and expr.value == 0

    def require_bool(self, expr: ir.Expr, where: str) -> None:
        if expr.unit not in ("bool", "error"):
            self.error("E201", f"{where} needs a true/false condition, but `{expr.text}` is a {expr.unit} value",
                       expr.span, help="compare it with something, e.g. `attainment >= 50%`")

    def compare_units(self, left: ir.Expr, right: ir.Expr, expr: s.Binary) -> None:
        lu, ru = ir.dimension(left.unit), ir.dimension(right.unit)
        if "error" in (lu, ru) or lu == ru:
            return
        if {lu, ru} == {"rating", "number"} or {lu, ru} == {"rating", "text"}:
            return
        if self.is_zero_literal(left) or self.is_zero_literal(right):
            return
        self.error("E200", f"cannot compare {left.unit} `{left.text}` with {right.unit} `{right.text}`", expr.span,
                   help=self.unit_help(left, right))

    def unit_help(self, left: ir.Expr, right: ir.Expr) -> str:
        units = {ir.dimension(left.unit), ir.dimension(right.unit)}
        if units == {"money", "number"}:
            return f"write amounts with the currency, e.g. `1_000 {self.currency}`, or turn the amount into a ratio"
        return "both sides need the same kind of value"

    def arith_unit(self, op: str, left: ir.Expr, right: ir.Expr, expr: s.Binary) -> str:
        lu, ru = left.unit, right.unit
        ld, rd = ir.dimension(lu), ir.dimension(ru)
        if "error" in (ld, rd):
            return "error"
        if ld not in ("money", "number") or rd not in ("money", "number"):
            bad = left if ld not in ("money", "number") else right
            self.error("E200", f"cannot do arithmetic with the {bad.unit} value `{bad.text}`", bad.span)
            return "error"
        if op in ("+", "-"):
            if ld != rd and not (self.is_zero_literal(left) or self.is_zero_literal(right)):
                self.error(
                    "E200",
                    f"cannot {'add' if op == '+' else 'subtract'} {ru} `{right.text}` "
                    f"{'to' if op == '+' else 'from'} {lu} `{left.text}`",
                    expr.span,
                    help=self.unit_help(left, right),
                )
                return "error"
            if ld == "money" or rd == "money":
                return "money"
            if lu == ru:
                return lu
            return "percent" if "percent" in (lu, ru) else "number"
        if op == "*":
            if ld == "money" and rd == "money":
                self.error("E200", f"cannot multiply two amounts (`{left.text}` and `{right.text}`)", expr.span,
                           help="multiply an amount by a rate or a number instead")
                return "error"
            if "money" in (ld, rd):
                return "money"
            if "percent" in (lu, ru):
                return "percent"
            if lu == ru == "count":
                return "count"
            return "number"
        # division
        if ld == "money" and rd == "money":
            return "percent"
        if ld == "number" and rd == "money":
            self.error("E200", f"cannot divide the number `{left.text}` by the amount `{right.text}`", expr.span,
                       help="divide an amount by an amount (a ratio) or an amount by a number")
            return "error"
        if ld == "money":
            return "money"
        if lu == ru == "count":
            return "percent"
        return "percent" if lu == "percent" and ru != "percent" else "number"

    def common_unit(self, a: ir.Expr, b: ir.Expr, span: Span, what: str) -> str:
        return self.common_unit_of(a.unit, a, b, span, what)

    def common_unit_of(self, unit: str, a: ir.Expr, b: ir.Expr, span: Span, what: str) -> str:
        if "error" in (unit, b.unit):
            return "error"
        if self.is_zero_literal(a):
            return b.unit
        if self.is_zero_literal(b):
            return unit
        if ir.dimension(unit) != ir.dimension(b.unit):
            self.error("E200", f"{what} differ: {unit} `{a.text}` and {b.unit} `{b.text}`", span,
                       help=self.unit_help(a, b))
            return "error"
        if unit == b.unit:
            return unit
        return "percent" if "percent" in (unit, b.unit) else ir.dimension(unit)
