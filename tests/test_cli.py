"""Tests of the ``spm`` command line: exit codes, outputs and messages.

Most tests call the click command in-process with ``CliRunner``; the tests
marked "subprocess" start the installed ``spm`` script the way a user does.

Worked values for the plan and ledger below (5% of won bookings, rounded half
up to cents once per component):

    2027-Q1, R1: D1 1,000.00 + D2 2,500.50 = 3,500.50; x 5% = 175.025 -> 175.03
    2027-Q1, R2: D3 4,000.00 (closed 2027-03-31, the last day of Q1); D4 is
                 lost and excluded; 4,000.00 x 5% = 200.00
    2027-Q2, R1: D5 3,000.00 (closed 2027-04-01) x 5% = 150.00
    2027-Q2, R2: no deals, 0.00
    With --param rate=10%: R1 3,500.50 x 10% = 350.05, R2 4,000.00 x 10% = 400.00
    Ledger read: 1,000.00 + 2,500.50 + 4,000.00 + 999.99 + 3,000.00 = 11,500.49
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from spmlang.cli import main

PLAN = """\
plan "CLI" version "1"
effective 2027-01-01 through 2027-12-31
period quarter
currency USD
rounding half_up to 0.01 per component

ledger deals
  id     from deal_id
  payee  from rep
  date   from close_date : date
  amount : money
  stage
  exclude "not won" when deals.stage != "Won"

roster
  id    from rep
  quota : money

param rate = 5%

measure bookings = sum deals.amount

component commission "Commission"
  pay rate applied to bookings

# 10,000.00 x 5% = 500.00
test "five percent of bookings"
  during 2027-Q1
  payee quota 100_000 USD
  deal amount 10_000 USD, stage "Won"
  expect commission = 500.00 USD
