"""Run a plan over a ledger and a roster: the whole pipeline behind ``spm run``.

Output goes to a temporary folder next to ``--out`` and is moved into place
only when every statement was written, so a failed run leaves no partial set.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable, ContextManager

from spmlang import ir
from spmlang.compiler import compile_file
from spmlang.diagnostics import InputError, PlanError
from spmlang.money import decimal_context
from spmlang.runtime.crediting import CreditResult, Reconciliation, credit
from spmlang.runtime.evaluate import Credit, PayeeEvaluator
from spmlang.runtime.inputs import FieldSpec, Rejection, Table, load_table, parse_value
from spmlang.runtime.periods import Period, parse_period, periods_between
from spmlang.runtime.values import Value, value_text
from spmlang.statements.build import build_statement
from spmlang.statements.models import InputFile, Statement
from spmlang.statements.render_csv import payout_lines_csv
from spmlang.statements.render_json import statement_to_json
from spmlang.statements.render_text import statement_to_text

FORMATS = ("json", "csv", "text")
MANIFEST = "manifest.json"


class OptionError(InputError):
    """A command-line option that cannot be used with this plan, such as a bad period label."""


class RejectedRows(Exception):
    """The ledger has rows that could not be used and no rejects file was given."""

    def __init__(self, path: str, rejections: list[Rejection]):
        self.path = path
        self.rejections = rejections
        super().__init__(f"{path}: {len(rejections)} rejected cells")


@dataclass(frozen=True)
class RunOptions:
    plan: str
    roster: str
    out: str
    ledger: str | None = None
    period: str | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    formats: tuple[str, ...] = FORMATS
    rejects: str | None = None
    params: tuple[tuple[str, str], ...] = ()
    allow_empty_ledger: bool = False


@dataclass
class RunResult:
    statements: list[Statement]
    reconciliation: Reconciliation | None
    rejections: list[Rejection]
    out: str
    files: list[str] = field(default_factory=list)
    rejected_cells: dict[int, dict[str, str]] = field(default_factory=dict)
    ledger_columns: list[str] = field(default_factory=list)


def field_spec(decl: ir.FieldDecl, plan: ir.Plan) -> FieldSpec:
    ratings = tuple(e.key for e in plan.rubrics[decl.rubric].entries) if decl.rubric else ()
    return FieldSpec(
        name=decl.name, column=decl.column, type=decl.unit, optional=decl.optional,
        date_format=decl.date_format, decimal_comma=decl.decimal_comma, ratings=ratings, line=decl.span.line,
        currency=plan.currency if decl.unit == "money" else "", percent_form=decl.percent_form,
    )


def select_periods(plan: ir.Plan, options: RunOptions) -> list[Period]:
    if options.period and (options.date_from or options.date_to):
        raise InputError("give either --period or --from/--to, not both")
    if options.period:
        try:
            periods = [parse_period(options.period, plan.period)]
        except ValueError as err:
            raise OptionError(f"--period: {err}") from None
    elif options.date_from and options.date_to:
        if options.date_to < options.date_from:
            raise OptionError(f"--to {options.date_to} is before --from {options.date_from}; swap them")
        periods = periods_between(options.date_from, options.date_to, plan.period)
    else:
        raise InputError("say which period to run: --period (e.g. 2027-Q1) or --from DATE --to DATE")
    for period in periods:
        if (plan.effective_end and period.start > plan.effective_end) or (
                plan.effective_start and period.last_day < plan.effective_start):
            raise InputError(
                f"period {period.label} is outside the plan's effective dates "
                f"({plan.effective_start} through {plan.effective_end})")
    return periods


def parse_params(plan: ir.Plan, pairs: tuple[tuple[str, str], ...]) -> dict[str, Value]:
    values: dict[str, Value] = {}
    for name, text in pairs:
        decl = plan.params.get(name)
        if decl is None:
            known = ", ".join(plan.params) or "none"
            raise OptionError(f"--param {name}: the plan has no parameter `{name}` (parameters: {known})")
        unit = decl.value.unit
        spec_type = {"count": "number"}.get(unit, unit)
        if unit == "percent" and not text.rstrip().endswith("%"):
            # "30" could mean 30% or the fraction 30 (3000%); the % sign removes the doubt.
            raise OptionError(f"--param {name}={text}: `{name}` is a percentage; write it with a % sign, "
                              f"e.g. {name}={_as_percent_example(text)}")
        # The plan's own literal syntax groups digits with "_" (1_000 USD).
        cell = text.replace("_", "") if re.fullmatch(r"[\d_.,]+(\s*[A-Z]{3})?", text.strip()) else text
        spec = FieldSpec(name=name, column=name, type=spec_type,
                         currency=plan.currency if unit == "money" else "")
        try:
            values[name] = parse_value(cell, spec)
        except ValueError as err:
            raise OptionError(f"--param {name}={text}: {err}") from None
    return values


def _as_percent_example(text: str) -> str:
    """Suggest a percent for a bare number: 0.07 as 7%, 30 as 30%."""
    try:
        value = Decimal(text.strip())
    except ArithmeticError:
        return "12.5%"
    if abs(value) <= 1:
        sign, digits, exponent = value.as_tuple()
        return f"{Decimal((sign, digits, exponent + 2)).normalize():f}%"
    return f"{text.strip()}%"


def _payee_ids_by_row(plan: ir.Plan, path: str) -> dict[int, str]:
    """Read only the roster's id column, so messages about bad rows can name the payee."""
    id_field = plan.roster.field("id")
    if id_field is None:
        return {}
    spec = FieldSpec(name="id", column=id_field.column, type="text", optional=True)
    table = load_table(path, [spec], role="roster")
    return {row.number: str(row.values["id"]) for row in table.rows if row.values.get("id") is not None}


