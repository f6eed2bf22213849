"""Broken plans, ledgers and rosters through the ``spm`` command in a subprocess.

Every case runs from ``tests/corpus`` with paths relative to it, so messages
name files as ``plans/...`` and ``inputs/...``. A broken case must exit with 1
(2 for wrong usage), name the file and, where one applies, the line or row,
print no Python traceback, and leave no output folder behind. The files saved
with a byte order mark and CRLF line endings must run.

Starting ``spm`` costs most of a second (imports and building the parser), so
one driver process, this file run as a script, imports the command once and
forks one child process per case. Each child runs the same entry point as
the ``spm`` script, ``spmlang.cli:main``, with its stdout and stderr in files
and its own exit code. ``tests/test_cli.py`` starts the real script.

Worked payouts of the cases that run (5% of bookings, and a bonus of
quota x 1% x the rating's factor):

    inputs/*_bom_crlf.csv with plan.spm:
        R1: commission 1,000.00 x 5% = 50.00; bonus 10,000.00 x 1% x 100% = 100.00
        R2: commission 2,000.00 x 5% = 100.00; bonus 20,000.00 x 1% x 150% = 300.00
    plans/bom_crlf.spm (marginal 5% up to quota) with deals.csv:
        R1: 1,000.00 / 10,000.00 = 10% of quota, all in the 5% band: 50.00
        R2: 2,000.00 / 20,000.00 = 10% of quota: 2,000.00 x 5% = 100.00
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent / "corpus"
SPM = Path(sys.executable).parent / "spm"


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]  # spm arguments relative to CORPUS, without --out
    exit_code: int
    expected: tuple[str, ...]  # text the output must contain: the file, and the line or row
    payouts: tuple[str, ...] = ()  # expected payouts.csv rows as "payee,line,amount", for runs that work


def run_args(plan: str = "plan.spm", ledger: str = "deals.csv", roster: str = "roster.csv") -> tuple[str, ...]:
    return ("run", plan, "--ledger", ledger, "--roster", roster, "--period", "2027-Q1", "--format", "csv")


def plan_case(name: str, *expected: str, exit_code: int = 1, payouts: tuple[str, ...] = ()) -> Case:
    return Case(f"plan-{name}", run_args(plan=f"plans/{name}.spm"), exit_code, expected, payouts)


def ledger_case(name: str, *expected: str, exit_code: int = 1, payouts: tuple[str, ...] = ()) -> Case:
    return Case(name, run_args(ledger=f"inputs/{name}.csv"), exit_code, expected, payouts)


def roster_case(name: str, *expected: str, exit_code: int = 1, payouts: tuple[str, ...] = ()) -> Case:
    return Case(name, run_args(roster=f"inputs/{name}.csv"), exit_code, expected, payouts)


CORPUS_PLAN_PAYOUTS = ("R1,commission,50.00", "R1,bonus,100.00", "R2,commission,100.00", "R2,bonus,300.00")

CASES = [
    # Plans: the location is file:line:column of the first character at fault.
    plan_case("missing_arrow", "plans/missing_arrow.spm:27:18: error[E001]: syntax error: unexpected `5%`"),
    plan_case("comma_number", "plans/comma_number.spm:27:15: error[E001]: syntax error: unexpected `,`"),
    plan_case("dollar_amount", "plans/dollar_amount.spm:32:7: error[E001]: syntax error: unexpected character `$`"),
    plan_case("single_quotes", "plans/single_quotes.spm:13:11: error[E001]: syntax error: unexpected character `'`"),
    plan_case("ends_mid_statement", "plans/ends_mid_statement.spm:31:33: error[E001]: syntax error: unexpected end"),
    plan_case("bad_date", "plans/bad_date.spm:3:30: error[E002]: `2027-02-30` is not a valid date"),
    plan_case("undefined_name", "plans/undefined_name.spm:24:18: error[E101]: `booking` is not defined",
              "= help: did you mean `bookings`?"),
    plan_case("unit_mismatch", "plans/unit_mismatch.spm:24:19: error[E200]"),
    plan_case("band_gap", "plans/band_gap.spm:28:3: error[E302]"),
    plan_case("cycle", "plans/cycle.spm:24:5: error[E320]"),
    plan_case("no_component", "plans/no_component.spm:1:1: error[E340]"),
    plan_case("not_utf8", "plans/not_utf8.spm:30: the plan is not UTF-8 text (byte 0xe9)"),
    plan_case("empty", "plans/empty.spm:1:1: error[E110]: the plan has no `plan` line"),
    plan_case("bom_crlf", exit_code=0, payouts=("R1,commission,50.00", "R2,commission,100.00")),
    Case("plan-missing", run_args(plan="plans/no_such_plan.spm"), 1,
         ("plans/no_such_plan.spm: plan file not found",)),
    Case("plan-folder", run_args(plan="inputs/folder"), 2, ("'inputs/folder' is a directory",)),
    # Ledgers: rows are counted as file lines, with the header on line 1.
    ledger_case("ledger_bad_date", 'ledger "inputs/ledger_bad_date.csv"', "row 3, column close_date: '2027-02-30'"),
    ledger_case("ledger_bad_amount", 'ledger "inputs/ledger_bad_amount.csv"', "row 4, column amount: '12abc'"),
    ledger_case("ledger_missing_column", 'ledger "inputs/ledger_missing_column.csv"',
                'column "amount" (field "amount", plan line 11)', "is missing from the header"),
    ledger_case("ledger_empty", 'ledger "inputs/ledger_empty.csv": the file is empty'),
    ledger_case("ledger_header_only", 'ledger "inputs/ledger_header_only.csv"'),
    ledger_case("ledger_not_utf8", 'ledger "inputs/ledger_not_utf8.csv" line 3: byte 0xE9'),
    ledger_case("ledger_duplicate_id", 'ledger "inputs/ledger_duplicate_id.csv"',
                "row 3, column deal_id: 'D1': duplicate id D1, first seen at row 2"),
    ledger_case("ledger_unknown_payee", 'ledger "inputs/ledger_unknown_payee.csv"',
                "row 3, column rep: 'R7': payee R7 is not on the roster"),
    ledger_case("ledger_blank_payee", 'ledger "inputs/ledger_blank_payee.csv"', "row 3, column rep: '': missing value"),
    ledger_case("ledger_long_row", 'ledger "inputs/ledger_long_row.csv"', "row 3, column (row)",
                "row has 5 cells, header has 4"),
    ledger_case("ledger_short_row", 'ledger "inputs/ledger_short_row.csv"', "row 3, column (row)",
                "row has 3 cells, header has 4"),
    ledger_case("ledger_unclosed_quote", 'ledger "inputs/ledger_unclosed_quote.csv" line 3',
                "never closed"),
    ledger_case("ledger_utf16", 'ledger "inputs/ledger_utf16.csv": the file is UTF-16 encoded'),
    ledger_case("ledger_bom_crlf", exit_code=0, payouts=CORPUS_PLAN_PAYOUTS),
    Case("ledger-missing", run_args(ledger="inputs/no_such_ledger.csv"), 1,
         ('ledger "inputs/no_such_ledger.csv": file not found',)),
    Case("ledger-folder", run_args(ledger="inputs/folder"), 1, ('ledger "inputs/folder": is a directory',)),
    # Rosters
    roster_case("roster_bad_rating", 'roster "inputs/roster_bad_rating.csv"',
                "row 3 (payee R2), column rating: '7': rating \"7\" is not on the scale 1, 2, 3"),
    roster_case("roster_duplicate_payee", 'roster "inputs/roster_duplicate_payee.csv" row 4',
                "payee R1 is listed twice (first at row 2)"),
    roster_case("roster_header_only", 'roster "inputs/roster_header_only.csv" lists no payees'),
    roster_case("roster_blank_id", 'roster "inputs/roster_blank_id.csv"', "row 3, column rep: '': missing value"),
    roster_case("roster_bad_amount", 'roster "inputs/roster_bad_amount.csv"', "row 3 (payee R2), column quota: 'twenty'"),
    roster_case("roster_missing_column", 'roster "inputs/roster_missing_column.csv"', 'column "quota"'),
    roster_case("roster_bom_crlf", exit_code=0, payouts=CORPUS_PLAN_PAYOUTS),
    Case("roster-missing", run_args(roster="inputs/no_such_roster.csv"), 1,
         ('roster "inputs/no_such_roster.csv": file not found',)),
    Case("roster-folder", run_args(roster="inputs/folder"), 1, ('roster "inputs/folder": is a directory',)),
]


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    out_parent: Path  # the folder that contains --out; a failed run must leave it empty


def run_child(main, args: list[str], stdout: str, stderr: str) -> None:
    """Run one command in a forked child with its output in files, then exit the child."""
    for fd, path in ((1, stdout), (2, stderr)):
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(target, fd)
        os.close(target)
    code = 1
    try:
        main(args, prog_name="spm")
        code = 0
    except SystemExit as exit:
        if isinstance(exit.code, int) or exit.code is None:
            code = exit.code or 0
        else:
            print(exit.code, file=sys.stderr)
    except BaseException:
        # What the interpreter prints for an exception that escapes the command.
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def drive(jobs_file: str) -> None:
    """Run every job of ``jobs_file`` in its own forked child; print the exit codes as JSON."""
    from spmlang.cli import main
    from spmlang.grammar import parse_plan

    parse_plan("", "warm-up")  # build the parser once, before forking
    jobs = json.loads(Path(jobs_file).read_text(encoding="utf-8"))
    os.chdir(CORPUS)
    codes = []
    for job in jobs:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            run_child(main, job["args"], job["stdout"], job["stderr"])
        _, status = os.waitpid(pid, 0)
        codes.append(os.waitstatus_to_exitcode(status))
    print(json.dumps(codes))


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory) -> dict[str, Outcome]:
    if not hasattr(os, "fork"):
        pytest.skip("the driver needs os.fork")
    root = tmp_path_factory.mktemp("broken")
    jobs = []
    for case in CASES:
        folder = root / case.name
        (folder / "out_parent").mkdir(parents=True)
        jobs.append({
            "args": [*case.args, "--out", str(folder / "out_parent" / "out")],
            "stdout": str(folder / "stdout.txt"),
            "stderr": str(folder / "stderr.txt"),
        })
    jobs_file = root / "jobs.json"
    jobs_file.write_text(json.dumps(jobs), encoding="utf-8")
    driver = subprocess.run([sys.executable, __file__, str(jobs_file)], capture_output=True, text=True, timeout=300)
    assert driver.returncode == 0, driver.stderr
    codes = json.loads(driver.stdout)

    results = {}
    for case, job, code in zip(CASES, jobs, codes):
        results[case.name] = Outcome(
            code,
            Path(job["stdout"]).read_text(encoding="utf-8"),
            Path(job["stderr"]).read_text(encoding="utf-8"),
            root / case.name / "out_parent",
        )
    return results


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_broken_input(case: Case, outcomes: dict[str, Outcome]):
    outcome = outcomes[case.name]
    output = outcome.stdout + outcome.stderr

    assert "Traceback" not in output
    assert outcome.returncode == case.exit_code, output
    for fragment in case.expected:
        assert fragment in output

    if case.exit_code == 0:
        rows = (outcome.out_parent / "out" / "payouts.csv").read_text(encoding="utf-8").splitlines()[1:]
        cells = [row.split(",") for row in rows]
        assert [f"{c[0]},{c[4]},{c[7]}" for c in cells] == list(case.payouts)
    else:
        assert list(outcome.out_parent.iterdir()) == []


def test_plan_errors_end_with_summary(outcomes: dict[str, Outcome]):
    stderr = outcomes["plan-undefined_name"].stderr
    assert stderr.splitlines()[-1] == "error: plans/undefined_name.spm has errors; no statements were written"


def test_bad_rows_message_says_how_to_continue(outcomes: dict[str, Outcome]):
    lines = outcomes["ledger_bad_date"].stderr.splitlines()
    assert lines[0] == 'error: ledger "inputs/ledger_bad_date.csv" has bad rows; no statements were written'
    assert lines[-1] == "fix the rows, or give --rejects FILE to run the good rows and write the bad ones there"


def test_missing_column_message_reads_in_order(outcomes: dict[str, Outcome]):
    # The sentence names the column and states that it is missing before any suggestion.
    stderr = outcomes["ledger_missing_column"].stderr
    assert 'column "amount" (field "amount", plan line 11) is missing from the header' in stderr
    assert 'The header has: "deal_id", "rep", "close_date", "amount_usd".' in stderr


def test_every_corpus_file_has_a_case():
    used = {arg for case in CASES for arg in case.args}
    files = sorted(
        str(path.relative_to(CORPUS))
        for folder in ("plans", "inputs")
        for path in (CORPUS / folder).iterdir()
    )
    assert [name for name in files if name not in used] == []


if __name__ == "__main__":
    drive(sys.argv[1])
