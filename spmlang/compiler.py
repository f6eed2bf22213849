"""The front end in one call: parse, check and lower a plan file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from spmlang import ir
from spmlang.checking import check_plan
from spmlang.diagnostics import Diagnostic, InputError
from spmlang.grammar import parse_plan
from spmlang.lowering import lower


@dataclass(frozen=True)
class Compiled:
    file: str
    text: str
    plan: ir.Plan | None
    diagnostics: list[Diagnostic]

    @property
    def ok(self) -> bool:
        return self.plan is not None and not any(d.is_error for d in self.diagnostics)


def compile_text(text: str, file: str) -> Compiled:
    """Parse, check and lower plan text; ``plan`` is None when it has errors."""
    tree, diagnostics = parse_plan(text, file)
    if tree is None:
        return Compiled(file, text, None, diagnostics)
    checked, found = check_plan(tree)
    diagnostics = diagnostics + found
    plan, found = lower(checked)
    diagnostics = diagnostics + found
    diagnostics.sort(key=lambda d: (d.span.line if d.span else 0, d.span.column if d.span else 0))
    if any(d.is_error for d in diagnostics):
        return Compiled(file, text, None, diagnostics)
    return Compiled(file, text, plan, diagnostics)


def read_plan_text(path: str | Path) -> str:
    """Read a plan file as UTF-8 text, raising InputError with the reason when it cannot be read."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: plan file not found; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a plan file") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read the plan file ({err.strerror})") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise InputError(
            f"{path}:{line}: the plan is not UTF-8 text (byte 0x{data[err.start]:02x}); save the file as UTF-8"
        ) from None


def compile_file(path: str | Path) -> Compiled:
    return compile_text(read_plan_text(path), str(path))
