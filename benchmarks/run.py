"""Benchmark `spm run` on generated ledgers and print the results as markdown tables.

For each size the script generates the ledger and roster once into
``benchmarks/data/`` and reuses them on later runs. It then runs ``spm run``
for one quarter in a fresh subprocess and records wall time, ledger rows per
second and the child's peak resident memory. The memory is ``ru_maxrss``
from ``os.wait4`` for that child alone, not for earlier runs. A second fresh
subprocess runs ``benchmarks/stages.py`` to time each stage of the same run.
With ``--repeat N`` each size runs N times and the tables show the fastest
run, which is the one least slowed by other work on the machine.

Usage: python benchmarks/run.py [--sizes 100000,1000000] [--payees 1000] [--repeat N]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (the generator sits next to this script)

PLAN = HERE / "plan.spm"
DATA = HERE / "data"
COMPLETE_MARKER = ".complete"
POLL_SECONDS = 0.2
STAGES = ("compile", "load", "credit", "evaluate", "build", "write")


@dataclass
class Measurement:
    seconds: float
    peak_rss_kib: int
    exit_code: int | None  # None when the run was stopped at the timeout
    stdout: str
    stderr: str


def dataset(deals: int, payees: int, seed: int) -> tuple[Path, Path]:
    """Return the ledger and roster paths for a size, generating them on first use."""
    folder = DATA / f"deals-{deals}_payees-{payees}_seed-{seed}"
    if not (folder / COMPLETE_MARKER).exists():
        print(f"generating {deals:,} deals for {payees:,} payees into {folder} ...", file=sys.stderr)
        generate.generate(deals, payees, seed, folder)
        (folder / COMPLETE_MARKER).write_text("")
    return folder / "deals.csv", folder / "roster.csv"


def peak_rss_from_proc(pid: int) -> int:
    """Read the peak resident set size (VmHWM, KiB) of a live process, or 0 if unavailable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(command: list[str], timeout: float, log_dir: Path) -> Measurement:
    """Run ``command`` in a fresh process, killing it after ``timeout`` seconds, and measure it."""
    log_dir.mkdir(parents=True, exist_ok=True)
    stdout_path = log_dir / "stdout.txt"
    stderr_path = log_dir / "stderr.txt"
    with stdout_path.open("w") as stdout, stderr_path.open("w") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr)
        exit_code: int | None = None
        peak = 0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid != 0:
                elapsed = time.perf_counter() - started
                exit_code = os.waitstatus_to_exitcode(status)
                peak = max(peak, usage.ru_maxrss)
                break
            elapsed = time.perf_counter() - started
            if elapsed > timeout:
                peak = max(peak, peak_rss_from_proc(process.pid))
                process.send_signal(signal.SIGKILL)
                _, _, usage = os.wait4(process.pid, 0)
                peak = max(peak, usage.ru_maxrss)
                break
            peak = max(peak, peak_rss_from_proc(process.pid))
            time.sleep(POLL_SECONDS)
        # os.wait4 reaped the child, so tell Popen not to wait for it again.
        process.returncode = exit_code if exit_code is not None else -signal.SIGKILL
    return Measurement(elapsed, peak, exit_code, stdout_path.read_text(), stderr_path.read_text())


def spm_command() -> list[str]:
    spm = Path(sys.executable).with_name("spm")
    if spm.exists():
        return [str(spm)]
    found = shutil.which("spm")
    if found is None:
        raise SystemExit("the spm command was not found; install the package with `pip install -e .`")
    return [found]


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def credited_rows(out: Path) -> int | None:
    manifest = out / "manifest.json"
    if not manifest.exists():
        return None
    return json.loads(manifest.read_text())["reconciliation"]["credited"]["rows"]


def fastest(measurements: list[Measurement]) -> Measurement:
    """Return the fastest successful run, or the first failed one, with the max peak memory of all runs."""
    failed = [m for m in measurements if m.exit_code != 0]
    chosen = failed[0] if failed else min(measurements, key=lambda m: m.seconds)
    chosen.peak_rss_kib = max(m.peak_rss_kib for m in measurements)
    return chosen


