"""The ``spm`` command line: thin commands that call the library and print.

Exit codes: 0 success, 1 the plan or the data has errors, 2 wrong usage.
"""

from __future__ import annotations

import datetime
import sys
from decimal import Decimal
from pathlib import Path

import click

from spmlang.compiler import Compiled, compile_file
from spmlang.diagnostics import InputError, PlanError, render
from spmlang.runtime.crediting import Reconciliation
from spmlang.runtime.values import EvaluationError
from spmlang.runner import FORMATS, OptionError, RejectedRows, RunOptions, run
from spmlang.statements.render_text import format_amount


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _print_diagnostics(diagnostics, sources: dict[str, str]) -> None:
    for diagnostic in diagnostics:
        click.echo(render(diagnostic, sources), err=True)
        click.echo("", err=True)


def _sources_for(diagnostics) -> dict[str, str]:
    sources = {}
    for d in diagnostics:
        if d.span and d.span.file not in sources:
            try:
                sources[d.span.file] = Path(d.span.file).read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError):
                pass
    return sources


def _compile(path: str) -> Compiled | None:
    """Compile a plan file, or print why the file cannot be read and return None."""
    try:
        return compile_file(path)
    except InputError as err:
        click.echo(f"error: {err}", err=True)
        return None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="spmlang")
def main() -> None:
    """spmlang: sales compensation plans as checked, traced code."""


@main.command()
@click.argument("plans", nargs=-1, required=True, type=click.Path(dir_okay=False))
def check(plans: tuple[str, ...]) -> None:
    """Check plan files and report every problem found."""
    errors = 0
    for path in plans:
        compiled = _compile(path)
        if compiled is None:
            errors += 1
            continue
        _print_diagnostics(compiled.diagnostics, {compiled.file: compiled.text})
        errors += sum(1 for d in compiled.diagnostics if d.is_error)
        warnings = sum(1 for d in compiled.diagnostics if not d.is_error)
        if compiled.ok:
            noted = f" ({warnings} warning{'s' if warnings != 1 else ''})" if warnings else ""
            click.echo(f"{path}: ok{noted}")
    if errors:
        click.echo(f"{errors} error{'s' if errors != 1 else ''} found", err=True)
        sys.exit(1)


def _parse_date(ctx, param, value):
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write YYYY-MM-DD") from None


def _parse_formats(ctx, param, value):
    formats = tuple(f.strip() for f in value.split(",") if f.strip())
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise click.BadParameter(f"unknown format {', '.join(unknown) or '(none)'}; use any of {', '.join(FORMATS)}")
    return formats


def _parse_param(ctx, param, values):
    pairs = []
    for item in values:
        name, sep, text = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{item!r}: write NAME=VALUE, e.g. accelerator=12%")
        pairs.append((name.strip(), text.strip()))
    return tuple(pairs)


def print_reconciliation(recon: Reconciliation, ledger: str) -> None:
    field = f" (amounts: {recon.amount_field})" if recon.amount_field else ""
    click.echo(f"Reconciliation of {ledger}{field}")
    labels = ["read", "credited"] + [f"excluded: {rule}" for rule in recon.excluded] + [
        f"rejected: {reason}" for reason in recon.rejected]
    width = min(max(len(label) for label in labels), 72)

    def row(label: str, bucket) -> None:
        if recon.amount_field is None:
            shown = "-"
        else:
            amount = bucket.amount
            if amount.as_tuple().exponent > -2:
                amount = amount.quantize(Decimal("0.01"))
            shown = format_amount(str(amount))
        rows = "row " if bucket.rows == 1 else "rows"
        click.echo(f"  {label:<{width}} {bucket.rows:>9,} {rows} {shown:>18}")

    row("read", recon.read)
    row("credited", recon.credited)
    for rule, bucket in recon.excluded.items():
        row(f"excluded: {rule}", bucket)
    for reason, bucket in recon.rejected.items():
        row(f"rejected: {reason}", bucket)
    if recon.unreadable_amounts:
        count = recon.unreadable_amounts
        click.echo(f"  {count} rejected {'row has' if count == 1 else 'rows have'} no readable amount in "
                   f"the plan's currency and {'is' if count == 1 else 'are'} not in the sums")
    verdict = "yes" if recon.balances() else "NO"
    click.echo(f"  balanced: {verdict} (credited + excluded + rejected = read, in rows and in amounts)")


@main.command("run")
@click.argument("plan", type=click.Path(dir_okay=False))
@click.option("--ledger", help="Ledger CSV file with the transactions the plan reads.")
@click.option("--roster", required=True, help="Roster CSV file with one row per payee.")
@click.option("--period", help="Period to run, in the plan's period kind: 2027-Q1, 2027-03, 2027-H1 or 2027.")
@click.option("--from", "date_from", callback=_parse_date, help="First day to run (YYYY-MM-DD); with --to.")
@click.option("--to", "date_to", callback=_parse_date, help="Last day to run (YYYY-MM-DD), inclusive.")
@click.option("--out", required=True, help="Folder for the statements; replaced only when the run succeeds.")
@click.option("--format", "formats", default="json,csv,text", callback=_parse_formats, show_default=True,
              help="Comma-separated output formats.")
