"""Parse plan text into a syntax tree, turning Lark's errors into diagnostics."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import lark
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from spmlang.diagnostics import Diagnostic, Span
from spmlang.grammar.syntax import PlanSource
from spmlang.grammar.transformer import PlanTransformer, TransformError

# Words for expected terminals in a syntax error. Anonymous keywords print as written.
_TERMINAL_WORDS = {
    "_NL": "end of line",
    "NAME": "a name",
    "NUMBER": "a number",
    "PERCENT": "a percentage",
    "MONEY": "an amount with its currency, such as 1_000 USD",
    "STRING": 'a quoted text such as "Won"',
    "DATE": "a date such as 2027-01-01",
    "PERIOD_LABEL": "a period such as 2027-Q1",
    "COMP_OP": "a comparison (=, !=, <, <=, >, >=)",
    "ADD_OP": "+ or -",
    "MUL_OP": "* or /",
    "OTHERWISE": "otherwise",
    "OPTIONAL": "optional",
    "ITEMIZED": "itemized",
    "DEFINEDNESS": "defined or undefined",
    "$END": "end of file",
    "_ARROW": "`=>`",
}


@lru_cache(maxsize=1)
def _parser() -> lark.Lark:
    grammar = resources.files("spmlang.grammar").joinpath("plan.lark").read_text(encoding="utf-8")
    return lark.Lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
    )


def _describe_terminal(name: str) -> str:
    if name in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[name]
    try:
        pattern = _parser().get_terminal(name).pattern
    except KeyError:
        return name.lower()
    return f"`{pattern.value}`"


def _expected_text(expected: set[str]) -> str:
    words = sorted({_describe_terminal(name) for name in expected})
    if len(words) > 8:
        words = words[:8] + ["..."]
    return ", ".join(words)


# The shape of each statement, quoted in the help of a syntax error on its line.
_STATEMENT_FORMS = {
    "plan": '`plan "Name" version "1"`',
    "effective": "`effective 2027-01-01 through 2027-12-31`",
    "period": "`period month|quarter|half|year`",
    "currency": "`currency USD`",
    "rounding": "`rounding half_up|half_even to 0.01 per transaction|component|statement`",
    "ledger": "`ledger NAME`, then field lines such as `amount from close_value : money`",
    "roster": "`roster`, then field lines such as `quota : money`",
    "param": "`param NAME = 10%`",
    "measure": "`measure NAME = sum|average|min|max EXPRESSION [where CONDITION]` or "
               "`measure NAME = count LEDGER [where CONDITION]`",
    "let": "`let NAME = EXPRESSION`",
    "tiers": "`tiers NAME on KEY, marginal|retroactive|lookup`, then bands such as `0% to 100% => 5%`",
    "rubric": '`rubric NAME`, then rows such as `3 "Meets expectations" => 100%`',
    "table": '`table NAME`, then rows such as `"GTX Pro" => 5%` and `otherwise => 3%`',
    "component": '`component NAME ["Label"]`, then `pay`, `gate`, `cap`, `floor` and `weight` lines',
    "pay": "`pay EXPRESSION` or `pay RATE applied to BASE [itemized] [otherwise AMOUNT]`",
    "gate": "`gate CONDITION`",
    "cap": "`cap AMOUNT`",
    "floor": "`floor AMOUNT`",
    "weight": "`weight 60%`",
    "exclude": '`exclude "label" when CONDITION`',
    "test": '`test "name"`, then `during`, `payee`, `deal`, `with` and `expect` lines',
    "payee": "`payee ATTRIBUTE VALUE, ATTRIBUTE VALUE`",
    "deal": "`deal FIELD VALUE, FIELD VALUE`",
    "expect": "`expect NAME = VALUE`",
    "with": "`with PARAMETER = VALUE`",
    "during": "`during 2027-Q1`",
}


_TOP_LEVEL_WORDS = (
    "plan", "effective", "period", "currency", "rounding", "ledger", "roster", "param", "rubric",
    "table", "measure", "let", "tiers", "component", "total", "test",
)


def _syntax_help(text: str, err: UnexpectedInput) -> str:
    line = text.splitlines()[err.line - 1] if 0 < err.line <= len(text.splitlines()) else ""
    rest = line[err.column - 1:] if err.column > 0 else ""
    if isinstance(err, UnexpectedCharacters):
        char = text[err.pos_in_stream] if err.pos_in_stream < len(text) else ""
        if char == "$":
            return "write amounts with the currency code after the number, e.g. 1_500 USD"
        if char == "'":
            return 'quote text with double quotes, e.g. "Won"'
        if char == '"':
            return 'add the closing quote on the same line, e.g. "Won"'
        if char == "," and rest[1:4].isdigit():
            return "group digits with underscores (100_000) or not at all; commas separate items"
        return "remove or fix the character; see docs/language.md for the statement forms"
    if isinstance(err, UnexpectedToken):
        if err.token.type == "$END":
            return "the file ends in the middle of a statement; finish the line"
        if err.token.type == "NUMBER" and "," in line and line[: err.column - 1].rstrip().endswith(","):
            return "group digits with underscores (100_000) or not at all; commas separate items"
        start = err.token.start_pos or 0
        if (err.token.value == "," and start > 0 and text[start - 1].isdigit()
                and text[start + 1: start + 4].isdigit()):
            return "group digits with underscores (100_000) or not at all; commas separate items"
        first_word = line.split(maxsplit=1)[0] if line.strip() else ""
        if line[:1] in (" ", "\t") and first_word in _TOP_LEVEL_WORDS:
            return (f"`{first_word}` starts a statement, so it cannot name a field; "
                    f"use another name and read the column with `from`, e.g. `{first_word}_name from {first_word}`")
        form = _STATEMENT_FORMS.get(first_word)
        if err.token.type == "_NL":
            return f"the line stops early; the form is {form}" if form else "the line stops early; complete the statement"
        if form:
            return f"the form is {form}"
    return "see docs/language.md for the statement forms"


def _syntax_diagnostic(file: str, text: str, err: UnexpectedInput) -> Diagnostic:
    line, column = max(err.line, 1), max(err.column, 1)
    width = 1
    if isinstance(err, UnexpectedToken):
        token = err.token
        if token.type == "$END":
            found = "end of file"
        elif token.type == "_NL":
            found = "end of line"
        else:
            found = f"`{token.value}`"
            width = max(1, len(str(token.value).splitlines()[0]) if str(token.value) else 1)
        message = f"unexpected {found}; expected {_expected_text(set(err.expected))}"
    elif isinstance(err, UnexpectedCharacters):
        char = text[err.pos_in_stream] if err.pos_in_stream < len(text) else "?"
        message = f"unexpected character `{char}`"
        allowed = set(err.allowed or ())
        if allowed:
            message += f"; expected {_expected_text(allowed)}"
    elif isinstance(err, UnexpectedEOF):
        message = "unexpected end of file"
    else:  # pragma: no cover - Lark raises only the three kinds above
        message = str(err)
    span = Span(file, line, column, line, column + width)
    return Diagnostic("E001", f"syntax error: {message}", span, help=_syntax_help(text, err))


# Later stages walk expressions recursively, so nesting is bounded well below
# Python's recursion limit. 100 levels is far more than a readable plan needs.
MAX_NESTING = 100


# "1,000" inside an argument list parses as the two values 1 and 000, which
# silently changes an amount. A plan writes 1_000, or a space after the comma.
_GROUPED_NUMBER = re.compile(r"(?<![\w.])[1-9]\d{0,2}(?:,\d{3})+(?![\d_.%])")
_STRING_OR_COMMENT = re.compile(r'"[^"\n]*"|#[^\n]*')


def _grouped_number_diagnostic(file: str, text: str) -> Diagnostic | None:
    for number, line in enumerate(text.splitlines(), start=1):
        code = _STRING_OR_COMMENT.sub(lambda m: " " * len(m.group(0)), line)
        match = _GROUPED_NUMBER.search(code)
        if match:
            written = match.group(0)
            return Diagnostic(
                "E001",
                f"`{written}` reads as several values separated by commas",
                Span(file, number, match.start() + 1, number, match.end() + 1),
                help=f"write {written.replace(',', '_')} for one number, or put a space after each comma "
                "that separates two values",
            )
    return None


def _nesting_diagnostic(file: str, tree: lark.Tree) -> Diagnostic | None:
    """Report an expression nested deeper than MAX_NESTING, found without recursion."""
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            meta = node.meta
            line = getattr(meta, "line", 1)
            column = getattr(meta, "column", 1)
            return Diagnostic(
                "E003",
                f"this expression nests more than {MAX_NESTING} levels deep",
                Span(file, line, column, line, column + 1),
                help="split it into several `let` definitions",
            )
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, lark.Tree))
    return None


MAX_SYNTAX_ERRORS = 20


def _syntax_diagnostics(file: str, text: str, first: UnexpectedInput) -> list[Diagnostic]:
    """Report the first syntax error, then look for more by setting aside the statement at fault.

    Recovery blanks the failing line, and when that line starts a statement
    (it is not indented), the indented lines under it too, then parses again.
    A plan with a syntax error never runs, so recovery only decides what else
    is reported.
    """
    diagnostics = [_syntax_diagnostic(file, text, first)]
    lines = text.split("\n")
    err: UnexpectedInput = first
    while len(diagnostics) < MAX_SYNTAX_ERRORS:
        index = err.line - 1
        if not 0 <= index < len(lines):
            break
        blank = [index]
        if lines[index][:1] not in (" ", "\t"):
            following = index + 1
            while following < len(lines) and lines[following][:1] in (" ", "\t"):
                blank.append(following)
                following += 1
        for i in blank:
            lines[i] = ""
        remaining = "\n".join(lines)
        try:
            _parser().parse(remaining)
            break
        except UnexpectedInput as again:
            if again.line - 1 <= index:
                break  # no progress: stop rather than repeat an error
            err = again
            # Blanking keeps line and column numbers, so they point into the original text.
            diagnostics.append(_syntax_diagnostic(file, remaining, again))
    return diagnostics


def parse_plan(text: str, file: str = "<plan>") -> tuple[PlanSource | None, list[Diagnostic]]:
    """Parse plan text; return the syntax tree, or None with the diagnostics found."""
    if not text.endswith("\n"):
        text_for_parser = text + "\n"
    else:
        text_for_parser = text
    try:
        tree = _parser().parse(text_for_parser)
    except UnexpectedInput as err:
        return None, _syntax_diagnostics(file, text_for_parser, err)
    grouped = _grouped_number_diagnostic(file, text_for_parser)
    if grouped is not None:
        return None, [grouped]
    too_deep = _nesting_diagnostic(file, tree)
    if too_deep is not None:
        return None, [too_deep]
    transformer = PlanTransformer(file, text_for_parser)
    try:
        statements = transformer.transform(tree)
    except lark.exceptions.VisitError as err:
        if isinstance(err.orig_exc, TransformError):
            return None, [err.orig_exc.diagnostic]
        raise
    return PlanSource(file=file, text=text, statements=tuple(statements)), list(transformer.diagnostics)