def run_size(deals: int, args: argparse.Namespace) -> dict[str, object]:
    ledger, roster = dataset(deals, args.payees, args.seed)
    work = DATA / "runs" / f"deals-{deals}"
    shutil.rmtree(work, ignore_errors=True)
    out = work / "out"
    common = ["--ledger", str(ledger), "--roster", str(roster), "--period", args.period]
    result: dict[str, object] = {"deals": deals, "payees": args.payees}

    runs: list[Measurement] = []
    for attempt in range(1, args.repeat + 1):
        print(f"spm run: {deals:,} deals, run {attempt} of {args.repeat} ...", file=sys.stderr)
        command = spm_command() + ["run", str(PLAN), *common, "--out", str(out), "--format", args.format]
        runs.append(measure(command, args.timeout, work / f"spm-run-{attempt}"))
        print(f"  {runs[-1].seconds:.1f} s, exit code {runs[-1].exit_code}", file=sys.stderr)
        if runs[-1].exit_code != 0:
            break
    run = fastest(runs)
    result["run"] = run
    result["all_seconds"] = [m.seconds for m in runs]
    result["credited_rows"] = credited_rows(out)
    result["output_bytes"] = folder_size(out) if out.exists() else 0
    if run.exit_code != 0:
        return result

    if args.stages:
        stage_runs: list[dict[str, float]] = []
        for attempt in range(1, args.repeat + 1):
            print(f"stages: {deals:,} deals, run {attempt} of {args.repeat} ...", file=sys.stderr)
            command = [sys.executable, str(HERE / "stages.py"), str(PLAN), *common,
                       "--out", str(work / "stages-out"), "--format", args.format]
            stages = measure(command, args.timeout, work / f"stages-{attempt}")
            if stages.exit_code != 0:
                result["stages_failed"] = stages
                break
            stage_runs.append(json.loads(stages.stdout.strip().splitlines()[-1])["seconds"])
        if stage_runs:
            # The fastest time of each stage separately, as with the whole runs.
            result["stage_seconds"] = {stage: min(r[stage] for r in stage_runs) for stage in STAGES}
    if not args.keep_output:
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(work / "stages-out", ignore_errors=True)
    return result


def describe_run(run: Measurement, timeout: float) -> str:
    if run.exit_code is None:
        return f"stopped at the {timeout:g} s timeout"
    if run.exit_code != 0:
        return f"failed with exit code {run.exit_code}"
    return "ok"