def load_roster(plan: ir.Plan, path: str) -> tuple[Table, dict[str, dict[str, Value]]]:
    fields = [field_spec(f, plan) for f in plan.roster.fields]
    table = load_table(path, fields, role="roster")
    if table.rejections:
        payee_of = _payee_ids_by_row(plan, path)
        lines = []
        for r in table.rejections:
            payee = f" (payee {payee_of[r.row]})" if payee_of.get(r.row) else ""
            lines.append(f"  row {r.row}{payee}, column {r.column or '(row)'}: {r.value!r}: {r.reason}")
        count = len(table.rejections)
        raise InputError(f'roster "{path}" has {count} bad {"cell" if count == 1 else "cells"}; '
                         "fix them and run again:\n" + "\n".join(lines))
    payees: dict[str, dict[str, Value]] = {}
    first: dict[str, int] = {}
    for row in table.rows:
        payee = row.values.get("id")
        if payee is None:
            raise InputError(f'roster "{path}" row {row.number}: missing payee id')
        payee = str(payee)
        if payee in payees:
            raise InputError(f'roster "{path}" row {row.number}: payee {payee} is listed twice '
                             f"(first at row {first[payee]}); keep one row per payee")
        first[payee] = row.number
        payees[payee] = dict(row.values)
    if not payees:
        raise InputError(f'roster "{path}" lists no payees')
    return table, payees


def _slug(text: str) -> str:
    """Return a file name for a payee id that depends only on the id itself.

    An id that is not already safe as a file name gets a short hash, so two
    ids that differ only in punctuation never share a file.
    """
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_.")
    if safe == text and safe:
        return safe
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return f"{safe or 'payee'}-{digest}"


# A stage hook takes a stage name ("load", "credit", "evaluate", "build", "write")
# and returns a context manager around that stage's work; benchmarks time with it.
StageHook = Callable[[str], ContextManager[object]]


def _no_stage(name: str) -> ContextManager[object]:
    return contextlib.nullcontext()


