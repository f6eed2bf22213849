"""Check a parsed plan: settings, declarations, names, units and plan rules.

``check_plan`` collects every problem it finds instead of stopping at the
first, and returns the typed declarations that ``spmlang.lowering`` turns into
the IR. Definitions are typed on demand in dependency order, which is also
where a cycle between definitions is found.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from decimal import Decimal

from spmlang import ir
from spmlang.checking.expressions import BUILTINS, ExpressionChecker, Scope
from spmlang.checking.tiers import check_bands
from spmlang.diagnostics import Diagnostic, Span
from spmlang.grammar import syntax as s
from spmlang.money import ROUNDING_MODES

PERIOD_KINDS = ("month", "quarter", "half", "year")
ROUNDING_LEVELS = ("transaction", "component", "statement")
TIER_MODES = ("marginal", "retroactive", "lookup")
AGGREGATES = ("sum", "count", "average", "min", "max")
FIELD_TYPES = ("money", "number", "percent", "date", "text", "bool")
DATE_FORMATS = {
    "YYYY-MM-DD": "iso",
    "MM/DD/YYYY": "us",
    "M/D/YYYY": "us",
    "DD/MM/YYYY": "%d/%m/%Y",
    "DD.MM.YYYY": "%d.%m.%Y",
    "YYYY/MM/DD": "%Y/%m/%d",
}
# Names of the lines and values a statement adds itself.
RESERVED_NAMES = ("total", "total_cap", "total_floor", "rounding")
# Declared forms of a percent column without % signs: `: percent "12.5"` or `: percent "0.125"`.
PERCENT_FORMS = {"12.5": "points", "0.125": "fraction"}
# Ledger fields the runtime itself reads, with the unit each must have.
LEDGER_ROLES = {"id": "text", "payee": "text", "date": "date"}


@dataclass
class CheckedPlan:
    """Everything checking produced; ``lowering.lower`` assembles the IR from it."""

    source: s.PlanSource
    header: s.PlanHeader | None = None
    effective: s.Effective | None = None
    period: str = "quarter"
    currency: str = "USD"
    rounding: ir.Rounding = field(default_factory=lambda: ir.Rounding("half_up", Decimal("0.01"), "component"))
    ledger: ir.LedgerDecl | None = None
    roster: ir.RosterDecl | None = None
    params: dict[str, ir.ParamDecl] = field(default_factory=dict)
    rubrics: dict[str, ir.RubricDecl] = field(default_factory=dict)
    tables: dict[str, ir.TableDecl] = field(default_factory=dict)
    measures: dict[str, ir.MeasureDecl] = field(default_factory=dict)
    lets: dict[str, ir.LetDecl] = field(default_factory=dict)
    tiers: dict[str, ir.TiersDecl] = field(default_factory=dict)
    components: dict[str, ir.ComponentDecl] = field(default_factory=dict)
    total: ir.TotalDecl = field(default_factory=lambda: ir.TotalDecl((), (), None))
    tests: list[s.PlanTest] = field(default_factory=list)
    order: list[str] = field(default_factory=list)


class Checker:
    def __init__(self, source: s.PlanSource):
        self.source = source
        self.lines = source.text.splitlines()
        self.diagnostics: list[Diagnostic] = []
        self.out = CheckedPlan(source)
        # Every plan-level name with its declaration, in source order.
        self.decls: dict[str, object] = {}
        self.units: dict[str, tuple[str, str]] = {}  # name -> (kind, unit), once typed
        self.visiting: list[str] = []
        self.reported_cycles: set[frozenset[str]] = set()
        self.exprs: ExpressionChecker | None = None

    def error(self, code: str, message: str, span: Span | None, help: str = "", level: str = "error") -> None:
        self.diagnostics.append(Diagnostic(code, message, span, help=help, level=level))  # type: ignore[arg-type]

    @staticmethod
    def suggest(name: str, candidates) -> str:
        close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
        return f"did you mean `{close[0]}`?" if close else ""

    # ---- driver ---------------------------------------------------------

    def run(self) -> CheckedPlan:
        statements = self.source.statements
        self.check_settings(statements)
        self.exprs = ExpressionChecker(
            self.lines, self.out.currency, self.resolve, lambda: list(self.decls),
            {}, self.diagnostics,
        )
        self.collect_names(statements)
        self.exprs.callables = {
            name: (("rubric" if isinstance(d, s.Rubric) else "table"), "")
            for name, d in self.decls.items() if isinstance(d, (s.Rubric, s.Table))
        }
        for statement in statements:
            if isinstance(statement, s.Ledger):
                self.check_ledger(statement)
            elif isinstance(statement, s.Roster):
                self.check_roster(statement)
        if self.out.roster is None:
            self.out.roster = ir.RosterDecl((), Span(self.source.file, 1, 1, 1, 1))
            self.error("E117", "the plan has no roster", Span(self.source.file, 1, 1, 1, 2),
                       help="declare the payee attributes, e.g. `roster` then `id from rep` and `quota : money`")
        for name in list(self.decls):
            self.type_name(name)
        self.exprs.callables = {
            name: (("rubric" if name in self.out.rubrics else "table"),
                   (self.out.rubrics.get(name) or self.out.tables[name]).unit)
            for name in list(self.out.rubrics) + list(self.out.tables)
        }
        for statement in statements:
            if isinstance(statement, s.Total):
                self.check_total(statement)
            elif isinstance(statement, s.PlanTest):
                self.check_test_names(statement)
                self.out.tests.append(statement)
        self.check_weights()
        if not self.out.components:
            self.error("E340", "the plan has no component, so it pays nothing", Span(self.source.file, 1, 1, 1, 2),
                       help="add a `component` with a `pay` line")
        return self.out

    # ---- settings -------------------------------------------------------

    def check_settings(self, statements) -> None:
        seen: dict[str, Span] = {}
        for st in statements:
            key = None
            if isinstance(st, s.PlanHeader):
                key = "plan"
                self.out.header = st
            elif isinstance(st, s.Effective):
                key = "effective"
                self.out.effective = st
                if st.end < st.start:
                    self.error("E114", f"the plan ends ({st.end}) before it starts ({st.start})", st.span,
                               help="swap the two dates")
            elif isinstance(st, s.Setting):
                key = st.key
                if st.key == "period":
                    if st.value not in PERIOD_KINDS:
                        self.error("E111", f"`{st.value}` is not a period", st.value_span,
                                   help=self.suggest(st.value, PERIOD_KINDS) or f"use one of {', '.join(PERIOD_KINDS)}")
                    else:
                        self.out.period = st.value
                else:
                    if len(st.value) != 3 or not st.value.isupper():
                        self.error("E111", f"`{st.value}` is not a currency code", st.value_span,
                                   help="use a three-letter ISO 4217 code such as USD or EUR")
                    else:
                        self.out.currency = st.value
            elif isinstance(st, s.Rounding):
                key = "rounding"
                self.check_rounding(st)
            if key is not None:
                if key in seen:
                    self.error("E100", f"`{key}` is set twice", st.span, help=f"the first is at {seen[key]}; keep one")
                seen[key] = st.span
        if self.out.header is None:
            self.error("E110", "the plan has no `plan` line", Span(self.source.file, 1, 1, 1, 2),
                       help='start the file with e.g. `plan "Enterprise AE" version "2027.1"`')
        if "period" not in seen:
            self.error("E110", "the plan does not say its period", Span(self.source.file, 1, 1, 1, 2),
                       help="add e.g. `period quarter` (month, quarter, half or year)")

    def check_rounding(self, st: s.Rounding) -> None:
        ok = True
        if st.mode not in ("half_up", "half_even"):
            ok = False
            self.error("E112", f"`{st.mode}` is not a rounding mode", st.mode_span,
                       help=self.suggest(st.mode, ("half_up", "half_even")) or "use half_up or half_even")
        if st.level not in ROUNDING_LEVELS:
            ok = False
            self.error("E112", f"`{st.level}` is not a place to round", st.level_span,
                       help=self.suggest(st.level, ROUNDING_LEVELS) or f"use one of {', '.join(ROUNDING_LEVELS)}")
        if st.step <= 0:
            ok = False
            self.error("E112", "the rounding step must be greater than zero", st.span, help="e.g. `to 0.01` for cents")
        if ok:
            assert st.mode in ROUNDING_MODES
            self.out.rounding = ir.Rounding(st.mode, st.step, st.level)

    # ---- names ----------------------------------------------------------

    def collect_names(self, statements) -> None:
        for st in statements:
            names: list[tuple[str, Span, object]] = []
            if isinstance(st, (s.Param, s.Rubric, s.Table, s.Measure, s.Let, s.Tiers, s.Component)):
                names.append((st.name, st.span, st))
            elif isinstance(st, s.Roster):
                names.extend((f.name, f.span, f) for f in st.fields if f.name != "id")
            for name, span, decl in names:
                if name in self.decls:
                    first = getattr(self.decls[name], "span", None)
                    self.error("E100", f"`{name}` is defined twice", span,
                               help=f"the first definition is at {first}; rename one of them")
                    continue
                if name in BUILTINS or name in RESERVED_NAMES:
                    self.error("E100", f"`{name}` is a reserved name", span,
                               help="choose another name; statements use it for their own lines")
                    continue
                self.decls[name] = decl

    def resolve(self, name: str, span: Span) -> tuple[str, str] | None:
        if name not in self.decls:
            return None
        return self.type_name(name)

    def kind_of(self, decl) -> str:
        return {
            s.Param: "param", s.Field: "attribute", s.Measure: "measure", s.Let: "let",
            s.Tiers: "tiers", s.Rubric: "rubric", s.Table: "table", s.Component: "component",
        }[type(decl)]

    def type_name(self, name: str) -> tuple[str, str]:
        """Type a plan-level definition once, checking it on first use."""
        if name in self.units:
            return self.units[name]
        decl = self.decls[name]
        kind = self.kind_of(decl)
        if name in self.visiting:
            cycle = self.visiting[self.visiting.index(name):] + [name]
            key = frozenset(cycle)
            if key not in self.reported_cycles:
                self.reported_cycles.add(key)
                self.error("E320", f"definitions depend on each other in a cycle: {' -> '.join(cycle)}",
                           getattr(decl, "span", None),
                           help="break the cycle so each value is computed from values defined without it")
            return (kind, "error")
        self.visiting.append(name)
        try:
            unit = getattr(self, f"check_{kind}")(decl)
        finally:
            self.visiting.pop()
        self.units[name] = (kind, unit)
        if kind in ("measure", "let"):
            self.out.order.append(name)
        return self.units[name]

    # ---- inputs ---------------------------------------------------------

    def field_decl(self, f: s.Field, rubric_ok: bool) -> ir.FieldDecl:
        unit, rubric, date_format = "text", None, "iso"
        if f.type_name is not None:
            if f.type_name in FIELD_TYPES:
                unit = f.type_name
            elif rubric_ok and isinstance(self.decls.get(f.type_name), s.Rubric):
                unit, rubric = "rating", f.type_name
            elif isinstance(self.decls.get(f.type_name), s.Rubric):
                unit = "error"
                self.error("E115", f"`{f.name}` is typed with rubric `{f.type_name}`, but ratings are payee "
                           "attributes", f.type_span, help=f"declare `{f.name} : {f.type_name}` in the roster")
            else:
                unit = "error"  # keeps uses of the field from adding follow-on unit errors
                candidates = list(FIELD_TYPES) + [n for n, d in self.decls.items() if isinstance(d, s.Rubric)]
                self.error("E115", f"`{f.type_name}` is not a field type", f.type_span,
                           help=self.suggest(f.type_name, candidates) or f"use one of {', '.join(candidates)}")
        if f.type_arg is not None:
            if unit == "date":
                if f.type_arg in DATE_FORMATS:
                    date_format = DATE_FORMATS[f.type_arg]
                else:
                    self.error("E115", f'"{f.type_arg}" is not a date format', f.type_span,
                               help=f"use one of {', '.join(DATE_FORMATS)}")
            elif unit in ("money", "number", "percent") and f.type_arg in ("1.234,56", "decimal comma"):
                pass
            elif unit == "percent" and f.type_arg in PERCENT_FORMS:
                pass
            else:
                self.error("E115", f'a {unit} field takes no format "{f.type_arg}"', f.type_span,
                           help='dates take a format such as "MM/DD/YYYY", amounts "1.234,56", and '
                           'percentages "12.5" or "0.125"')
        decimal_comma = f.type_arg in ("1.234,56", "decimal comma")
        percent_form = PERCENT_FORMS.get(f.type_arg, "") if unit == "percent" else ""
        return ir.FieldDecl(f.name, f.column, unit, f.optional, date_format, decimal_comma, rubric, f.span,
                            percent_form)

    def check_fields(self, fields, rubric_ok: bool, what: str) -> list[ir.FieldDecl]:
        out: list[ir.FieldDecl] = []
        seen: set[str] = set()
        for f in fields:
            if f.name in seen:
                self.error("E100", f"{what} field `{f.name}` is declared twice", f.span)
                continue
            seen.add(f.name)
            out.append(self.field_decl(f, rubric_ok))
        return out

    def check_ledger(self, st: s.Ledger) -> None:
        if self.out.ledger is not None:
            self.error("E100", "the plan declares a second ledger", st.span, help="a plan reads one ledger")
            return
        fields = self.check_fields(st.fields, rubric_ok=False, what="ledger")
        for f in fields:
            role_unit = LEDGER_ROLES.get(f.name)
            if role_unit is not None and f.unit != role_unit and not (f.name == "id" and f.unit == "number"):
                self.error("E115", f"ledger field `{f.name}` must be a {role_unit} field, not {f.unit}", f.span)
        if not any(f.name == "payee" for f in fields):
            self.error("E116", f"ledger `{st.name}` does not say which column names the payee", st.span,
                       help="add a line such as `payee from sales_agent`")
        ledger = ir.LedgerDecl(st.name, tuple(fields), (), st.span)
        excludes = []
        for ex in st.excludes:
            condition = self.exprs.check(ex.condition, Scope(ledger=ledger, ledger_name=st.name))
            self.exprs.require_bool(condition, "`exclude ... when`")
            for ref in _payee_refs(condition):
                self.error("E334", f"`exclude` rules read one row, but `{ref.name}` is a payee-level {ref.kind}",
                           ref.span, help="use the ledger's fields, parameters and literals in an exclude rule")
            excludes.append(ir.ExcludeRule(ex.label, condition, ex.span))
        self.out.ledger = ir.LedgerDecl(st.name, tuple(fields), tuple(excludes), st.span)

    def check_roster(self, st: s.Roster) -> None:
        if self.out.roster is not None:
            self.error("E100", "the plan declares a second roster", st.span, help="list all attributes in one roster")
            return
        fields = self.check_fields(st.fields, rubric_ok=True, what="roster")
        if not any(f.name == "id" for f in fields):
            self.error("E117", "the roster does not say which column holds the payee id", st.span,
                       help="add a line such as `id from rep`")
        self.out.roster = ir.RosterDecl(tuple(fields), st.span)

    # ---- definitions ----------------------------------------------------

    def check_param(self, st: s.Param) -> str:
        value = self.exprs.check(st.value, Scope())
        if isinstance(value, ir.Negate) and isinstance(value.operand, ir.Const) and isinstance(value.operand.value, Decimal):
            value = ir.Const(-value.operand.value, value.unit, value.span, value.text)
        if not isinstance(value, ir.Const):
            self.error("E120", f"parameter `{st.name}` must be a single value", st.span,
                       help="write a literal such as 10%, 1_500 USD or 2; compute derived values with `let`")
            return "error"
        self.out.params[st.name] = ir.ParamDecl(st.name, value, st.span)
        return value.unit

    def check_attribute(self, f: s.Field) -> str:
        decl = self.out.roster.field(f.name) if self.out.roster else None
        return decl.unit if decl is not None else "error"

    def check_rubric(self, st: s.Rubric) -> str:
        if not st.rows:
            self.error("E311", f"rubric `{st.name}` has no ratings", st.span,
                       help='list each rating, e.g. `3 "Meets expectations" => 100%`')
        entries, seen, unit = [], {}, None
        for row in st.rows:
            value = self.exprs.check(row.value, Scope())
            if row.key in seen:
                self.error("E310", f"rating {row.key} appears twice in rubric `{st.name}`", row.span,
                           help=f"the first is at {seen[row.key]}; give each rating one value")
                continue
            seen[row.key] = row.span
            if unit is None or unit == "error":
                unit = value.unit
            elif ir.dimension(value.unit) != ir.dimension(unit) and value.unit != "error":
                self.error("E206", f"rubric `{st.name}` mixes {unit} and {value.unit} values", row.span)
            entries.append(ir.RubricEntry(row.key, row.label, value, row.span))
        unit = unit or "number"
        self.out.rubrics[st.name] = ir.RubricDecl(st.name, tuple(entries), unit, st.span)
        return unit

    def check_table(self, st: s.Table) -> str:
        entries, default, seen, unit = [], None, {}, None
        for row in st.rows:
            value = self.exprs.check(row.value, Scope())
            if row.key is None:
                if default is not None:
                    self.error("E312", f"table `{st.name}` has two `otherwise` rows", row.span)
                default = value
            elif row.key in seen:
                self.error("E312", f'key "{row.key}" appears twice in table `{st.name}`', row.span,
                           help=f"the first is at {seen[row.key]}")
                continue
            else:
                seen[row.key] = row.span
                entries.append((row.key, value))
            if unit is None or unit == "error":
                unit = value.unit
            elif ir.dimension(value.unit) != ir.dimension(unit) and value.unit != "error":
                self.error("E206", f"table `{st.name}` mixes {unit} and {value.unit} values", row.span)
        if not st.rows:
            self.error("E311", f"table `{st.name}` has no rows", st.span)
        unit = unit or "number"
        self.out.tables[st.name] = ir.TableDecl(st.name, tuple(entries), default, unit, st.span)
        return unit

    def check_measure(self, st: s.Measure) -> str:
        ledger = self.out.ledger
        line = self.lines[st.span.line - 1] if st.span.line <= len(self.lines) else ""
        text = line.split("=", 1)[1].split("#", 1)[0].strip() if "=" in line else st.name
        if st.aggregate not in AGGREGATES:
            self.error("E330", f"`{st.aggregate}` is not an aggregate", st.aggregate_span,
                       help=self.suggest(st.aggregate, AGGREGATES) or f"use one of {', '.join(AGGREGATES)}")
            return "error"
        if ledger is None:
            self.error("E103", f"measure `{st.name}` needs a ledger, but the plan declares none", st.span,
                       help="declare the transactions with `ledger deals` and its fields")
            return "error"
        scope = Scope(ledger=ledger, ledger_name=ledger.name)
        value = None
        if st.aggregate == "count":
            if st.expr is not None and not (isinstance(st.expr, s.Name) and st.expr.name == ledger.name):
                self.error("E331", "`count` counts transactions and takes no value", st.aggregate_span,
                           help=f"write `count {ledger.name} where ...`")
            unit = "count"
        else:
            if st.expr is None or (isinstance(st.expr, s.Name) and st.expr.name == ledger.name):
                self.error("E331", f"`{st.aggregate}` needs a value to aggregate", st.aggregate_span,
                           help=f"e.g. `{st.aggregate} {ledger.name}.amount`")
                return "error"
            value = self.exprs.check(st.expr, scope)
            if ir.dimension(value.unit) not in ("money", "number", "error"):
                self.error("E200", f"cannot {st.aggregate} {value.unit} values", value.span)
            unit = value.unit
        where = None
        if st.where is not None:
            where = self.exprs.check(st.where, scope)
            self.exprs.require_bool(where, "`where`")
        self.out.measures[st.name] = ir.MeasureDecl(
            st.name, st.aggregate, value, where, st.window, unit, st.span, text
        )
        return unit

    def check_let(self, st: s.Let) -> str:
        value = self.exprs.check(st.value, Scope())
        self.out.lets[st.name] = ir.LetDecl(st.name, value, value.unit, st.span)
        return value.unit

    def check_tiers(self, st: s.Tiers) -> str:
        key = self.exprs.check(st.key, Scope())
        if st.mode not in TIER_MODES:
            self.error("E306", f"`{st.mode}` is not a tier mode", st.mode_span,
                       help=self.suggest(st.mode, TIER_MODES) or f"use one of {', '.join(TIER_MODES)}")
        if ir.dimension(key.unit) not in ("money", "number", "error"):
            self.error("E205", f"tiers `{st.name}` are keyed on a {key.unit} value", key.span,
                       help="key tiers on attainment, an amount or a count")
        bands, value_unit = check_bands(st, key, self.exprs, self.diagnostics)
        if st.mode in ("marginal", "retroactive") and ir.dimension(value_unit) not in ("number", "error"):
            self.error("E206", f"{st.mode} tiers pay a rate on a base, but `{st.name}` lists {value_unit} values",
                       st.span, help="write rates such as 5%, or use `lookup` mode for amounts")
        self.out.tiers[st.name] = ir.TiersDecl(
            st.name, key, st.mode, tuple(bands), key.unit, value_unit, st.span
        )
        return value_unit

    def check_component(self, st: s.Component) -> str:
        text = self.exprs.text
        if not st.pays:
            self.error("E340", f"component `{st.name}` has no `pay` line", st.span,
                       help="say what it pays, e.g. `pay 5% of bookings`")
            return "error"
        if len(st.pays) > 1:
            self.error("E340", f"component `{st.name}` has {len(st.pays)} `pay` lines", st.pays[1].span,
                       help="combine them into one expression, or split the component in two")
        pay = self.check_pay(st.name, st.pays[0])
        gates, caps, floors, weight = [], [], [], None
        for clause in st.clauses:
            value = self.exprs.check(clause.value, Scope())
            bound = ir.Bound(clause.kind, value, clause.span, text(clause.span))
            if clause.kind == "gate":
                self.exprs.require_bool(value, "a gate")
                gates.append(bound)
            elif clause.kind in ("cap", "floor"):
                self.require_money(value, f"the {clause.kind} of `{st.name}`", "E203")
                (caps if clause.kind == "cap" else floors).append(bound)
            else:
                if weight is not None:
                    self.error("E100", f"component `{st.name}` has two weights", clause.span)
                if ir.dimension(value.unit) not in ("number", "error"):
                    self.error("E204", f"the weight of `{st.name}` must be a percentage, not {value.unit}",
                               clause.span, help="e.g. `weight 60%`")
                weight = bound
        self.out.components[st.name] = ir.ComponentDecl(
            st.name, st.label or st.name, pay, tuple(gates), tuple(caps), tuple(floors), weight, st.span
        )
        return "money"

    def check_pay(self, component: str, pay: s.Pay) -> ir.PayDecl:
        text = self.exprs.text(pay.span)
        tiers_name = None
        if pay.base is None:
            value = self.exprs.check(pay.value, Scope())
            self.require_money(value, f"component `{component}`", "E202")
            if pay.itemized:
                self.error("E333", "`itemized` needs a base: `pay RATE applied to MEASURE itemized`", pay.span)
            return ir.PayDecl(value, None, None, False, pay.span, text)
        value = self.exprs.check(pay.value, Scope())
        if isinstance(value, ir.TierValue):
            tiers_name = value.tiers
        elif ir.dimension(value.unit) not in ("number", "error"):
            self.error("E202", f"`applied to` needs a rate, but `{value.text}` is a {value.unit} value", value.span,
                       help="write a rate (5%) or a tier table's name before `applied to`")
        base = self.exprs.check(pay.base, Scope())
        self.require_money(base, f"the base of component `{component}`", "E202")
        if pay.itemized and not (isinstance(base, ir.Ref) and base.kind == "measure"
                                 and self.out.measures.get(base.name) is not None
                                 and self.out.measures[base.name].aggregate == "sum"):
            self.error("E333", "`itemized` splits a payout across the deals of a `sum` measure, "
                       f"but `{base.text}` is not one", base.span,
                       help="apply the rate to a measure such as `measure bookings = sum deals.amount`")
        fallback = None
        if pay.fallback is not None:
            fallback = self.exprs.check(pay.fallback, Scope())
            self.require_money(fallback, f"the `otherwise` amount of component `{component}`", "E202")
        return ir.PayDecl(value, base, tiers_name, pay.itemized, pay.span, text, fallback)

    def require_money(self, value: ir.Expr, what: str, code: str) -> None:
        if value.unit not in ("money", "error") and not self.exprs.is_zero_literal(value):
            help = "multiply by an amount, e.g. `target_incentive * factor`"
            if code == "E202":
                help = f"a component pays money; {help}"
            self.error(code, f"{what} must be an amount of money, but `{value.text}` is a {value.unit} value",
                       value.span, help=help)

    def check_total(self, st: s.Total) -> None:
        caps, floors = [], []
        for clause in st.clauses:
            value = self.exprs.check(clause.value, Scope())
            self.require_money(value, f"the total {clause.kind}", "E203")
            bound = ir.Bound(clause.kind, value, clause.span, self.exprs.text(clause.span))
            (caps if clause.kind == "cap" else floors).append(bound)
        self.out.total = ir.TotalDecl(tuple(caps), tuple(floors), st.span)

    def check_test_names(self, test: s.PlanTest) -> None:
        """Check that a plan test names attributes, fields, parameters and values that exist."""
        roster = [f.name for f in self.out.roster.fields if f.name != "id"] if self.out.roster else []
        ledger = [f.name for f in self.out.ledger.fields] if self.out.ledger else []
        values = ["total", *self.out.components, *self.out.measures, *self.out.lets, *self.out.params, *roster]
        groups = [
            (test.payee, roster, "the roster has no attribute"),
            (tuple(item for deal in test.deals for item in deal), ledger, "the ledger has no field"),
            (test.params, list(self.out.params), "the plan has no parameter"),
            (test.expects, values, "the plan has no line or value"),
        ]
        for items, known, problem in groups:
            for item in items:
                if item.name not in known:
                    self.error("E351", f"{problem} `{item.name}`", item.span,
                               help=self.suggest(item.name, known) or f"known names: {', '.join(known) or 'none'}")
                else:
                    is_field = problem.startswith("the ledger")
                    is_input = items is not test.expects
                    self.check_test_value(item, self.test_unit(item.name, is_field), is_input)

    def test_unit(self, name: str, is_field: bool) -> str:
        """Return the unit a plan test's value for ``name`` must have."""
        if is_field:
            decl = self.out.ledger.field(name) if self.out.ledger else None
            return decl.unit if decl else "error"
        if name == "total" or name in self.out.components:
            return "money"
        if self.out.roster and self.out.roster.field(name) is not None:
            return self.out.roster.field(name).unit
        return self.units.get(name, ("", "error"))[1]

    def check_test_value(self, item: s.Assignment, unit: str, is_input: bool) -> None:
        """Check that a literal in a plan test has the unit of what it sets or expects.

        A bare number above 1 for a percentage input is rejected, as in a roster
        column. An expected ratio such as 1.45 is a fraction, because the plan computes it so.
        """
        literal = item.value.operand if isinstance(item.value, s.Unary) else item.value
        if not isinstance(literal, s.Literal) or unit in ("error", "rating", "date", "bool", "text"):
            return
        want, got = ir.dimension(unit), ir.dimension(literal.unit)
        if literal.unit == "money" and literal.currency != self.out.currency:
            self.error("E352", f"`{literal.text}` is in {literal.currency}, but the plan pays in {self.out.currency}",
                       literal.span, help=f"write the amount in {self.out.currency}")
        elif want == "money" and got not in ("money", "number"):
            self.error("E352", f"`{item.name}` needs an amount such as 1_000 {self.out.currency}, "
                       f"not `{literal.text}`", literal.span)
        elif want == "number" and got not in ("money", "number"):
            self.error("E352", f"`{item.name}` needs a number, not `{literal.text}`", literal.span)
        elif want == "money" and got != "money" and literal.value != 0:
            self.error("E352", f"`{item.name}` is an amount, so write `{literal.text} {self.out.currency}`",
                       literal.span, help="amounts in plan tests carry the plan's currency")
        elif want == "number" and got == "money":
            self.error("E352", f"`{item.name}` is a {unit} value, not an amount", literal.span,
                       help="drop the currency")
        elif is_input and unit == "percent" and literal.unit == "number" and abs(literal.value) > 1:
            self.error("E352", f"`{item.name}` is a percentage, and {literal.text} would mean "
                       f"{literal.value * 100:f}%", literal.span, help=f"write {literal.text}% if that is meant")

    def check_weights(self) -> None:
        weights = [c.weight for c in self.out.components.values() if c.weight is not None]
        if not weights:
            return
        values = [w.value.value for w in weights if isinstance(w.value, ir.Const)]
        if len(values) == len(self.out.components) and sum(values) != 1:
            total = sum(values) * 100
            self.error("W400", f"component weights add up to {total.normalize():f}%, not 100%", weights[-1].span,
                       help="check the weights; this is allowed, but usually a mistake", level="warning")


def _payee_refs(expr: ir.Expr) -> list[ir.Ref]:
    """References to payee-level values (other than parameters) inside an expression."""
    found: list[ir.Ref] = []
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ir.Ref):
            if node.kind != "param":
                found.append(node)
            continue
        if isinstance(node, ir.TierValue):
            continue
        for name in ("left", "right", "operand", "condition", "then", "otherwise", "value", "fallback", "rating",
                     "key"):
            child = getattr(node, name, None)
            if child is not None and not isinstance(child, (str, bool)) and hasattr(child, "span"):
                stack.append(child)
        for child in getattr(node, "operands", ()) + getattr(node, "args", ()):
            stack.append(child)
    return found


def check_plan(source: s.PlanSource) -> tuple[CheckedPlan, list[Diagnostic]]:
    """Check a parsed plan; return the typed declarations and every diagnostic found."""
    checker = Checker(source)
    checked = checker.run()
    return checked, checker.diagnostics
