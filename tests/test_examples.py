"""Check, test and run the example plans under plans/examples.

Each run goes through the ``spm`` command into a temporary folder, and a few
statement figures of one payee per plan are compared with values worked out
by hand from the rows that plans/examples/make_data.py fixes for that payee.

The CRM plan runs on a public CRM export that is not part of the repository.
Its tests read the export where it lies, skip when it is absent, and never
copy it.
"""

from __future__ import annotations

import csv
import datetime
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from spmlang.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "plans" / "examples"
PLANS = ["ae", "sdr", "products", "crm"]
CRM_EXPORT = Path(os.environ.get("SPM_CRM_EXPORT", "/work/shared/data/crm-sales-opportunities/sales_pipeline.csv"))
needs_crm_export = pytest.mark.skipif(
    not CRM_EXPORT.is_file(), reason=f"the CRM export is not at {CRM_EXPORT} (set SPM_CRM_EXPORT to its path)"
)

# (ledger, roster, period) of one run of each plan on its committed example data.
RUNS = {
    "ae": ("deals.csv", "roster.csv", "2027-Q1"),
    "sdr": ("leads.csv", "roster.csv", "2027-01"),
    "products": ("orders.csv", "roster.csv", "2027-01"),
}


def spm(*args: str | Path):
    result = CliRunner().invoke(main, [str(arg) for arg in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def run_example(name: str, out: Path, ledger: Path | None = None, period: str | None = None):
    ledger_name, roster, default_period = RUNS.get(name, ("", "roster.csv", ""))
    folder = EXAMPLES / name
    return spm("run", folder / "plan.spm", "--ledger", ledger or folder / ledger_name, "--roster", folder / roster,
               "--period", period or default_period, "--out", out, "--format", "json,csv,text")


def load_statement(out: Path, payee: str, period: str) -> dict:
    """Find the statement of one payee and period among the run's JSON files."""
    for path in sorted((out / "statements").glob(f"*_{period}.json")):
        statement = json.loads(path.read_text(encoding="utf-8"))
        if statement["payee"] == payee:
            return statement
    raise AssertionError(f"no statement for {payee} in {period}")


def line_amount(statement: dict, name: str) -> Decimal:
    (line,) = [line for line in statement["lines"] if line["name"] == name]
    return Decimal(line["amount"])


def measure_value(statement: dict, name: str) -> Decimal:
    (measure,) = [m for m in statement["measures"] if m["name"] == name]
    return Decimal(measure["value"])


def reconciliation(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reconciliation"]


def quarter_of(day: datetime.date) -> int:
    return (day.month - 1) // 3 + 1


# ---- every plan ---------------------------------------------------------------


@pytest.mark.parametrize("name", PLANS)
def test_example_plan_checks_clean(name):
    result = spm("check", EXAMPLES / name / "plan.spm")

    assert result.exit_code == 0, result.output
    assert "ok" in result.output
    assert "warning" not in result.output


@pytest.mark.parametrize("name", PLANS)
def test_example_plan_tests_pass(name):
    result = spm("test", EXAMPLES / name / "plan.spm")

    assert result.exit_code == 0, result.output
    assert "FAIL" not in result.output
    assert " 0 failed" in result.output


@pytest.mark.parametrize("name", sorted(RUNS))
def test_example_plan_runs_balanced(name, tmp_path):
    out = tmp_path / "out"
    result = run_example(name, out)

    assert result.exit_code == 0, result.output
    assert "balanced: yes" in result.output
    assert (out / "payouts.csv").is_file()
    assert list((out / "statements").glob("*.txt"))
    assert reconciliation(out)["rejected"] == {}


def test_committed_data_matches_generator(tmp_path):
    subprocess.run([sys.executable, str(EXAMPLES / "make_data.py"), "--out", str(tmp_path)], check=True,
                   capture_output=True)

    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.csv"))
    assert written, "make_data.py wrote no CSV files"
    for relative in written:
        assert (tmp_path / relative).read_bytes() == (EXAMPLES / relative).read_bytes(), relative


# ---- account executives ---------------------------------------------------------


def test_ae_demo_command(tmp_path, monkeypatch):
    # The command `make demo` runs, with the output folder moved into tmp_path.
    monkeypatch.chdir(ROOT)
    result = spm("run", "plans/examples/ae/plan.spm", "--ledger", "plans/examples/ae/deals.csv",
                 "--roster", "plans/examples/ae/roster.csv", "--period", "2027-Q1",
                 "--out", tmp_path / "ae-2027-Q1", "--format", "json,csv,text")

    assert result.exit_code == 0, result.output
    assert "Wrote 12 statements" in result.output


def test_ae_rep_above_quota(tmp_path):
    out = tmp_path / "out"
    run_example("ae", out)
    statement = load_statement(out, "AE01", "2027-Q1")

    # AE01, quota 300,000.00, target incentive 15,000.00, rating 4. Won in Q1:
    # 120,000.00 + 95,000.50 + 80,000.00 + 60,000.00 = 355,000.50 (the lost and
    # open deals are excluded), so attainment = 355,000.50 / 300,000 = 118.3335%.
    assert measure_value(statement, "bookings") == Decimal("355000.50")
    assert measure_value(statement, "won_deals") == 4
    assert measure_value(statement, "attainment") == Decimal("1.183335")
    # Commission: 150,000 x 3% = 4,500 + 150,000 x 7% = 10,500
    # + 55,000.50 x 10% = 5,500.05, so 20,500.05.
    assert line_amount(statement, "commission") == Decimal("20500.05")
    # MBO: 15,000 x 20% x 125% = 3,750.
    assert line_amount(statement, "mbo") == Decimal("3750.00")
    assert Decimal(statement["total"]) == Decimal("24250.05")


def test_ae_commission_items_by_deal(tmp_path):
    out = tmp_path / "out"
    run_example("ae", out)
    statement = load_statement(out, "AE01", "2027-Q1")
    (commission,) = [line for line in statement["lines"] if line["name"] == "commission"]

    # In date order, each deal is paid the rise in commission it causes:
    # 120,000 x 3% = 3,600; up to 215,000.50: 30,000 x 3% + 65,000.50 x 7% = 5,450.035;
    # up to 295,000.50: 80,000 x 7% = 5,600; up to 355,000.50:
    # 4,999.50 x 7% + 55,000.50 x 10% = 5,850.015. They add up to 20,500.05.
    unrounded = [Decimal(item["unrounded"]) for item in commission["items"]]
    assert unrounded == [Decimal("3600"), Decimal("5450.035"), Decimal("5600"), Decimal("5850.015")]
    assert sum(unrounded) == Decimal("20500.05")


def test_ae_gate_and_cap(tmp_path):
    out = tmp_path / "out"
    run_example("ae", out)
    under_gate = load_statement(out, "AE02", "2027-Q1")
    capped = load_statement(out, "AE03", "2027-Q1")

    # AE02 books about 30% of quota, under the 40% gate: no commission, and
    # MBO = 15,000 x 20% x 50% (rating 2) = 1,500.
    assert measure_value(under_gate, "attainment") < Decimal("0.40")
    assert line_amount(under_gate, "commission") == 0
    assert line_amount(under_gate, "mbo") == Decimal("1500.00")
    # AE03 books over 190% of a 200,000 quota: 3,000 + 7,000 + 10,000 + 40% x 200,000 x 12%
    # = 29,600 at least, so the cap of 250% x 10,000 = 25,000 applies.
    # MBO = 10,000 x 20% x 100% (rating 3) = 2,000.
    assert measure_value(capped, "attainment") >= Decimal("1.90")
    assert line_amount(capped, "commission") == Decimal("25000.00")
    assert line_amount(capped, "mbo") == Decimal("2000.00")


def test_ae_reconciliation_counts(tmp_path):
    out = tmp_path / "out"
    run_example("ae", out)
    with (EXAMPLES / "ae" / "deals.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    won_in_q1 = [r for r in rows if r["stage"] == "Won" and quarter_of(datetime.date.fromisoformat(r["close_date"])) == 1]
    not_won = [r for r in rows if r["stage"] != "Won"]

    recon = reconciliation(out)

    assert recon["read"]["rows"] == len(rows)
    assert recon["credited"]["rows"] == len(won_in_q1)
    assert Decimal(recon["credited"]["amount"]) == sum(Decimal(r["amount"]) for r in won_in_q1)
    assert recon["excluded"]["not won"]["rows"] == len(not_won)
    assert recon["excluded"]["outside the run's periods"]["rows"] == len(rows) - len(not_won) - len(won_in_q1)
    assert recon["balanced"] is True


# ---- sales development reps -----------------------------------------------------


def test_sdr_rep_january(tmp_path):
    out = tmp_path / "out"
    run_example("sdr", out)
    statement = load_statement(out, "SDR01", "2027-01")

    # SDR01 in January: 40 leads, 14 qualified meetings, 5 won.
    assert measure_value(statement, "leads_worked") == 40
    assert measure_value(statement, "qualified_meetings") == 14
    # Conversion 5 / 40 = 12.5%, in the 10% to 15% band: 100% of 1,200 = 1,200.
    assert measure_value(statement, "conversion_rate") == Decimal("0.125")
    assert line_amount(statement, "conversion") == Decimal("1200.00")
    # Meetings: 14 x 150 = 2,100.
    assert line_amount(statement, "meetings") == Decimal("2100.00")
    assert Decimal(statement["total"]) == Decimal("3300.00")


# ---- product rates --------------------------------------------------------------


def test_products_rep_january(tmp_path):
    out = tmp_path / "out"
    run_example("products", out)
    statement = load_statement(out, "PR01", "2027-01")

    # PR01's January orders at their product rates:
    # Platform 40,000.00 x 4% = 1,600; Analytics 12,500.00 x 6% = 750 and
    # 7,250.25 x 6% = 435.015; Services 8,000.00 x 2% = 160; Training (not in
    # the table, so the otherwise rate) 3,333.33 x 3% = 99.9999; Support renewal
    # 10,000.10 x 1.5% = 150.0015. Sum 3,195.0164, rounded half even to 3,195.02.
    assert measure_value(statement, "product_commission") == Decimal("3195.0164")
    assert line_amount(statement, "commission") == Decimal("3195.02")
    # Two Analytics orders x 250 = 500, under the 1,000 cap.
    assert line_amount(statement, "spiff") == Decimal("500.00")
    assert Decimal(statement["total"]) == Decimal("3695.02")


# ---- the CRM export ---------------------------------------------------------------


def test_crm_export_not_in_repository():
    assert not list(ROOT.glob("plans/**/sales_pipeline.csv"))


def crm_rows() -> list[dict[str, str]]:
    with CRM_EXPORT.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@needs_crm_export
@pytest.mark.parametrize("quarter", [1, 2, 3, 4])
def test_crm_quarter_reconciles(quarter, tmp_path):
    out = tmp_path / "out"
    result = run_example("crm", out, ledger=CRM_EXPORT, period=f"2017-Q{quarter}")
    rows = crm_rows()
    won = [r for r in rows if r["deal_stage"] == "Won"]
    won_in_quarter = [r for r in won if quarter_of(datetime.date.fromisoformat(r["close_date"])) == quarter]

    recon = reconciliation(out)

    assert result.exit_code == 0, result.output
    assert "balanced: yes" in result.output
    assert recon["read"]["rows"] == len(rows) == 8800
    assert recon["rejected"] == {}
    assert recon["credited"]["rows"] == len(won_in_quarter)
    assert Decimal(recon["credited"]["amount"]) == sum(Decimal(r["close_value"]) for r in won_in_quarter)
    assert recon["excluded"]["lost"]["rows"] == sum(1 for r in rows if r["deal_stage"] == "Lost")
    assert recon["excluded"]["open, not closed yet"]["rows"] == sum(
        1 for r in rows if r["deal_stage"] in ("Engaging", "Prospecting"))
    assert recon["excluded"]["outside the run's periods"]["rows"] == len(won) - len(won_in_quarter)
    assert recon["balanced"] is True


@needs_crm_export
def test_crm_agent_first_quarter(tmp_path):
    out = tmp_path / "out"
    run_example("crm", out, ledger=CRM_EXPORT, period="2017-Q1")
    statement = load_statement(out, "Boris Faz", "2017-Q1")

    # Boris Faz won 7 deals in 2017-Q1 worth 22,017, one of them a GTXPro.
    # Quota 90,000, so attainment is about 24.5%, in the first band: 22,017 x 4% = 880.68.
    assert measure_value(statement, "won_value") == 22017
    assert measure_value(statement, "gtx_pro_deals") == 1
    assert line_amount(statement, "commission") == Decimal("880.68")
    # GTX Pro bonus 1 x 100; MBO 5,400 x 10% x 100% (rating 3) = 540.
    assert line_amount(statement, "gtx_pro") == Decimal("100.00")
    assert line_amount(statement, "mbo") == Decimal("540.00")
    assert Decimal(statement["total"]) == Decimal("1520.68")