def evaluate_run(plan: ir.Plan, options: RunOptions, stage: StageHook = _no_stage) -> RunResult:
    """Load the inputs, credit the ledger, and evaluate one statement per payee and period."""
    periods = select_periods(plan, options)
    params = parse_params(plan, options.params)
    with stage("load"):
        roster_table, payees = load_roster(plan, options.roster)
    inputs = [InputFile(role="plan", path=options.plan, sha256=plan.sha256)]
    credited: CreditResult | None = None
    if plan.ledger is not None:
        if options.ledger is None:
            raise InputError(f"the plan reads ledger `{plan.ledger.name}`; give it with --ledger FILE")
        if plan.ledger.field("date") is None and len(periods) > 1:
            raise InputError(f"ledger `{plan.ledger.name}` has no date field, so a run covers one period; "
                             "use --period")
        with stage("load"):
            fields = [field_spec(f, plan) for f in plan.ledger.fields]
            ledger_table = load_table(options.ledger, fields, role="ledger")
        if ledger_table.read == 0 and not options.allow_empty_ledger:
            raise InputError(f'ledger "{options.ledger}" has a header but no rows; check that the export '
                             "is complete, or give --allow-empty-ledger for a period with no transactions")
        inputs.append(InputFile(role="ledger", path=options.ledger, sha256=ledger_table.sha256))
        with stage("credit"), decimal_context():
            credited = credit(plan, ledger_table, set(payees), periods, params)
        if credited.rejections and options.rejects is None:
            raise RejectedRows(options.ledger, credited.rejections)
    elif options.ledger is not None:
        raise InputError("the plan declares no ledger, so --ledger is not used; remove it")
    inputs.append(InputFile(role="roster", path=options.roster, sha256=roster_table.sha256))

    statements: list[Statement] = []
    with decimal_context():
        for payee in sorted(payees):
            attributes = payees[payee]
            for period in periods:
                credits: list[Credit] = credited.credits.get((payee, period.label), []) if credited else []
                with stage("evaluate"):
                    result = PayeeEvaluator(plan, payee, attributes, credits, period.label, params).run()
                with stage("build"):
                    statements.append(build_statement(plan, options.plan, inputs, payee, attributes, period,
                                                      credits, result, params))
    return RunResult(
        statements, credited.reconciliation if credited else None, credited.rejections if credited else [],
        options.out, rejected_cells=credited.rejected_cells if credited else {},
        ledger_columns=[f.column for f in plan.ledger.fields] if plan.ledger else [],
    )


def _prepare_out(out: Path) -> None:
    if out.exists():
        if not out.is_dir():
            raise InputError(f"--out {out} is a file; give a folder")
        if any(out.iterdir()) and not (out / MANIFEST).exists():
            raise InputError(f"--out {out} is not empty and was not written by spm; choose a new folder")
        if (out / MANIFEST).exists():
            _check_only_spm_files(out)


def _check_only_spm_files(out: Path) -> None:
    """Raise InputError when an earlier output folder contains files that spm did not write there."""
    try:
        listed = set(json.loads((out / MANIFEST).read_text(encoding="utf-8")).get("files", []))
    except (OSError, ValueError, AttributeError):
        raise InputError(f"--out {out}: {MANIFEST} cannot be read, so the folder is not replaced; "
                         "choose a new folder") from None
    listed.add(MANIFEST)
    extra = sorted(
        str(path.relative_to(out)) for path in out.rglob("*")
        if path.is_file() and str(path.relative_to(out)) not in listed
    )
    if extra:
        shown = ", ".join(extra[:5]) + (" ..." if len(extra) > 5 else "")
        raise InputError(f"--out {out} contains files that spm did not write ({shown}); move them away or "
                         "choose a new folder, because a new run replaces the whole folder")


REJECTS_HEADER = ["row", "column", "value", "reason"]


