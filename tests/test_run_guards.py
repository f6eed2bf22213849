"""Guards of `spm run` around its inputs and outputs."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from spmlang.cli import main

PLAN = """\
plan "Guards" version "1"
effective 2027-01-01 through 2027-12-31
period quarter
currency USD

ledger deals
  id     from deal_id
  payee  from rep
  date   from closed : date
  amount : money

roster
  id    from rep
  quota : money

param rate = 10%

measure bookings = sum deals.amount

component commission
  pay rate applied to bookings
"""

ROSTER = "rep,quota\nR1,1000\nWest R1,1000\nWest_R1,1000\n"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "plan.spm").write_text(PLAN, encoding="utf-8")
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    return tmp_path


def write_ledger(workdir: Path, rows: str) -> Path:
    path = workdir / "deals.csv"
    path.write_text("deal_id,rep,closed,amount\n" + rows, encoding="utf-8")
    return path


def run(workdir: Path, *extra: str):
    args = ["run", str(workdir / "plan.spm"), "--ledger", str(workdir / "deals.csv"),
            "--roster", str(workdir / "roster.csv"), "--period", "2027-Q1", "--out", str(workdir / "out"), *extra]
    return CliRunner().invoke(main, args)


def test_rejects_may_not_overwrite_ledger(workdir):
    ledger = write_ledger(workdir, "D1,R1,2027-01-05,100\n")
    before = ledger.read_bytes()
    result = run(workdir, "--rejects", str(ledger))
    assert result.exit_code == 2
    assert "is the same file as --ledger" in result.stderr
    assert ledger.read_bytes() == before


def test_rejects_may_not_sit_inside_out(workdir):
    write_ledger(workdir, "D1,R1,2027-01-05,100\n")
    result = run(workdir, "--rejects", str(workdir / "out" / "rejects.csv"))
    assert result.exit_code == 2
    assert "inside --out" in result.stderr


def test_foreign_currency_cell_rejected(workdir):
    write_ledger(workdir, "D1,R1,2027-01-05,100 EUR\nD2,R1,2027-01-06,€50\nD3,R1,2027-01-07,$20\n")
    result = run(workdir, "--rejects", str(workdir / "rejects.csv"))
    assert result.exit_code == 0, result.stderr
    rejects = (workdir / "rejects.csv").read_text(encoding="utf-8")
    assert rejects.splitlines()[0] == "row,column,value,reason,deal_id,rep,closed,amount"
    assert "2,amount,100 EUR,\"currency" in rejects
    assert rejects.splitlines()[1].endswith(",D1,R1,2027-01-05,100 EUR")
    assert "3,amount,€50" in rejects
    statement = json.loads(next((workdir / "out" / "statements").glob("R1_2027-Q1.json")).read_text())
    # Only the $20 deal is credited: 20 x 10% = 2.00.
    assert statement["total"] == "2.00"


def test_rejected_row_amount_reconciled(workdir):
    # Row 3 has an impossible date but a readable amount of 80: read = 100 + 80 = 180.
    write_ledger(workdir, "D1,R1,2027-01-05,100\nD2,R1,2027-02-30,80\n")
    result = run(workdir, "--rejects", str(workdir / "rejects.csv"))
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((workdir / "out" / "manifest.json").read_text())
    recon = manifest["reconciliation"]
    assert recon["read"] == {"rows": 2, "amount": "180"}
    assert recon["credited"] == {"rows": 1, "amount": "100"}
    assert sum(int(b["rows"]) for b in recon["rejected"].values()) == 1
    assert [b["amount"] for b in recon["rejected"].values()] == ["80"]
    assert recon["balanced"] is True


def test_percent_param_needs_sign(workdir):
    write_ledger(workdir, "D1,R1,2027-01-05,100\n")
    result = run(workdir, "--param", "rate=30")
    assert result.exit_code == 2
    assert "rate=30%" in result.stderr


def test_param_override_recorded(workdir):
    write_ledger(workdir, "D1,R1,2027-01-05,100\n")
    result = run(workdir, "--param", "rate=30%")
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((workdir / "out" / "manifest.json").read_text())
    assert manifest["parameter_overrides"] == {"rate": "30%"}
    statement = json.loads((workdir / "out" / "statements" / "R1_2027-Q1.json").read_text())
    assert statement["overrides"] == {"rate": "0.30"}
    # 100 x 30% = 30.00
    assert statement["total"] == "30.00"
    text = (workdir / "out" / "statements" / "R1_2027-Q1.txt").read_text()
    assert "parameter rate overridden for this run: 0.30" in text


def test_file_names_unique_per_payee(workdir):
    write_ledger(workdir, "D1,R1,2027-01-05,100\n")
    result = run(workdir)
    assert result.exit_code == 0, result.stderr
    names = sorted(p.name for p in (workdir / "out" / "statements").glob("*.json"))
    assert len(names) == 3
    assert "West_R1_2027-Q1.json" in names  # an id that is already a safe name keeps it
    payees = {json.loads((workdir / "out" / "statements" / n).read_text())["payee"]: n for n in names}
    assert payees["West_R1"] == "West_R1_2027-Q1.json"
    assert payees["West R1"].startswith("West_R1-")


def test_out_with_foreign_file_kept(workdir):
    write_ledger(workdir, "D1,R1,2027-01-05,100\n")
    assert run(workdir).exit_code == 0
    notes = workdir / "out" / "my-notes.txt"
    notes.write_text("keep me", encoding="utf-8")
    result = run(workdir)
    assert result.exit_code == 1
    assert "my-notes.txt" in result.stderr
    assert notes.read_text(encoding="utf-8") == "keep me"


def test_rerun_replaces_own_output(workdir):
    write_ledger(workdir, "D1,R1,2027-01-05,100\n")
    assert run(workdir).exit_code == 0
    write_ledger(workdir, "D1,R1,2027-01-05,200\n")
    assert run(workdir).exit_code == 0
    statement = json.loads((workdir / "out" / "statements" / "R1_2027-Q1.json").read_text())
    # 200 x 10% = 20.00
    assert statement["total"] == "20.00"


def test_percent_param_hint_for_fraction(workdir):
    # 0.07 as a fraction is 7%, so the hint must not suggest 0.07%.
    write_ledger(workdir, "D1,R1,2027-01-05,100\n")
    result = run(workdir, "--param", "rate=0.07")
    assert result.exit_code == 2
    assert "e.g. rate=7%" in result.stderr


def test_money_param_in_plan_syntax(workdir):
    plan = PLAN.replace("param rate = 10%\n", "param rate = 10%\nparam bonus = 5 USD\n").replace(
        "  pay rate applied to bookings", "  pay rate applied to bookings\ncomponent extra\n  pay bonus")
    (workdir / "plan.spm").write_text(plan, encoding="utf-8")
    write_ledger(workdir, "D1,R1,2027-01-05,100\n")
    result = run(workdir, "--param", "bonus=1_000 USD")
    assert result.exit_code == 0, result.stderr
    statement = json.loads((workdir / "out" / "statements" / "R1_2027-Q1.json").read_text())
    # 100 x 10% + 1,000 = 1,010.00
    assert statement["total"] == "1010.00"


def test_money_param_other_currency_rejected(workdir):
    plan = PLAN.replace("param rate = 10%\n", "param rate = 10%\nparam bonus = 5 USD\n")
    (workdir / "plan.spm").write_text(plan, encoding="utf-8")
    write_ledger(workdir, "D1,R1,2027-01-05,100\n")
    result = run(workdir, "--param", "bonus=1000 EUR")
    assert result.exit_code == 2
    assert "is not the plan's currency USD" in result.stderr


def test_rejects_into_folder_refused(workdir):
    write_ledger(workdir, "D1,R1,2027-01-05,100\n")
    (workdir / "somewhere").mkdir()
    result = run(workdir, "--rejects", str(workdir / "somewhere"))
    assert result.exit_code == 2
    assert "is a folder" in result.stderr


def test_rejects_over_unrelated_file_refused(workdir):
    write_ledger(workdir, "D1,R1,2027-01-05,100\n")
    notes = workdir / "notes.csv"
    notes.write_text("my,own,data\n", encoding="utf-8")
    result = run(workdir, "--rejects", str(notes))
    assert result.exit_code == 2
    assert notes.read_text(encoding="utf-8") == "my,own,data\n"


def test_rejects_file_replaced_on_rerun(workdir):
    write_ledger(workdir, "D1,R1,2027-01-05,100\nD2,R1,2027-01-05,abc\n")
    rejects = workdir / "rejects.csv"
    assert run(workdir, "--rejects", str(rejects)).exit_code == 0
    assert run(workdir, "--rejects", str(rejects)).exit_code == 0
    assert len(rejects.read_text(encoding="utf-8").splitlines()) == 2


def test_empty_ledger_needs_flag(workdir):
    write_ledger(workdir, "")
    refused = run(workdir)
    assert refused.exit_code == 1
    assert "--allow-empty-ledger" in refused.stderr
    allowed = run(workdir, "--allow-empty-ledger")
    assert allowed.exit_code == 0, allowed.stderr
    statement = json.loads((workdir / "out" / "statements" / "R1_2027-Q1.json").read_text())
    assert statement["total"] == "0.00"


def test_manifest_hashes_every_file(workdir):
    import hashlib

    write_ledger(workdir, "D1,R1,2027-01-05,100\n")
    assert run(workdir).exit_code == 0
    out = workdir / "out"
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["file_sha256"]) == set(manifest["files"])
    for name, digest in manifest["file_sha256"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