def machine_lines() -> list[str]:
    """Describe the CPU, memory, Python version and date."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return [
        f"- CPU: {cpu}, {os.cpu_count()} logical cores",
        f"- RAM: {memory}",
        f"- Python: {platform.python_version()} ({platform.python_implementation()}) on {platform.system()}",
        f"- Date: {datetime.date.today().isoformat()}",
    ]


def cpu_times() -> list[int]:
    """Read the machine-wide CPU time counters from /proc/stat, or an empty list where there is none."""
    try:
        with open("/proc/stat") as handle:
            return [int(field) for field in handle.readline().split()[1:]]
    except (OSError, ValueError):
        return []


def steal_share(before: list[int], after: list[int]) -> str:
    """Return the share of CPU time taken by the hypervisor (steal) between two readings."""
    steal_field = 7  # user, nice, system, idle, iowait, irq, softirq, steal, ...
    if len(before) <= steal_field or len(after) <= steal_field:
        return "unknown"
    total = sum(after) - sum(before)
    steal = after[steal_field] - before[steal_field]
    return f"{100 * steal / total:.1f}%" if total else "unknown"


def code_version() -> str:
    """Describe the checked-out commit, and whether the engine has uncommitted changes."""
    repository = HERE.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=repository, capture_output=True,
                                text=True, check=True).stdout.strip()
        changes = subprocess.run(["git", "status", "--porcelain", "--", "spmlang"], cwd=repository,
                                 capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"commit {commit}" + (" with uncommitted changes under spmlang/" if changes else "")


def report(results: list[dict[str, object]], args: argparse.Namespace, load_before: tuple[float, ...],
           code_before: str, cpu_before: list[int]) -> str:
    load_after = os.getloadavg()
    steal = steal_share(cpu_before, cpu_times())
    code_after = code_version()
    code = code_before if code_after == code_before else f"{code_before} at the start, {code_after} at the end"
    lines = ["## Machine", "", *machine_lines(), f"- Code: {code}",
             "- Load average (1, 5, 15 min) before the runs: " + ", ".join(f"{x:.2f}" for x in load_before)
             + "; after: " + ", ".join(f"{x:.2f}" for x in load_after),
             f"- CPU time stolen by the hypervisor during the runs: {steal}", "", "## spm run, one quarter", "",
             "| deals | payees | credited rows | result | wall time (s) | ledger rows/s | median (s) "
             "| peak RSS (MiB) | output (MiB) | all runs (s) |",
             "|---:|---:|---:|---|---:|---:|---:|---:|---:|---|"]
    for result in results:
        run: Measurement = result["run"]
        credited = result["credited_rows"]
        cells = [
            f"{result['deals']:,}",
            f"{result['payees']:,}",
            f"{credited:,}" if credited is not None else "n/a",
            describe_run(run, args.timeout),
            f"{run.seconds:.1f}",
            f"{result['deals'] / run.seconds:,.0f}" if run.exit_code == 0 else "n/a",
            f"{statistics.median(result['all_seconds']):.1f}",
            f"{run.peak_rss_kib / 1024:,.0f}",
            f"{result['output_bytes'] / 1024 / 1024:,.1f}",
            ", ".join(f"{seconds:.1f}" for seconds in result["all_seconds"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    staged = [r for r in results if "stage_seconds" in r]
    if staged:
        lines += ["", "## Stages, seconds (in-process harness, benchmarks/stages.py)", "",
                  "| deals | " + " | ".join(STAGES) + " | sum |",
                  "|---:|" + "---:|" * (len(STAGES) + 1)]
        for result in staged:
            seconds = result["stage_seconds"]
            cells = " | ".join(f"{seconds[stage]:.2f}" for stage in STAGES)
            lines.append(f"| {result['deals']:,} | {cells} | {sum(seconds.values()):.2f} |")
    failed = [r for r in results if r["run"].exit_code not in (0, None)]
    for result in failed:
        lines += ["", f"spm run with {result['deals']:,} deals failed; its error output ends with:", "",
                  "```", *result["run"].stderr.strip().splitlines()[-10:], "```"]
    return "\n".join(lines) + "\n"


def sizes(text: str) -> list[int]:
    return [generate.positive_int(part) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    load_before = os.getloadavg()
    code_before = code_version()
    cpu_before = cpu_times()
    parser = argparse.ArgumentParser(description="Benchmark `spm run` on generated ledgers.")
    parser.add_argument("--sizes", type=sizes, default=sizes("100000,1000000"),
                        help="comma-separated ledger sizes in deals (default 100000,1000000)")
    parser.add_argument("--payees", type=generate.positive_int, default=1000, help="payees on the roster")
    parser.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    parser.add_argument("--period", default="2027-Q1", help="quarter to run (default 2027-Q1)")
    parser.add_argument("--format", default="json,csv,text", help="spm run --format (default json,csv,text)")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="seconds after which a run is stopped and reported as such (default 1800)")
    parser.add_argument("--repeat", type=generate.positive_int, default=1,
                        help="runs per size; the tables show the fastest (default 1)")
    parser.add_argument("--no-stages", dest="stages", action="store_false",
                        help="skip the separate per-stage timing run")
    parser.add_argument("--keep-output", action="store_true", help="keep the statements under benchmarks/data/runs")
    args = parser.parse_args(argv)

    results = [run_size(deals, args) for deals in args.sizes]
    command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    print(f"Command: `{command.strip()}`\n")
    print(report(results, args, load_before, code_before, cpu_before))
    return 0 if all(r["run"].exit_code == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