def _is_rejects_file(path: Path) -> bool:
    """Return whether ``path`` starts with the header spm writes to rejects files."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            first = handle.readline().rstrip("\r\n")
    except (OSError, UnicodeDecodeError):
        return False
    return first.split(",")[: len(REJECTS_HEADER)] == REJECTS_HEADER


def _check_rejects_path(options: RunOptions) -> None:
    """Refuse a --rejects path that would overwrite an input or land inside --out."""
    if options.rejects is None:
        return
    if not options.rejects.strip():
        raise OptionError("--rejects needs a file name")
    target = Path(options.rejects).resolve()
    for option, path in (("--ledger", options.ledger), ("--roster", options.roster), ("the plan", options.plan)):
        if path is not None and Path(path).resolve() == target:
            raise OptionError(f"--rejects {options.rejects} is the same file as {option}; give another file")
    out = Path(options.out).resolve()
    if target == out or out in target.parents:
        raise OptionError(f"--rejects {options.rejects} is inside --out {options.out}, which a run replaces; "
                          "give a file outside it")
    if target.is_dir():
        raise OptionError(f"--rejects {options.rejects} is a folder; give a file name such as rejects.csv")
    if target.exists() and not _is_rejects_file(target):
        raise OptionError(f"--rejects {options.rejects} exists and is not a rejects file written by spm; "
                          "give a new file name")


def write_outputs(result: RunResult, options: RunOptions, plan: ir.Plan) -> list[str]:
    """Write statements, payout lines, manifest and rejects; replace ``out`` only at the end."""
    out = Path(options.out)
    _prepare_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    # mkdtemp makes a private folder; statements are shared files, so follow the umask instead.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)
    files: list[str] = []
    try:
        names: set[str] = set()
        for statement in result.statements:
            stem = f"{_slug(statement.payee)}_{statement.period.label}"
            while stem in names:
                stem += "_"
            names.add(stem)
            if "json" in options.formats:
                files.append(_write(staging, f"statements/{stem}.json", statement_to_json(statement)))
            if "text" in options.formats:
                files.append(_write(staging, f"statements/{stem}.txt", statement_to_text(statement)))
        if "csv" in options.formats:
            files.append(_write(staging, "payouts.csv", payout_lines_csv(result.statements)))
        files.append(_write(staging, MANIFEST, manifest_json(result, options, plan, files, staging)))
        if options.rejects is not None:
            write_rejects(options.rejects, result)
        if out.exists():
            backup = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            os.replace(out, backup / "previous")
            os.replace(staging, out)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return files


def _write(folder: Path, relative: str, text: str) -> str:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    return relative


def write_rejects(path: str, result: RunResult) -> None:
    """Write one line per rejected cell: where, what and why, then the row's cells as read.

    The trailing columns carry the row's declared ledger columns, so a user can
    fix the values and load them again.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REJECTS_HEADER + result.ledger_columns)
    for r in result.rejections:
        cells = result.rejected_cells.get(r.row, {})
        writer.writerow([r.row, r.column, r.value, r.reason] + [cells.get(c, "") for c in result.ledger_columns])
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(buffer.getvalue(), encoding="utf-8", newline="\n")


def reconciliation_dict(recon: Reconciliation | None) -> dict | None:
    if recon is None:
        return None

    def bucket(b):
        return {"rows": b.rows, "amount": value_text(b.amount)}

    return {
        "amount_field": recon.amount_field,
        "read": bucket(recon.read),
        "credited": bucket(recon.credited),
        "excluded": {k: bucket(v) for k, v in recon.excluded.items()},
        "rejected": {k: bucket(v) for k, v in recon.rejected.items()},
        "rows_with_unreadable_amount": recon.unreadable_amounts,
        "balanced": recon.balances(),
    }


def _sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest_json(result: RunResult, options: RunOptions, plan: ir.Plan, files: list[str],
                  staging_root: Path) -> str:
    """Describe a run: plan, inputs, periods, overrides, totals, reconciliation and each file's hash."""
    total = sum((Decimal(s.total) for s in result.statements), Decimal(0))
    manifest = {
        "plan": {"name": plan.name, "version": plan.version, "file": options.plan, "sha256": plan.sha256},
        "inputs": [i.model_dump() for i in (result.statements[0].inputs if result.statements else [])],
        "periods": sorted({s.period.label for s in result.statements}),
        "parameter_overrides": dict(options.params),
        "statements": len(result.statements),
        "total_payout": value_text(total),
        "currency": plan.currency,
        "reconciliation": reconciliation_dict(result.reconciliation),
        "files": sorted(files),
        "file_sha256": {name: _sha256_of(staging_root / name) for name in sorted(files)},
    }
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def run(options: RunOptions, stage: StageHook = _no_stage) -> RunResult:
    """Compile the plan, evaluate every statement, and write the outputs."""
    for fmt in options.formats:
        if fmt not in FORMATS:
            raise InputError(f"--format {fmt}: unknown format; use any of {', '.join(FORMATS)}")
    _check_rejects_path(options)
    with stage("compile"):
        compiled = compile_file(options.plan)
    if not compiled.ok:
        raise PlanError([d for d in compiled.diagnostics if d.is_error])
    plan = compiled.plan
    result = evaluate_run(plan, options, stage)
    with stage("write"):
        result.files = write_outputs(result, options, plan)
    return result