"""

DEALS = """\
deal_id,rep,close_date,amount,stage
D1,R1,2027-01-15,1000.00,Won
D2,R1,2027-02-20,2500.50,Won
D3,R2,2027-03-31,4000.00,Won
D4,R2,2027-02-01,999.99,Lost
D5,R1,2027-04-01,3000.00,Won
"""

ROSTER = """\
rep,quota
R1,10000.00
R2,20000.00
"""

# Row 3 has an unreadable amount and row 4 a payee who is not on the roster.
BAD_DEALS = """\
deal_id,rep,close_date,amount,stage
D1,R1,2027-01-15,1000.00,Won
D2,R1,2027-02-20,abc,Won
D3,R9,2027-03-01,500.00,Won
D4,R2,2027-03-31,4000.00,Won
"""

PAYOUTS_HEADER = "payee,period,period_start,period_end,line,label,kind,amount,currency,plan,plan_version,plan_sha256"
PLAN_SHA256 = hashlib.sha256(PLAN.encode("utf-8")).hexdigest()
SPM = Path(sys.executable).parent / "spm"
RUN_Q1 = ["run", "plan.spm", "--ledger", "deals.csv", "--roster", "roster.csv", "--period", "2027-Q1"]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A folder with the plan and its inputs; the tests run inside it, with relative paths."""
    (tmp_path / "plan.spm").write_text(PLAN, encoding="utf-8")
    (tmp_path / "deals.csv").write_text(DEALS, encoding="utf-8")
    (tmp_path / "bad_deals.csv").write_text(BAD_DEALS, encoding="utf-8")
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def spm(*args: str):
    result = CliRunner().invoke(main, list(args))
    # Any exception other than the exit of a command is an unhandled error.
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def payout_rows(folder: Path) -> list[tuple[str, str, str, str]]:
    lines = (folder / "payouts.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == PAYOUTS_HEADER
    rows = []
    for line in lines[1:]:
        cells = line.split(",")
        rows.append((cells[0], cells[1], cells[4], cells[7]))
    return rows


def reconciliation_line(stdout: str, label: str) -> list[str]:
    for line in stdout.splitlines():
        if line.strip().startswith(label):
            return line.split()
    raise AssertionError(f"no reconciliation line {label!r} in:\n{stdout}")


# ---- spm check -------------------------------------------------------------


def test_check_clean_plan(workdir):
    result = spm("check", "plan.spm")
    assert result.exit_code == 0
    assert result.stdout == "plan.spm: ok\n"
    assert result.stderr == ""


def test_check_plan_with_errors(workdir):
    (workdir / "bad.spm").write_text(PLAN.replace("pay rate applied to bookings", "pay rate applied to booking"),
                                     encoding="utf-8")
    result = spm("check", "bad.spm")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "bad.spm:24:23: error[E101]: `booking` is not defined"
    assert lines[1] == "   |"
    assert lines[2] == "24 |   pay rate applied to booking"
    assert lines[3] == "   |                       ^^^^^^^"
    assert lines[4] == "  = help: did you mean `bookings`?"
    assert lines[-1] == "1 error found"
    assert "ok" not in result.stdout


def test_check_counts_errors_of_several_plans(workdir):
    (workdir / "bad.spm").write_text(PLAN.replace("period quarter", "period quartr"), encoding="utf-8")
    result = spm("check", "plan.spm", "bad.spm", "missing.spm")
    assert result.exit_code == 1
    assert result.stdout == "plan.spm: ok\n"
    assert "error: missing.spm: plan file not found" in result.stderr
    assert result.stderr.splitlines()[-1] == "2 errors found"


def test_check_warning_only_exits_zero(workdir):
    weighted = PLAN.replace("  pay rate applied to bookings\n", "  pay rate applied to bookings\n  weight 90%\n")
    (workdir / "weighted.spm").write_text(weighted, encoding="utf-8")
    result = spm("check", "weighted.spm")
    assert result.exit_code == 0
    assert "warning[W400]: component weights add up to 90%, not 100%" in result.stderr
    assert result.stdout.startswith("weighted.spm: ok")


def test_check_warning_count_is_per_plan(workdir):
    weighted = PLAN.replace("  pay rate applied to bookings\n", "  pay rate applied to bookings\n  weight 90%\n")
    (workdir / "weighted.spm").write_text(weighted, encoding="utf-8")
    result = spm("check", "weighted.spm", "plan.spm")
    assert result.exit_code == 0
    # plan.spm has no warnings of its own.
    assert result.stdout.splitlines()[1] == "plan.spm: ok"


def test_check_without_plan_is_usage_error(workdir):
    result = spm("check")
    assert result.exit_code == 2


# ---- spm run: outputs ------------------------------------------------------


def test_run_writes_every_output(workdir):
    result = spm(*RUN_Q1, "--out", "out")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "Wrote 2 statements (2 payout lines) to out"
    assert sorted(snapshot(workdir / "out")) == [
        "manifest.json",
        "payouts.csv",
        "statements/R1_2027-Q1.json",
        "statements/R1_2027-Q1.txt",
        "statements/R2_2027-Q1.json",
        "statements/R2_2027-Q1.txt",
    ]


def test_run_payouts_csv(workdir):
    spm(*RUN_Q1, "--out", "out")
    text = (workdir / "out" / "payouts.csv").read_text(encoding="utf-8")
    assert text == (
        PAYOUTS_HEADER + "\n"
        f"R1,2027-Q1,2027-01-01,2027-03-31,commission,Commission,component,175.03,USD,CLI,1,{PLAN_SHA256}\n"
        f"R2,2027-Q1,2027-01-01,2027-03-31,commission,Commission,component,200.00,USD,CLI,1,{PLAN_SHA256}\n"
    )


def test_run_statement_json(workdir):
    spm(*RUN_Q1, "--out", "out")
    statement = json.loads((workdir / "out" / "statements" / "R1_2027-Q1.json").read_text(encoding="utf-8"))
    assert statement["payee"] == "R1"
    assert statement["period"] == {"label": "2027-Q1", "start": "2027-01-01", "end": "2027-03-31"}
    assert statement["currency"] == "USD"
    assert [(line["name"], line["amount"]) for line in statement["lines"]] == [("commission", "175.03")]
    assert statement["total"] == "175.03"
    assert statement["plan"]["sha256"] == PLAN_SHA256
    assert [item["role"] for item in statement["inputs"]] == ["plan", "ledger", "roster"]


def test_run_statement_text(workdir):
    spm(*RUN_Q1, "--out", "out")
    text = (workdir / "out" / "statements" / "R2_2027-Q1.txt").read_text(encoding="utf-8")
    assert "Payee:     R2" in text
    assert "Period:    2027-Q1 (2027-01-01 to 2027-03-31)" in text
    line = next(row for row in text.splitlines() if row.strip().startswith("Commission"))
    assert line.split() == ["Commission", "200.00"]
    total = next(row for row in text.splitlines() if row.strip().startswith("Total"))
    assert total.split() == ["Total", "200.00"]


def test_run_manifest(workdir):
    spm(*RUN_Q1, "--out", "out")
    manifest = json.loads((workdir / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["plan"] == {"name": "CLI", "version": "1", "file": "plan.spm", "sha256": PLAN_SHA256}
    assert [(i["role"], i["path"]) for i in manifest["inputs"]] == [
        ("plan", "plan.spm"), ("ledger", "deals.csv"), ("roster", "roster.csv"),
    ]
    assert manifest["inputs"][1]["sha256"] == hashlib.sha256(DEALS.encode("utf-8")).hexdigest()
    assert manifest["periods"] == ["2027-Q1"]
    assert manifest["statements"] == 2
    # 175.03 + 200.00 = 375.03
    assert manifest["total_payout"] == "375.03"
    assert manifest["currency"] == "USD"
    assert manifest["files"] == sorted(set(snapshot(workdir / "out")) - {"manifest.json"})
    recon = manifest["reconciliation"]
    assert recon["read"] == {"rows": 5, "amount": "11500.49"}
    assert recon["credited"] == {"rows": 3, "amount": "7500.50"}
    assert recon["excluded"]["not won"] == {"rows": 1, "amount": "999.99"}
    assert recon["excluded"]["outside the run's periods"] == {"rows": 1, "amount": "3000.00"}
    assert recon["rejected"] == {}
    assert recon["balanced"] is True


def test_run_prints_reconciliation(workdir):
    result = spm(*RUN_Q1, "--out", "out")
    assert reconciliation_line(result.stdout, "read") == ["read", "5", "rows", "11,500.49"]
    assert reconciliation_line(result.stdout, "credited") == ["credited", "3", "rows", "7,500.50"]
    assert reconciliation_line(result.stdout, "excluded: not won") == [
        "excluded:", "not", "won", "1", "row", "999.99",
    ]
    assert reconciliation_line(result.stdout, "balanced")[:2] == ["balanced:", "yes"]


@pytest.mark.parametrize(
    ("formats", "files"),
    [
        ("json", ["manifest.json", "statements/R1_2027-Q1.json", "statements/R2_2027-Q1.json"]),
        ("csv", ["manifest.json", "payouts.csv"]),
        ("text,csv", ["manifest.json", "payouts.csv", "statements/R1_2027-Q1.txt", "statements/R2_2027-Q1.txt"]),
    ],
)
def test_run_format_selects_files(workdir, formats, files):
    result = spm(*RUN_Q1, "--out", "out", "--format", formats)
    assert result.exit_code == 0, result.stderr
    assert sorted(snapshot(workdir / "out")) == files


def test_run_twice_is_byte_identical(workdir):
    assert spm(*RUN_Q1, "--out", "first").exit_code == 0
    assert spm(*RUN_Q1, "--out", "second").exit_code == 0
    first = snapshot(workdir / "first")
    second = snapshot(workdir / "second")
    assert sorted(first) == sorted(second)
    for name in first:
        assert first[name] == second[name], name


def test_run_again_replaces_previous_output(workdir):
    assert spm(*RUN_Q1, "--out", "out").exit_code == 0
    before = snapshot(workdir / "out")
    assert spm(*RUN_Q1, "--out", "out", "--format", "csv").exit_code == 0
    after = snapshot(workdir / "out")
    assert sorted(after) == ["manifest.json", "payouts.csv"]
    assert after["payouts.csv"] == before["payouts.csv"]
    assert sorted(p.name for p in workdir.iterdir()) == ["bad_deals.csv", "deals.csv", "out", "plan.spm", "roster.csv"]


def test_run_param_override(workdir):
    result = spm(*RUN_Q1, "--out", "out", "--format", "csv", "--param", "rate=10%")
    assert result.exit_code == 0, result.stderr
    assert payout_rows(workdir / "out") == [
        ("R1", "2027-Q1", "commission", "350.05"),
        ("R2", "2027-Q1", "commission", "400.00"),
    ]


def test_param_override_not_kept(workdir):
    spm(*RUN_Q1, "--out", "high", "--format", "csv", "--param", "rate=10%")
    spm(*RUN_Q1, "--out", "plain", "--format", "csv")
    assert payout_rows(workdir / "plain")[0] == ("R1", "2027-Q1", "commission", "175.03")


def test_run_unknown_param(workdir):
    result = spm(*RUN_Q1, "--out", "out", "--param", "bonus=10%")
    assert result.exit_code == 2
    assert "--param bonus: the plan has no parameter `bonus` (parameters: rate)" in result.stderr
    assert not (workdir / "out").exists()


def test_run_param_value_of_wrong_kind(workdir):
    result = spm(*RUN_Q1, "--out", "out", "--param", "rate=ten")
    assert result.exit_code == 2
    assert "--param rate=ten: " in result.stderr
    assert not (workdir / "out").exists()


def test_run_over_several_periods(workdir):
    result = spm("run", "plan.spm", "--ledger", "deals.csv", "--roster", "roster.csv",
                 "--from", "2027-01-01", "--to", "2027-06-30", "--out", "out")
    assert result.exit_code == 0, result.stderr
    assert payout_rows(workdir / "out") == [
        ("R1", "2027-Q1", "commission", "175.03"),
        ("R1", "2027-Q2", "commission", "150.00"),
        ("R2", "2027-Q1", "commission", "200.00"),
        ("R2", "2027-Q2", "commission", "0.00"),
    ]
    manifest = json.loads((workdir / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["periods"] == ["2027-Q1", "2027-Q2"]
    assert manifest["statements"] == 4
    # 175.03 + 150.00 + 200.00 + 0.00 = 525.03
    assert manifest["total_payout"] == "525.03"
    assert manifest["reconciliation"]["credited"] == {"rows": 4, "amount": "10500.50"}
    assert (workdir / "out" / "statements" / "R2_2027-Q2.json").is_file()


# ---- spm run: rejected rows and failed runs ---------------------------------


def test_run_with_bad_rows_fails_without_output(workdir):
    result = spm("run", "plan.spm", "--ledger", "bad_deals.csv", "--roster", "roster.csv", "--period", "2027-Q1",
                 "--out", "out")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == 'error: ledger "bad_deals.csv" has bad rows; no statements were written'
    assert lines[1].startswith("  row 3, column amount: 'abc': not a valid amount")
    assert lines[2].startswith("  row 4, column rep: 'R9': payee R9 is not on the roster")
    assert "--rejects" in lines[-1]
    assert not (workdir / "out").exists()
    assert sorted(p.name for p in workdir.iterdir()) == ["bad_deals.csv", "deals.csv", "plan.spm", "roster.csv"]


def test_run_rejects_file_and_good_rows(workdir):
    result = spm("run", "plan.spm", "--ledger", "bad_deals.csv", "--roster", "roster.csv", "--period", "2027-Q1",
                 "--out", "out", "--rejects", "rejects/bad_rows.csv")
    assert result.exit_code == 0, result.stderr
    rejects = (workdir / "rejects" / "bad_rows.csv").read_text(encoding="utf-8").splitlines()
    assert rejects[0] == "row,column,value,reason,deal_id,rep,close_date,amount,stage"
    assert rejects[1].startswith("3,amount,abc,")
    assert rejects[2].startswith("4,rep,R9,")
    assert len(rejects) == 3
    # R1: D1 1,000.00 x 5% = 50.00; R2: D4 4,000.00 x 5% = 200.00
    assert payout_rows(workdir / "out") == [
        ("R1", "2027-Q1", "commission", "50.00"),
        ("R2", "2027-Q1", "commission", "200.00"),
    ]
    assert result.stdout.splitlines()[-1] == "2 rejected cells written to rejects/bad_rows.csv"
    manifest = json.loads((workdir / "out" / "manifest.json").read_text(encoding="utf-8"))
    recon = manifest["reconciliation"]
    # Read: the three readable amounts 1,000.00 + 500.00 + 4,000.00; row 3 has none.
    assert recon["read"] == {"rows": 4, "amount": "5500.00"}
    assert recon["credited"] == {"rows": 2, "amount": "5000.00"}
    assert recon["rows_with_unreadable_amount"] == 1
    assert recon["balanced"] is True


def test_failed_run_leaves_previous_output_untouched(workdir):
    assert spm(*RUN_Q1, "--out", "out").exit_code == 0
    before = snapshot(workdir / "out")
    result = spm("run", "plan.spm", "--ledger", "bad_deals.csv", "--roster", "roster.csv", "--period", "2027-Q1",
                 "--out", "out")
    assert result.exit_code == 1
    assert snapshot(workdir / "out") == before
    assert sorted(p.name for p in workdir.iterdir()) == ["bad_deals.csv", "deals.csv", "out", "plan.spm", "roster.csv"]


def test_plan_error_leaves_previous_output_untouched(workdir):
    assert spm(*RUN_Q1, "--out", "out").exit_code == 0
    before = snapshot(workdir / "out")
    (workdir / "plan.spm").write_text(PLAN.replace("param rate = 5%", "param rate = 5 %%"), encoding="utf-8")
    result = spm(*RUN_Q1, "--out", "out")
    assert result.exit_code == 1
    assert "error[E001]" in result.stderr
    assert result.stderr.splitlines()[-1] == "error: plan.spm has errors; no statements were written"
    assert snapshot(workdir / "out") == before


def test_undefined_payout_fails_without_output(workdir):
    optional = PLAN.replace("  quota : money", "  quota : money optional").replace(
        "  pay rate applied to bookings", "  pay bookings / quota * 1 USD")
    (workdir / "optional.spm").write_text(optional, encoding="utf-8")
    (workdir / "blank_quota.csv").write_text("rep,quota\nR1,\nR2,20000.00\n", encoding="utf-8")
    result = spm("run", "optional.spm", "--ledger", "deals.csv", "--roster", "blank_quota.csv",
                 "--period", "2027-Q1", "--out", "out")
    assert result.exit_code == 1
    assert "optional.spm:24:" in result.stderr
    assert "payee R1, period 2027-Q1" in result.stderr
    assert "no statements were written" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (workdir / "out").exists()


def test_out_folder_with_other_files_is_refused(workdir):
    (workdir / "out").mkdir()
    (workdir / "out" / "notes.txt").write_text("mine", encoding="utf-8")
    result = spm(*RUN_Q1, "--out", "out")
    assert result.exit_code == 1
    assert "not empty and was not written by spm" in result.stderr
    assert snapshot(workdir / "out") == {"notes.txt": b"mine"}


def test_out_path_that_is_a_file(workdir):
    (workdir / "out").write_text("mine", encoding="utf-8")
    result = spm(*RUN_Q1, "--out", "out")
    assert result.exit_code == 1
    assert "--out out is a file" in result.stderr
    assert (workdir / "out").read_text(encoding="utf-8") == "mine"


def test_period_outside_effective_dates(workdir):
    result = spm("run", "plan.spm", "--ledger", "deals.csv", "--roster", "roster.csv", "--period", "2026-Q4",
                 "--out", "out")
    assert result.exit_code == 1
    assert "2026-Q4 is outside the plan's effective dates (2027-01-01 through 2027-12-31)" in result.stderr
    assert not (workdir / "out").exists()


# ---- spm run: usage errors -------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "plan.spm", "--ledger", "deals.csv", "--period", "2027-Q1", "--out", "out"],
         "Missing option '--roster'"),
        ([*RUN_Q1, "--format", "pdf"], "unknown format pdf"),
        ([*RUN_Q1, "--format", ""], "unknown format"),
        (["run", "plan.spm", "--ledger", "deals.csv", "--roster", "roster.csv", "--period", "2027-Q1"],
         "Missing option '--out'"),
        (["run", "plan.spm", "--ledger", "deals.csv", "--roster", "roster.csv", "--from", "2027-01-01",
          "--out", "out"], "--from and --to go together"),
        (["run", "plan.spm", "--ledger", "deals.csv", "--roster", "roster.csv", "--from", "2027-02-30",
          "--to", "2027-03-31", "--out", "out"], "'2027-02-30' is not a date"),
        ([*RUN_Q1, "--out", "out", "--param", "rate"], "write NAME=VALUE"),
        ([*RUN_Q1, "--out", "out", "--colour"], "No such option"),
    ],
    ids=["no-roster", "bad-format", "empty-format", "no-out", "from-without-to", "bad-from-date", "param-no-value",
         "unknown-option"],
)
def test_run_usage_errors(workdir, args, message):
    result = spm(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (workdir / "out").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--period", "2027-Q1", "--from", "2027-01-01", "--to", "2027-03-31"], "--period"),
        ([], "--period"),
        (["--period", "2027-13"], "2027-13"),
    ],
    ids=["period-and-from", "no-period", "bad-period-label"],
)
def test_run_period_options_are_usage_errors(workdir, extra, message):
    result = spm("run", "plan.spm", "--ledger", "deals.csv", "--roster", "roster.csv", "--out", "out", *extra)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (workdir / "out").exists()


# ---- spm explain -----------------------------------------------------------


def test_explain_statement(workdir):
    spm(*RUN_Q1, "--out", "out")
    result = spm("explain", "out/statements/R1_2027-Q1.json")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("commission = ")
    assert "at plan.spm:23" in lines[0]
    assert any(line.strip().startswith("bookings = 3,500.50 USD") for line in lines)
    assert any(line.split()[:2] == ["D2", "row"] for line in lines)
    assert any(line.startswith("total = 175.03 USD") for line in lines)


def test_explain_one_line(workdir):
    spm(*RUN_Q1, "--out", "out")
    result = spm("explain", "out/statements/R1_2027-Q1.json", "--line", "commission")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("commission = ")
    assert "total = " not in result.stdout


def test_explain_unknown_line(workdir):
    spm(*RUN_Q1, "--out", "out")
    result = spm("explain", "out/statements/R1_2027-Q1.json", "--line", "bonus")
    assert result.exit_code == 1
    assert "'bonus' not found" in result.stderr
    assert "commission" in result.stderr


def test_explain_missing_file(workdir):
    result = spm("explain", "out/statements/R7_2027-Q1.json")
    assert result.exit_code == 1
    assert result.stderr == "error: out/statements/R7_2027-Q1.json: statement file not found\n"


def test_explain_file_that_is_not_a_statement(workdir):
    result = spm("explain", "deals.csv")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: deals.csv")
    assert "Traceback" not in result.stderr


# ---- spm test --------------------------------------------------------------


def test_plan_tests_pass(workdir):
    result = spm("test", "plan.spm")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "PASS five percent of bookings (line 27)",
        "plan.spm: 1 passed, 0 failed",
    ]


