"""Acceptance cases: hand-checked payouts, each computed by plans written in spmlang.

Each folder under ``tests/acceptance`` contains one case: its plan files, its
input CSV files and ``expected.yaml``. That file gives the plan rules in
English, the hand-worked values with the arithmetic behind them, and the
payouts that known wrong implementations produce. The tests run the real
pipeline (``spmlang.runner.run``) into a temporary folder, read the JSON
statements back, and check every expected value as its own test, so a
failure names the case, the rep and the value. Each result is also checked
against every listed wrong payout, and the ``test`` blocks inside every
acceptance plan must pass under ``spm test``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Callable

import pytest
import yaml
from click.testing import CliRunner

from spmlang.cli import main
from spmlang.runner import RunOptions, run
from spmlang.statements.models import Statement, TraceNode
from spmlang.statements.render_json import statement_from_json

ACCEPTANCE = Path(__file__).parent / "acceptance"


@dataclass(frozen=True)
class Run:
    """One ``spm run`` of a case. File names are relative to the case folder."""

    plan: str
    roster: str
    period: str
    ledger: str | None = None


def _same_run(case_run: Run, *reps: str) -> dict[str, Run]:
    return {rep: case_run for rep in reps}


# The run whose statement contains each rep's expected values.
RUNS: dict[str, dict[str, Run]] = {
    "a01": _same_run(Run("plan.spm", "roster.csv", "2024-Q1", "deals.csv"), "R1", "R2", "R3"),
    "a02": _same_run(Run("plan.spm", "roster.csv", "2024-Q1", "deals.csv"),
                     "R1", "R2", "R3", "R4", "R5", "R6", "R7"),
    "a03": {
        "R1": Run("retro.spm", "roster.csv", "2024-Q2", "deals.csv"),
        "R2": Run("marginal.spm", "roster.csv", "2024-Q2", "deals.csv"),
        "R3": Run("sections.spm", "roster.csv", "2024-Q2", "deals.csv"),
    },
    "a04": {
        "R1": Run("accelerator_rate.spm", "roster.csv", "2024-Q1", "deals.csv"),
        "R2": Run("accelerator_multiplier.spm", "roster.csv", "2024-Q1", "deals.csv"),
    },
    "a05": {
        **_same_run(Run("commission.spm", "roster.csv", "2024-Q3", "deals.csv"), "R1", "R2", "R3"),
        **_same_run(Run("retention.spm", "retention.csv", "2024-Q3"), "N1", "N2", "N3"),
    },
    "a06": {"R1": Run("plan.spm", "roster.csv", "2024-Q4", "deals.csv")},
    "a07": {
        "R1": Run("plan_a.spm", "roster.csv", "2024-Q1", "lines.csv"),
        "R2": Run("plan_b.spm", "roster.csv", "2024-Q1", "lines.csv"),
        "R3": Run("plan_c.spm", "roster_c.csv", "2024-Q1"),
    },
    "a08": _same_run(Run("plan.spm", "roster.csv", "2024-Q1", "objectives.csv"), "R1", "R2", "R3"),
    "a09": _same_run(Run("plan.spm", "results.csv", "2024-Q1"), "R1", "R2"),
    "a10": _same_run(Run("plan.spm", "results.csv", "2024-01"), "R1", "R2", "R3", "R4"),
}


# ---- reading values off a statement ------------------------------------------

# A probe reads one expected value off a statement. The second argument is the
# part key of a compound expected value: a transaction id for per-deal values,
# a list index for per-band values, None otherwise.
Probe = Callable[[Statement, "str | int | None"], object]


def _walk(nodes: list[TraceNode]):
    for node in nodes:
        yield node
        yield from _walk(node.children)


def total(statement: Statement, part: str | int | None) -> object:
    return statement.total


def measure(name: str) -> Probe:
    def read(statement: Statement, part: str | int | None) -> object:
        values = {m.name: m.value for m in statement.measures}
        assert name in values, f"statement of {statement.payee} has no measure `{name}` ({', '.join(values)})"
        return values[name]
    return read


def line_amount(name: str) -> Probe:
    def read(statement: Statement, part: str | int | None) -> object:
        lines = {line.name: line for line in statement.lines}
        assert name in lines, f"statement of {statement.payee} has no line `{name}` ({', '.join(lines)})"
        return lines[name].amount
    return read


def item_amount(line_name: str) -> Probe:
    """Read the amount paid for one transaction of an itemized line. The part key is the transaction id."""
    def read(statement: Statement, part: str | int | None) -> object:
        line = next(line for line in statement.lines if line.name == line_name)
        items = {item.transaction: item.amount for item in line.items}
        assert part in items, f"line `{line_name}` of {statement.payee} has no item {part} ({', '.join(items)})"
        return items[part]
    return read


def unrounded_total(statement: Statement, part: str | int | None) -> object:
    return str(sum((Decimal(line.unrounded) for line in statement.lines if line.kind == "component"), Decimal(0)))


def tier_slice(index: int | None = None) -> Probe:
    """Read the amount that one band of the statement's tier table paid, at ``index`` or else at the part key."""
    def read(statement: Statement, part: str | int | None) -> object:
        tables = [node for node in _walk(statement.trace) if node.kind == "tiers" and node.slices]
        assert len(tables) == 1, f"expected one tier table with slices in the trace, found {len(tables)}"
        position = index if index is not None else part
        return tables[0].slices[position].amount
    return read


