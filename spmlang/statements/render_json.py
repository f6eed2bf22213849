"""Write a statement as JSON and read it back with validation.

The JSON follows the field order of the models, so the same statement always
gives the same bytes. Amounts stay strings. Reading parses JSON numbers as
Decimal, never as float, so that a number in a hand-edited file is reported
as a type error with its exact digits.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from spmlang.diagnostics import InputError
from spmlang.money import decimal_context
from spmlang.statements.models import SCHEMA_VERSION, Statement, TraceNode

# Plain decimal notation as written by spmlang: no exponent, no sign other than "-".
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")

# Units whose trace and measure values are decimal numbers. Values of other
# units are not checked.
_DECIMAL_UNITS = frozenset({"money", "percent", "number"})

_REWRITE_HINT = "Fix the file, or write the statement again with `spm run --format json`."


def statement_to_json(statement: Statement) -> str:
    """Serialize a statement as indented JSON in model field order, ending in a newline."""
    data = statement.model_dump(mode="json")
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def statement_from_json(text: str, path: str) -> Statement:
    """Parse and validate a statement written by ``statement_to_json``.

    Besides the model's own validation, this checks the schema version, that
    every amount is a plain decimal string and that the lines add up to the
    total. Raises InputError naming ``path`` and the first problem found: the
    line and column of a JSON syntax error, or the field path of an invalid value.
    """
    data = _parse_json(text, path)

    if isinstance(data, dict):
        version = data.get("schema_version", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            raise InputError(
                f"{path}: statement schema_version {version!r} is not supported. This spmlang "
                f"reads schema_version {SCHEMA_VERSION!r}, so write the statement again with it."
            )

    try:
        statement = Statement.model_validate(data)
    except ValidationError as error:
        raise InputError(_validation_message(error, path)) from None

    problem = _first_decimal_problem(statement)
    if problem is not None:
        field, value = problem
        raise InputError(
            f"{path}: invalid statement: {field} is {value!r}, which is not a plain "
            f"decimal number such as \"1234.50\". {_REWRITE_HINT}"
        )

    _check_total(statement, path)
    return statement


def _parse_json(text: str, path: str) -> Any:
    def reject_constant(name: str) -> Any:
        raise ValueError(f"{name} is not allowed in a statement")

    def reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise ValueError(f"duplicate key {key!r} in an object")
            result[key] = value
        return result

    try:
        return json.loads(
            text,
            parse_float=Decimal,
            parse_constant=reject_constant,
            object_pairs_hook=reject_duplicate_keys,
        )
    except json.JSONDecodeError as error:
        raise InputError(
            f"{path}:{error.lineno}:{error.colno}: invalid JSON in statement file: {error.msg}. "
            f"{_REWRITE_HINT}"
        ) from None
    except ValueError as error:
        # Raised by the hooks above, which do not know the position.
        raise InputError(f"{path}: invalid statement JSON: {error}. {_REWRITE_HINT}") from None


def _field_path(location: tuple[int | str, ...]) -> str:
    """Format a pydantic error location such as ("lines", 0, "amount") as "lines[0].amount"."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.isidentifier():
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]"
    return text or "top level"


def _validation_message(error: ValidationError, path: str) -> str:
    problems = error.errors()
    first = problems[0]
    if first["type"] == "string_pattern_mismatch":
        message = (f"{path}: invalid statement: {_field_path(first['loc'])} is {first['input']!r}, "
                   "which is not a plain decimal number")
    else:
        message = f"{path}: invalid statement: {_field_path(first['loc'])}: {first['msg']}"
    if first["type"] not in ("missing", "string_pattern_mismatch"):
        found = first["input"]
        if isinstance(found, Decimal):
            found_text = str(found)  # a JSON number, with the digits as written
        else:
            found_text = json.dumps(found, ensure_ascii=False, default=str)
        if len(found_text) > 60:
            found_text = found_text[:57] + "..."
        message += f" (found {found_text})"
    if len(problems) > 1:
        more = len(problems) - 1
        message += f", and {more} more problem{'s' if more > 1 else ''}"
    return f"{message}. {_REWRITE_HINT}"


def _first_decimal_problem(statement: Statement) -> tuple[str, str] | None:
    """Return the field path and value of the first amount that is not a plain decimal."""
    fields: list[tuple[str, str | None]] = [("total", statement.total)]
    for i, line in enumerate(statement.lines):
        fields.append((f"lines[{i}].amount", line.amount))
        fields.append((f"lines[{i}].unrounded", line.unrounded))
        for j, item in enumerate(line.items):
            fields.append((f"lines[{i}].items[{j}].amount", item.amount))
            fields.append((f"lines[{i}].items[{j}].unrounded", item.unrounded))
    for i, measure in enumerate(statement.measures):
        if measure.unit in _DECIMAL_UNITS:
            fields.append((f"measures[{i}].value", measure.value))
    for i, credited in enumerate(statement.credited):
        fields.append((f"credited[{i}].share", credited.share))

    for field, value in fields:
        if value is not None and not _PLAIN_DECIMAL.fullmatch(value):
            return field, value

    stack: list[tuple[str, TraceNode]] = [
        (f"trace[{i}]", node) for i, node in reversed(list(enumerate(statement.trace)))
    ]
    while stack:
        where, node = stack.pop()
        node_fields: list[tuple[str, str | None]] = []
        if node.unit in _DECIMAL_UNITS:
            node_fields.append((f"{where}.value", node.value))
        for j, transaction in enumerate(node.transactions):
            node_fields.append((f"{where}.transactions[{j}].value", transaction.value))
            node_fields.append((f"{where}.transactions[{j}].share", transaction.share))
        for j, tier_slice in enumerate(node.slices):
            node_fields.append((f"{where}.slices[{j}].base", tier_slice.base))
            node_fields.append((f"{where}.slices[{j}].rate", tier_slice.rate))
            node_fields.append((f"{where}.slices[{j}].amount", tier_slice.amount))
        for field, value in node_fields:
            if value is not None and not _PLAIN_DECIMAL.fullmatch(value):
                return field, value
        for j in reversed(range(len(node.children))):
            stack.append((f"{where}.children[{j}]", node.children[j]))
    return None


def _check_total(statement: Statement, path: str) -> None:
    """Raise InputError unless the line amounts add up to the total exactly."""
    with decimal_context():
        line_sum = sum((Decimal(line.amount) for line in statement.lines), Decimal(0))
        total = Decimal(statement.total)
    if line_sum != total:
        raise InputError(
            f"{path}: invalid statement: the lines add up to {line_sum} but total is "
            f"{statement.total}. {_REWRITE_HINT}"
        )