def test_plan_tests_fail(workdir):
    (workdir / "failing.spm").write_text(PLAN.replace("expect commission = 500.00 USD",
                                                      "expect commission = 500.01 USD"), encoding="utf-8")
    result = spm("test", "failing.spm")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "FAIL five percent of bookings (line 27)",
        "    line 31: commission: expected 500.01 USD, got 500.00 (difference -0.01)",
        "failing.spm: 0 passed, 1 failed",
    ]


@pytest.mark.parametrize(
    ("old", "new", "column", "name"),
    [
        ("  payee quota 100_000 USD", "  payee quot 100_000 USD", 9, "`quot`"),
        ("  payee quota 100_000 USD", "  with rat = 10%\n  payee quota 100_000 USD", 8, "`rat`"),
        ("  payee quota 100_000 USD", '  payee quota "abc"', 15, "`quota`"),
    ],
    ids=["unknown-attribute", "unknown-param", "text-for-money"],
)
def test_plan_test_unknown_name_is_check_error(workdir, old, new, column, name):
    # Names in a plan test are checked with the plan, so `spm test` stops before running it.
    (workdir / "wrong.spm").write_text(PLAN.replace(old, new), encoding="utf-8")
    result = spm("test", "wrong.spm")
    assert result.exit_code == 1
    assert f"wrong.spm:29:{column}: error[E35" in result.stderr
    assert name in result.stderr