def pay_step(component: str) -> Probe:
    """Read what a component's pay line computed, before its gates, caps and floors."""
    def read(statement: Statement, part: str | int | None) -> object:
        root = next(node for node in statement.trace if node.kind == "component" and node.name == component)
        return next(child.value for child in root.children if child.name == "pay")
    return read


def has_warning(statement: Statement, part: str | int | None) -> object:
    return bool(statement.warnings)


# Where each expected value of a case is read: statement total, measures
# (measures and lets of the plan), line amounts, line items, tier slices.
PROBES: dict[str, dict[str, Probe]] = {
    "a01": {"bookings": measure("bookings"), "attainment": measure("attainment"), "rate": measure("rate"),
            "payout": total},
    "a02": {"payout": total},
    "a03": {"production": measure("production"), "band_1": tier_slice(0), "band_2": tier_slice(1),
            "payout": total},
    "a04": {"per_deal": item_amount("commission"), "above_rate": measure("above_rate"), "payout": total},
    "a05": {"attainment": measure("attainment"), "payout": total},
    "a06": {"bookings": measure("bookings"), "attainment": measure("attainment"), "tier_amounts": tier_slice(),
            "uncapped_commission": pay_step("commission"), "cap": measure("commission_cap"),
            "capped_commission": line_amount("commission"), "payout": total},
    "a07": {"lines": item_amount("commission"), "unrounded_total": unrounded_total,
            "base": line_amount("base"), "incentive": line_amount("incentive"), "payout": total},
    "a08": {"quarterly_target": measure("quarterly_target"), "score": measure("score"),
            "multiplier": measure("multiplier"), "payout": total},
    "a09": {"a": measure("a"), "b": measure("b"), "factor_a": measure("factor_a"),
            "factor_b": measure("factor_b"), "payout": total},
    "a10": {"attainment": measure("attainment"), "payout": total, "warning": has_warning},
}


def as_value(value: object) -> object:
    """Turn a statement or expected.yaml value into something to compare exactly."""
    if value is None or value == "undefined":
        return None
    if isinstance(value, bool):
        return value
    return Decimal(str(value))


# ---- running the cases -------------------------------------------------------


def load_case(case: str) -> dict:
    return yaml.safe_load((ACCEPTANCE / case / "expected.yaml").read_text(encoding="utf-8"))


def expected_values() -> list:
    params = []
    for case in sorted(RUNS):
        for rep, values in load_case(case)["expected"].items():
            for key, value in values.items():
                if isinstance(value, dict):
                    parts = list(value.items())
                elif isinstance(value, list):
                    parts = list(enumerate(value))
                else:
                    params.append(pytest.param(case, rep, key, None, value, id=f"{case}-{rep}-{key}"))
                    continue
                for part, part_value in parts:
                    params.append(pytest.param(case, rep, key, part, part_value, id=f"{case}-{rep}-{key}-{part}"))
    return params


def wrong_results() -> list:
    params = []
    for case in sorted(RUNS):
        for wrong in load_case(case)["common_wrong_results"]:
            label = wrong["label"]
            slug = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:40]
            for rep, payout in wrong.items():
                if rep != "label":
                    params.append(pytest.param(case, rep, label, payout, id=f"{case}-{rep}-{slug}"))
    return params


@pytest.fixture(scope="session")
def statement_of(tmp_path_factory) -> Callable[[str, str], Statement]:
    """Return the statement of a case's rep, running each plan of a case once per session."""
    runs: dict[tuple[str, Run], dict[str, Statement]] = {}

    def get(case: str, rep: str) -> Statement:
        case_run = RUNS[case][rep]
        if (case, case_run) not in runs:
            folder = ACCEPTANCE / case
            out = tmp_path_factory.mktemp(f"{case}-{Path(case_run.plan).stem}") / "out"
            run(RunOptions(
                plan=str(folder / case_run.plan),
                roster=str(folder / case_run.roster),
                ledger=str(folder / case_run.ledger) if case_run.ledger else None,
                period=case_run.period,
                out=str(out),
                formats=("json",),
            ))
            statements = {}
            for path in sorted((out / "statements").glob("*.json")):
                statement = statement_from_json(path.read_text(encoding="utf-8"), str(path))
                statements[statement.payee] = statement
            runs[(case, case_run)] = statements
        statements = runs[(case, case_run)]
        assert rep in statements, f"{case}: the run of {case_run.plan} wrote no statement for {rep}"
        return statements[rep]

    return get


@pytest.mark.parametrize(("case", "rep", "key", "part", "expected"), expected_values())
def test_expected_value(statement_of, case, rep, key, part, expected):
    assert key in PROBES[case], f"{case}: no probe says where `{key}` is on the statement"
    actual = PROBES[case][key](statement_of(case, rep), part)
    assert as_value(actual) == as_value(expected)


@pytest.mark.parametrize(("case", "rep", "label", "wrong_payout"), wrong_results())
def test_wrong_result_avoided(statement_of, case, rep, label, wrong_payout):
    assert Decimal(statement_of(case, rep).total) != Decimal(wrong_payout), f"{case} {rep} pays: {label}"


@pytest.mark.parametrize("plan", sorted(ACCEPTANCE.glob("*/*.spm")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_plan_tests_pass(plan):
    result = CliRunner().invoke(main, ["test", str(plan)])
    assert result.exit_code == 0, result.output
    assert "no tests" not in result.output
    assert "FAIL" not in result.output
