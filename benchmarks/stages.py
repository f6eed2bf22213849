"""Time the stages of one plan run in this process and print the times as JSON.

The stages follow ``spmlang.runner.evaluate_run`` and ``write_outputs`` step
by step: compile the plan, load the roster and ledger, credit the ledger,
evaluate every payee, build the statements and write the output files.
NOTE: this harness repeats the runner's steps instead of calling it, so a
change to the runner's pipeline needs the same change here.

Usage: python benchmarks/stages.py PLAN --ledger F --roster F --period 2027-Q1 --out DIR
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

from spmlang.compiler import compile_file
from spmlang.money import decimal_context
from spmlang.runner import RunOptions, RunResult, field_spec, load_roster, select_periods, write_outputs
from spmlang.runtime.crediting import credit
from spmlang.runtime.evaluate import PayeeEvaluator
from spmlang.runtime.inputs import load_table
from spmlang.statements.build import build_statement
from spmlang.statements.models import InputFile


def time_stages(options: RunOptions) -> dict[str, object]:
    """Run the pipeline once and return seconds per stage with row and statement counts."""
    seconds: dict[str, float] = {}

    started = time.perf_counter()
    compiled = compile_file(options.plan)
    if not compiled.ok:
        raise SystemExit(f"{options.plan}: the plan has errors; run `spm check {options.plan}`")
    plan = compiled.plan
    seconds["compile"] = time.perf_counter() - started

    started = time.perf_counter()
    periods = select_periods(plan, options)
    roster_table, payees = load_roster(plan, options.roster)
    ledger_fields = [field_spec(f, plan) for f in plan.ledger.fields]
    ledger_table = load_table(options.ledger, ledger_fields, role="ledger")
    seconds["load"] = time.perf_counter() - started

    started = time.perf_counter()
    with decimal_context():
        credited = credit(plan, ledger_table, set(payees), periods, {})
    seconds["credit"] = time.perf_counter() - started

    inputs = [
        InputFile(role="plan", path=options.plan, sha256=plan.sha256),
        InputFile(role="ledger", path=options.ledger, sha256=ledger_table.sha256),
        InputFile(role="roster", path=options.roster, sha256=roster_table.sha256),
    ]
    evaluate_seconds = 0.0
    build_seconds = 0.0
    statements = []
    with decimal_context():
        for payee in sorted(payees):
            attributes = payees[payee]
            for period in periods:
                credits = credited.credits.get((payee, period.label), [])
                started = time.perf_counter()
                result = PayeeEvaluator(plan, payee, attributes, credits, period.label).run()
                evaluate_seconds += time.perf_counter() - started
                started = time.perf_counter()
                statements.append(build_statement(plan, options.plan, inputs, payee, attributes, period,
                                                  credits, result))
                build_seconds += time.perf_counter() - started
    seconds["evaluate"] = evaluate_seconds
    seconds["build"] = build_seconds

    started = time.perf_counter()
    result = RunResult(statements, credited.reconciliation, credited.rejections, options.out)
    write_outputs(result, options, plan)
    seconds["write"] = time.perf_counter() - started

    return {
        "seconds": seconds,
        "ledger_rows": credited.reconciliation.read.rows,
        "credited_rows": credited.reconciliation.credited.rows,
        "statements": len(statements),
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the stages of one plan run.")
    parser.add_argument("plan")
    parser.add_argument("--ledger", required=True)
    parser.add_argument("--roster", required=True)
    parser.add_argument("--period", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--format", default="json,csv,text", help="comma-separated output formats")
    args = parser.parse_args(argv)
    options = RunOptions(plan=args.plan, roster=args.roster, out=args.out, ledger=args.ledger,
                         period=args.period, formats=tuple(args.format.split(",")))
    print(json.dumps(time_stages(options)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
