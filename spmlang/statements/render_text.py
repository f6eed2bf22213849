"""Render a statement as plain text for the payee to read.

The output is ASCII apart from names, labels and messages taken from the
plan and the input files. Amounts keep every digit of the exact decimal
string and only gain thousands separators, so "12345.6" prints as
"12,345.6" and never as a rounded or float-converted number.

The value formatters here are shared with ``explain``.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, InvalidOperation

from spmlang.statements.models import Statement

HASH_PREFIX_LENGTH = 12


def parse_decimal(text: str) -> Decimal:
    """Parse an amount string from a statement, raising ValueError if it is not a finite decimal."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a decimal number") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a finite decimal number")
    return value


def _plain(value: Decimal) -> str:
    """Format without exponent or trailing fractional zeros: 105.000 -> "105", 99.990 -> "99.99"."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return text


def format_amount(text: str) -> str:
    """Format an amount string with thousands separators, keeping its scale: "-1234.50" -> "-1,234.50"."""
    value = parse_decimal(text)
    if value == 0:
        value = abs(value)  # no "-0.00"
    return format(value, ",f")


def format_percent(text: str) -> str:
    """Format a ratio string as an exact percent: "1.05" -> "105%", "0.9999999" -> "99.99999%"."""
    value = parse_decimal(text)
    sign, digits, exponent = value.as_tuple()
    # Shifting the exponent multiplies by 100 exactly, unlike arithmetic, which
    # rounds to the context precision.
    percent = Decimal((sign, digits, exponent + 2))
    return _plain(percent) + "%"


def is_percent(name: str, unit: str) -> bool:
    """Return whether a value shows as a percent: unit "percent", or a number named ...attainment."""
    if unit == "percent":
        return True
    return unit == "number" and name.lower().endswith("attainment")


def format_value(name: str, value: str | None, unit: str, currency: str) -> str:
    """Format a measure or trace value for reading, by its unit.

    Money gets thousands separators and the currency code, percent values and
    numbers named ...attainment print as percent, and other numbers print as
    stored. A unit this module does not know is printed after the value.
    """
    if value is None:
        return "undefined"
    if unit == "money":
        return f"{format_amount(value)} {currency}"
    if is_percent(name, unit):
        return format_percent(value)
    if unit == "number" or not unit:
        return value
    return f"{value} {unit}"


def _table(rows: list[tuple[str, str]], indent: str) -> list[str]:
    """Lay out (label, amount) rows with labels left-aligned and amounts right-aligned."""
    label_width = max(len(label) for label, _ in rows)
    amount_width = max(len(amount) for _, amount in rows)
    return [f"{indent}{label:<{label_width}}  {amount:>{amount_width}}" for label, amount in rows]


def _header(statement: Statement) -> list[str]:
    period = statement.period
    return [
        "Compensation statement",
        "",
        f"Plan:      {statement.plan.name}, version {statement.plan.version}",
        f"Payee:     {statement.payee}",
        f"Period:    {period.label} ({period.start} to {period.end})",
        f"Currency:  {statement.currency}",
    ]


def _limit_notes(statement: Statement, line_name: str) -> list[str]:
    """Return the notes of gates that failed and caps or floors that applied on one line."""
    root = next((node for node in statement.trace if node.name == line_name and node.kind == "component"), None)
    if root is None:
        return []
    notes = []
    for step in root.children:
        if step.kind == "gate" and step.value == "false":
            notes.append(f"gate not met ({step.expression}), so this line pays 0")
        elif step.kind in ("cap", "floor") and step.note != "not reached":
            notes.append(f"{step.kind} applied ({step.expression}): {step.note}")
    return notes


def _lines_section(statement: Statement) -> list[str]:
    rows = [(line.label, format_amount(line.amount)) for line in statement.lines]
    total_row = ("Total", format_amount(statement.total))
    table = _table(rows + [total_row], indent="  ")
    rule = "  " + "-" * len(table[-1].strip())
    body: list[str] = []
    for line, row in zip(statement.lines, table[:-1]):
        body.append(row)
        body.extend(f"      {note}" for note in _limit_notes(statement, line.name))
    return ["Lines", *body, rule, table[-1]]


def _attributes_section(statement: Statement) -> list[str]:
    if not statement.attributes:
        return []
    width = max(len(name) for name in statement.attributes)
    section = ["Your plan inputs (roster)"]
    for name, value in statement.attributes.items():
        section.append(f"  {name:<{width}}  {value if value is not None else 'blank'}")
    return section


def _credited_section(statement: Statement) -> list[str]:
    section = [f"Credited transactions: {len(statement.credited)}"]
    for credit in statement.credited:
        share = "" if credit.share == "1" else f"  share {format_percent(credit.share)}"
        section.append(f"  {credit.id}  {credit.date or ''}  ledger row {credit.row}{share}")
    return section


def _measures_section(statement: Statement) -> list[str]:
    if not statement.measures:
        return ["Key measures: none"]
    name_width = max(len(measure.name) for measure in statement.measures)
    section = ["Key measures"]
    for measure in statement.measures:
        value_text = format_value(measure.name, measure.value, measure.unit, statement.currency)
        if is_percent(measure.name, measure.unit) and measure.value is not None:
            digits = measure.value.partition(".")[2]
            if len(digits) > 8:
                # Cut, never rounded, to four places of a percent, so 99.99999...% never shows as
                # 100%; the JSON statement keeps every digit.
                percent = parse_decimal(measure.value).scaleb(2)
                shown = percent.quantize(Decimal("0.0001"), rounding=ROUND_DOWN)
                value_text = f"{shown}...%"
        section.append(f"  {measure.name:<{name_width}}  {value_text}")
    return section


def _warnings_section(statement: Statement) -> list[str]:
    overridden = [f"  parameter {name} overridden for this run: {value}" for name, value in statement.overrides.items()]
    if not statement.warnings and not overridden:
        return ["Warnings: none"]
    section = ["Warnings", *overridden]
    for warning in statement.warnings:
        where = f"{warning.span.file}:{warning.span.line}: " if warning.span else ""
        section.append(f"  {where}{warning.message}")
    return section


def _inputs_section(statement: Statement) -> list[str]:
    section = ["Inputs"]
    if statement.inputs:
        role_width = max(len(item.role) for item in statement.inputs)
        path_width = max(len(item.path) for item in statement.inputs)
        for item in statement.inputs:
            short_hash = item.sha256[:HASH_PREFIX_LENGTH]
            section.append(f"  {item.role:<{role_width}}  {item.path:<{path_width}}  sha256 {short_hash}")
    section.append(f"Plan sha256: {statement.plan.sha256}")
    return section


def statement_to_text(statement: Statement) -> str:
    """Render one statement as plain text ending in a newline.

    Raises ValueError when an amount in the statement is not a decimal string.
    """
    sections = [
        _header(statement),
        _lines_section(statement),
        _measures_section(statement),
        _attributes_section(statement),
        _warnings_section(statement),
        _credited_section(statement),
        _inputs_section(statement),
    ]
    text_lines: list[str] = []
    for section in sections:
        if not section:
            continue
        if text_lines:
            text_lines.append("")
        text_lines.extend(section)
    return "\n".join(line.rstrip() for line in text_lines) + "\n"
