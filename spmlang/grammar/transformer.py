"""Turn Lark's parse tree into the syntax tree of ``syntax.py``, keeping spans."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from lark import Token, Transformer, v_args

from spmlang.diagnostics import Diagnostic, Span
from spmlang.grammar import syntax as s


class TransformError(Exception):
    """A literal that parsed but has no meaning, such as the date 2027-02-30."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def _number(text: str) -> Decimal:
    return Decimal(text.replace("_", ""))


def _unquote(token: Token) -> str:
    return str(token)[1:-1]


@v_args(meta=True)
class PlanTransformer(Transformer):
    """Build syntax nodes; methods are named after the grammar's rules and aliases."""

    def __init__(self, file: str, text: str):
        super().__init__()
        self.file = file
        self.lines = text.splitlines()
        self.diagnostics: list[Diagnostic] = []

    # ---- spans ----------------------------------------------------------

    def _span(self, meta) -> Span:
        if getattr(meta, "empty", False):
            return Span(self.file, 1, 1, 1, 1)
        return Span(self.file, meta.line, meta.column, meta.end_line, meta.end_column)

    def _tspan(self, token: Token) -> Span:
        return Span(self.file, token.line, token.column, token.end_line, token.end_column)

    def _line_span(self, meta) -> Span:
        # Statement rules end with a newline token; trim the span to the first line.
        span = self._span(meta)
        if span.end_line > span.line:
            line_text = self.lines[span.line - 1].rstrip() if span.line <= len(self.lines) else ""
            line_text = line_text.split("#", 1)[0].rstrip() if '"' not in line_text else line_text
            return Span(span.file, span.line, span.column, span.line, max(len(line_text) + 1, span.column + 1))
        return span

    def _header_span(self, meta, *tokens: Token) -> Span:
        """Span of a block's header line: from its keyword to its last header token."""
        last = [t for t in tokens if isinstance(t, Token)]
        if not last:
            return self._line_span(meta)
        end = max(last, key=lambda t: (t.end_line, t.end_column))
        return Span(self.file, meta.line, meta.column, end.end_line, end.end_column)

    # ---- top level ------------------------------------------------------

    def start(self, meta, children):
        return [c for c in children if c is not None]

    def plan_header(self, meta, children):
        name, version = children
        return s.PlanHeader(_unquote(name), _unquote(version) if version else "", self._header_span(meta, name, version))

    def effective(self, meta, children):
        start, end = children
        return s.Effective(self._date(start), self._date(end), self._header_span(meta, start, end))

    def period_setting(self, meta, children):
        (value,) = children
        return s.Setting("period", str(value), self._header_span(meta, value), self._tspan(value))

    def currency_setting(self, meta, children):
        (value,) = children
        return s.Setting("currency", str(value), self._header_span(meta, value), self._tspan(value))

    def rounding_setting(self, meta, children):
        mode, step, level = children
        return s.Rounding(
            mode=str(mode),
            step=_number(step),
            level=str(level) if level is not None else "component",
            span=self._header_span(meta, mode, step, level),
            mode_span=self._tspan(mode),
            level_span=self._tspan(level) if level is not None else self._tspan(step),
        )

    # ---- inputs ---------------------------------------------------------

    def ledger(self, meta, children):
        name, *lines = children
        fields = tuple(x for x in lines if isinstance(x, s.Field))
        excludes = tuple(x for x in lines if isinstance(x, s.Exclude))
        return s.Ledger(str(name), fields, excludes, self._header_span(meta, name))

    def roster(self, meta, children):
        return s.Roster(tuple(children), Span(self.file, meta.line, meta.column, meta.line, meta.column + 6))

    def column(self, meta, children):
        (token,) = children
        return _unquote(token) if token.type == "STRING" else str(token)

    def field_type(self, meta, children):
        name, arg = children
        return (str(name), _unquote(arg) if arg is not None else None, self._tspan(name))

    def field(self, meta, children):
        name, column, field_type, optional = children
        type_name, type_arg, type_span = field_type if field_type else (None, None, None)
        return s.Field(
            name=str(name),
            column=column if column is not None else str(name),
            type_name=type_name,
            type_arg=type_arg,
            optional=optional is not None,
            span=self._tspan(name),
            type_span=type_span,
        )

    def exclude(self, meta, children):
        label, condition = children
        return s.Exclude(_unquote(label), condition, self._line_span(meta))

    def param(self, meta, children):
        name, value = children
        return s.Param(str(name), value, self._tspan(name))

    def rubric(self, meta, children):
        name, *rows = children
        return s.Rubric(str(name), tuple(rows), self._header_span(meta, name))

    def rubric_row(self, meta, children):
        key, label, value = children
        key_text = _unquote(key) if key.type == "STRING" else str(key).replace("_", "")
        return s.RubricRow(key_text, _unquote(label) if label is not None else "", value, self._line_span(meta))

    def table(self, meta, children):
        name, *rows = children
        return s.Table(str(name), tuple(rows), self._header_span(meta, name))

    def table_row(self, meta, children):
        key, value = children
        key_text = _unquote(key) if key.type == "STRING" else str(key).replace("_", "")
        return s.TableRow(key_text, value, self._line_span(meta))

    def table_default(self, meta, children):
        _, value = children
        return s.TableRow(None, value, self._line_span(meta))

    # ---- definitions ----------------------------------------------------

    def measure(self, meta, children):
        name, aggregate, expr, where = children
        return s.Measure(
            name=str(name),
            aggregate=str(aggregate),
            aggregate_span=self._tspan(aggregate),
            expr=expr,
            where=where,
            window="period",
            span=self._tspan(name),
        )

    def let(self, meta, children):
        name, value = children
        return s.Let(str(name), value, self._tspan(name))

    def tiers(self, meta, children):
        name, key, mode, *bands = children
        return s.Tiers(str(name), key, str(mode), self._tspan(mode), tuple(bands), self._header_span(meta, name, mode))

    def band(self, meta, children):
        lower, upper, value = children
        span = self._line_span(meta)
        return s.Band(lower, upper, value, span, self._band_text(span))

    def _band_text(self, span: Span) -> str:
        """Return a band as written in the plan, e.g. "100% to 150%"."""
        written = self.lines[span.line - 1][span.column - 1:] if span.line <= len(self.lines) else ""
        return written.split("=>", 1)[0].strip()

    def from_bound(self, meta, children):
        return s.Bound(children[0], True)

    def above_bound(self, meta, children):
        return s.Bound(children[0], False)

    def below_band(self, meta, children):
        upper, value = children
        span = self._line_span(meta)
        return s.Band(s.Bound(None, False), s.Bound(upper, False), value, span, self._band_text(span))

    def to_bound(self, meta, children):
        return s.Bound(children[0], False)

    def through_bound(self, meta, children):
        return s.Bound(children[0], True)

    def unbounded_above(self, meta, children):
        return s.Bound(None, False)

    def no_upper(self, meta, children):
        # ``above 500_000 => 0.2%``: a band written with only a lower bound is open above.
        return s.Bound(None, False)

    # ---- payout ---------------------------------------------------------

    def component(self, meta, children):
        name, label, *lines = children
        pays = tuple(x for x in lines if isinstance(x, s.Pay))
        clauses = tuple(x for x in lines if isinstance(x, s.Clause))
        return s.Component(
            str(name), _unquote(label) if label is not None else "", pays, clauses, self._header_span(meta, name, label)
        )

    def pay(self, meta, children):
        value, base, itemized, _, fallback = children
        return s.Pay(value, base, itemized is not None, self._line_span(meta), fallback)

    def _clause(self, kind, meta, children):
        return s.Clause(kind, children[0], self._line_span(meta))

    def gate(self, meta, children):
        return self._clause("gate", meta, children)

    def cap(self, meta, children):
        return self._clause("cap", meta, children)

    def floor(self, meta, children):
        return self._clause("floor", meta, children)

    def weight(self, meta, children):
        return self._clause("weight", meta, children)

    def total(self, meta, children):
        return s.Total(tuple(children), Span(self.file, meta.line, meta.column, meta.line, meta.column + 5))

    # ---- plan tests -----------------------------------------------------

    def test(self, meta, children):
        name, *lines = children
        period = None
        payee: list[s.Assignment] = []
        deals: list[tuple[s.Assignment, ...]] = []
        deal_spans: list[Span] = []
        params: list[s.Assignment] = []
        expects: list[s.Assignment] = []
        for kind, value, span in lines:
            if kind == "period":
                period = value
            elif kind == "payee":
                payee.extend(value)
            elif kind == "deal":
                deals.append(tuple(value))
                deal_spans.append(span)
            elif kind == "param":
                params.append(value)
            else:
                expects.append(value)
        return s.PlanTest(
            _unquote(name), period, tuple(payee), tuple(deals), tuple(deal_spans), tuple(params), tuple(expects),
            self._header_span(meta, name),
        )

    def test_period(self, meta, children):
        (token,) = children
        if not re.fullmatch(r"\d{4}(-([Qq][1-4]|[Hh][12]|0[1-9]|1[0-2]))?", str(token)):
            raise TransformError(Diagnostic(
                "E002", f"`{token}` is not a period", self._tspan(token),
                help="write a period such as 2027-Q1, 2027-H1, 2027-03 or 2027",
            ))
        return ("period", str(token), self._line_span(meta))

    def test_payee(self, meta, children):
        return ("payee", children[0], self._line_span(meta))

    def test_deal(self, meta, children):
        return ("deal", children[0] or [], self._line_span(meta))

    def test_param(self, meta, children):
        name, value = children
        return ("param", s.Assignment(str(name), value, self._tspan(name)), self._line_span(meta))

    def test_expect(self, meta, children):
        name, value = children
        return ("expect", s.Assignment(str(name), value, self._tspan(name)), self._line_span(meta))

    def assignments(self, meta, children):
        return list(children)

    def assignment(self, meta, children):
        name, value = children
        return s.Assignment(str(name), value, self._tspan(name))

    # ---- expressions ----------------------------------------------------

    def if_expr(self, meta, children):
        condition, then, otherwise = children
        return s.IfElse(condition, then, otherwise, self._span(meta))

    def otherwise(self, meta, children):
        value, _, fallback = children
        return s.Otherwise(value, fallback, self._span(meta))

    def or_op(self, meta, children):
        return s.Binary("or", children[0], children[1], self._span(meta))

    def and_op(self, meta, children):
        return s.Binary("and", children[0], children[1], self._span(meta))

    def not_op(self, meta, children):
        return s.Unary("not", children[0], self._span(meta))

    def compare(self, meta, children):
        left, op, right = children
        return s.Binary(str(op), left, right, self._span(meta))

    def definedness(self, meta, children):
        operand, word = children
        return s.Definedness(operand, str(word) == "defined", self._span(meta))

    def binary(self, meta, children):
        left, op, right = children
        return s.Binary(str(op), left, right, self._span(meta))

    def of_op(self, meta, children):
        left, right = children
        return s.Binary("of", left, right, self._span(meta))

    def negate(self, meta, children):
        return s.Unary("-", children[0], self._span(meta))

    def call(self, meta, children):
        name, *args = children
        args = [a for a in args if a is not None]
        return s.Call(str(name), tuple(args), self._span(meta), self._tspan(name))

    def field_ref(self, meta, children):
        ledger, field = children
        return s.FieldRef(str(ledger), str(field), self._span(meta))

    def name_ref(self, meta, children):
        (token,) = children
        return s.Name(str(token), self._tspan(token))

    # ---- literals -------------------------------------------------------

    def number(self, meta, children):
        (token,) = children
        return s.Literal(_number(token), "number", str(token), self._tspan(token))

    def percent(self, meta, children):
        (token,) = children
        digits = str(token).rstrip("%").strip()
        # Shift the exponent by hand: division or scaleb would round to the context's precision.
        sign, digits_tuple, exponent = _number(digits).as_tuple()
        value = Decimal((sign, digits_tuple, exponent - 2))
        return s.Literal(value, "percent", str(token), self._tspan(token))

    def money(self, meta, children):
        (token,) = children
        match = re.fullmatch(r"([\d_]+(?:\.\d+)?)[ \t]*([A-Z]{3})", str(token))
        assert match is not None  # the MONEY terminal has this exact shape
        return s.Literal(_number(match.group(1)), "money", str(token), self._tspan(token), currency=match.group(2))

    def string(self, meta, children):
        (token,) = children
        return s.Literal(_unquote(token), "text", str(token), self._tspan(token))

    def date(self, meta, children):
        (token,) = children
        return s.Literal(self._date(token), "date", str(token), self._tspan(token))

    def true_literal(self, meta, children):
        return s.Literal(True, "bool", "true", self._span(meta))

    def false_literal(self, meta, children):
        return s.Literal(False, "bool", "false", self._span(meta))

    def _date(self, token: Token) -> datetime.date:
        try:
            return datetime.date.fromisoformat(str(token))
        except ValueError:
            raise TransformError(
                Diagnostic(
                    "E002",
                    f"`{token}` is not a valid date",
                    self._tspan(token),
                    help="write dates as YYYY-MM-DD with a real day of the month, e.g. 2027-02-28",
                )
            ) from None


__all__ = ["PlanTransformer", "TransformError", "InvalidOperation"]