def test_plan_test_rating_off_scale_names_test_line(workdir):
    example = (Path(__file__).resolve().parent.parent / "docs" / "example-ae.spm.txt").read_text(encoding="utf-8")
    payee_line = next(line for line in example.splitlines() if line.startswith("  payee quota"))
    assert payee_line.endswith("rating 3")
    line_number = example.splitlines().index(payee_line) + 1
    (workdir / "rating.spm").write_text(example.replace(payee_line, payee_line[:-1] + "9"), encoding="utf-8")
    result = spm("test", "rating.spm")
    assert result.exit_code == 1
    assert f"line {line_number}" in result.stdout
    assert "roster" not in result.stdout


def test_plan_tests_of_plan_with_errors(workdir):
    (workdir / "bad.spm").write_text(PLAN.replace("param rate = 5%", "param rate = quota"), encoding="utf-8")
    result = spm("test", "bad.spm")
    assert result.exit_code == 1
    assert "error[E120]" in result.stderr
    assert "bad.spm: the plan has errors, so its tests did not run" in result.stderr


def test_plan_without_tests(workdir):
    (workdir / "untested.spm").write_text(PLAN.split("# 10,000.00")[0], encoding="utf-8")
    result = spm("test", "untested.spm")
    assert result.exit_code == 0
    assert "untested.spm: no tests" in result.stdout


# ---- subprocess ------------------------------------------------------------


def run_spm(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(SPM), *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_subprocess_run_and_check(workdir):
    """subprocess: the installed script runs a plan, reports errors and usage."""
    ran = run_spm(*RUN_Q1, "--out", "out", "--format", "csv", cwd=workdir)
    assert ran.returncode == 0, ran.stderr
    assert payout_rows(workdir / "out") == [
        ("R1", "2027-Q1", "commission", "175.03"),
        ("R2", "2027-Q1", "commission", "200.00"),
    ]

    (workdir / "bad.spm").write_text(PLAN.replace("period quarter", "period quartr"), encoding="utf-8")
    checked = run_spm("check", "bad.spm", cwd=workdir)
    assert checked.returncode == 1
    assert checked.stderr.startswith("bad.spm:3:8: error[E111]: `quartr` is not a period\n")
    assert "Traceback" not in checked.stderr

    usage = run_spm("run", "plan.spm", "--out", "out2", cwd=workdir)
    assert usage.returncode == 2
    assert "Missing option '--roster'" in usage.stderr
    assert not (workdir / "out2").exists()
