"""Diagnostics: problems found in a plan or an input, as values.

Every stage returns the diagnostics it found instead of raising on the first,
so ``spm check`` can report all of them at once. A diagnostic carries a stable
code, a primary span, a message and one ``help`` line with the fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Span:
    """A range in a source file; lines and columns are 1-based, end is exclusive."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None
    help: str = ""
    level: Level = "error"
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_error(self) -> bool:
        return self.level == "error"


class PlanError(Exception):
    """Raised when a plan cannot be used; carries every diagnostic found."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


class InputError(Exception):
    """Raised when an input file (ledger, roster, statement) cannot be used at all.

    The message names the file and, where one applies, the line or row. It
    ends with the fix.
    """


def render(diagnostic: Diagnostic, sources: dict[str, str]) -> str:
    """Render a diagnostic as ``file:line:col: level[code]: message`` with a caret line."""
    d = diagnostic
    where = f"{d.span}: " if d.span else ""
    lines = [f"{where}{d.level}[{d.code}]: {d.message}"]
    if d.span is not None:
        text = sources.get(d.span.file)
        if text is not None:
            source_lines = text.splitlines()
            if 1 <= d.span.line <= len(source_lines):
                source_line = source_lines[d.span.line - 1].expandtabs(1)
                gutter = str(d.span.line)
                pad = " " * len(gutter)
                if d.span.end_line == d.span.line:
                    width = max(1, d.span.end_column - d.span.column)
                else:
                    width = max(1, len(source_line) - d.span.column + 1)
                lines.append(f"{pad} |")
                lines.append(f"{gutter} | {source_line}")
                lines.append(f"{pad} | {' ' * (d.span.column - 1)}{'^' * width}")
    for note in d.notes:
        lines.append(f"  = note: {note}")
    if d.help:
        lines.append(f"  = help: {d.help}")
    return "\n".join(lines)
