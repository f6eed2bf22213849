"""Time the stages of one plan run in this process and print the times as JSON.

The run is ``spmlang.runner.run`` itself, with a stage hook that adds up the
seconds spent in each stage: compile, load, credit, evaluate, build, write.

Usage: python benchmarks/stages.py PLAN --ledger F --roster F --period 2027-Q1 --out DIR
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import sys
import time
from collections import defaultdict
from typing import Iterator

from spmlang.runner import RunOptions, run


def time_stages(options: RunOptions) -> dict[str, object]:
    """Run the pipeline once and return seconds per stage with row and statement counts."""
    seconds: dict[str, float] = defaultdict(float)

    @contextlib.contextmanager
    def stage(name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            seconds[name] += time.perf_counter() - started

    result = run(options, stage)
    recon = result.reconciliation
    return {
        "seconds": dict(seconds),
        "ledger_rows": recon.read.rows if recon else 0,
        "credited_rows": recon.credited.rows if recon else 0,
        "statements": len(result.statements),
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