@click.option("--rejects", help="Write rejected ledger rows to this CSV file and run the good rows.")
@click.option("--param", "params", multiple=True, callback=_parse_param,
              help="Override a plan parameter for this run: NAME=VALUE (repeatable).")
@click.option("--allow-empty-ledger", is_flag=True,
              help="Run a ledger that has a header but no rows, for a period with no transactions.")
def run_command(plan, ledger, roster, period, date_from, date_to, out, formats, rejects, params,
                allow_empty_ledger) -> None:
    """Run PLAN over a ledger and roster and write one statement per payee and period."""
    if (date_from is None) != (date_to is None):
        raise click.UsageError("--from and --to go together")
    if period and date_from:
        raise click.UsageError("give either --period or --from/--to, not both")
    if not period and not date_from:
        raise click.UsageError("say which period to run: --period (e.g. 2027-Q1) or --from DATE --to DATE")
    options = RunOptions(plan=plan, roster=roster, out=out, ledger=ledger, period=period, date_from=date_from,
                         date_to=date_to, formats=formats, rejects=rejects, params=params,
                         allow_empty_ledger=allow_empty_ledger)
    try:
        result = run(options)
    except PlanError as err:
        _print_diagnostics(err.diagnostics, _sources_for(err.diagnostics))
        _fail(f"{plan} has errors; no statements were written")
    except RejectedRows as err:
        click.echo(f"error: ledger \"{err.path}\" has bad rows; no statements were written", err=True)
        for r in err.rejections:
            click.echo(f"  row {r.row}, column {r.column or '(row)'}: {r.value!r}: {r.reason}", err=True)
        click.echo("fix the rows, or give --rejects FILE to run the good rows and write the bad ones there",
                   err=True)
        sys.exit(1)
    except EvaluationError as err:
        _fail(f"{err.describe()}\nno statements were written")
    except OptionError as err:
        raise click.UsageError(str(err)) from None
    except InputError as err:
        _fail(str(err))
    total = sum(len(s.lines) for s in result.statements)
    click.echo(f"Wrote {len(result.statements)} statements ({total} payout lines) to {result.out}")
    periods = sorted({(s.period.start, s.period.label, s.period.end) for s in result.statements})
    click.echo("Periods: " + ", ".join(f"{label} ({start} to {end})" for start, label, end in periods))
    if date_from is not None and periods and (periods[0][0] != date_from.isoformat()
                                              or periods[-1][2] != date_to.isoformat()):
        click.echo(f"note: --from {date_from} --to {date_to} was widened to {len(periods)} whole "
                   f"period{'s' if len(periods) != 1 else ''}, because a plan pays per period")
    if result.reconciliation is not None:
        print_reconciliation(result.reconciliation, ledger)
    if result.rejections:
        count = len(result.rejections)
        click.echo(f"{count} rejected {'cell' if count == 1 else 'cells'} written to {rejects}")


@main.command()
@click.argument("statement", type=click.Path(dir_okay=False))
@click.option("--line", help="Explain only this line of the statement, e.g. commission.")
def explain(statement: str, line: str | None) -> None:
    """Print the derivation of every figure on a statement."""
    from spmlang.statements.explain import explain as explain_statement
    from spmlang.statements.render_json import statement_from_json

    try:
        try:
            text = Path(statement).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(f"{statement}: statement file not found") from None
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(f"{statement}: cannot read the statement ({err})") from None
        output = explain_statement(statement_from_json(text, statement), line)
        click.echo(output, nl=not output.endswith("\n"))
    except InputError as err:
        _fail(str(err))


@main.command("test")
@click.argument("plans", nargs=-1, required=True, type=click.Path(dir_okay=False))
def test_command(plans: tuple[str, ...]) -> None:
    """Run the tests written in plan files."""
    from spmlang.plantest import run_plan_tests

    failed = 0
    for path in plans:
        compiled = _compile(path)
        if compiled is None:
            failed += 1
            continue
        if not compiled.ok:
            _print_diagnostics(compiled.diagnostics, {compiled.file: compiled.text})
            click.echo(f"{path}: the plan has errors, so its tests did not run", err=True)
            failed += 1
            continue
        outcomes = run_plan_tests(compiled.plan)
        if not outcomes:
            click.echo(f"{path}: no tests")
        for outcome in outcomes:
            click.echo(outcome.describe())
            failed += 0 if outcome.passed else 1
        passed = sum(1 for o in outcomes if o.passed)
        click.echo(f"{path}: {passed} passed, {len(outcomes) - passed} failed")
    if failed:
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
