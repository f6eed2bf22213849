"""Generate the JSON Schema of a statement from the pydantic models.

Run ``python -m spmlang.statements.schema`` from the repository root after
changing ``models.py`` to rewrite ``docs/statement.schema.json``. A test fails
while the committed file differs from the generated schema.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from spmlang.statements.models import Statement

DEFAULT_OUTPUT = Path("docs") / "statement.schema.json"


def statement_json_schema() -> str:
    """Return the JSON Schema of ``Statement`` as indented JSON ending in a newline."""
    schema = Statement.model_json_schema()
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Write the statement schema to a file, by default docs/statement.schema.json."""
    parser = argparse.ArgumentParser(
        prog="python -m spmlang.statements.schema",
        description="Write the JSON Schema of a spmlang statement.",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"file to write, relative to the current directory (default: {DEFAULT_OUTPUT})",
    )
    args = parser.parse_args(argv)
    args.output.write_text(statement_json_schema(), encoding="utf-8", newline="\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
