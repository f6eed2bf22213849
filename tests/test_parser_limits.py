"""Parser guards and recovery: comma-grouped numbers, deep nesting, several syntax errors."""

from spmlang.compiler import compile_text

HEADER = 'plan "x"\nperiod quarter\ncurrency USD\nroster\n  id from rep\n'
FOOTER = "component c\n  pay 0\n"


def codes(body: str):
    compiled = compile_text(HEADER + body + "\n" + FOOTER, "p.spm")
    return [(d.code, d.span.line, d.span.column) for d in compiled.diagnostics]


def test_comma_grouped_argument_rejected():
    # min(1,000, 2) would otherwise be min(1, 0, 2) = 0.
    assert codes("let a = min(1,000, 2)") == [("E001", 6, 13)]


def test_comma_grouped_argument_hint():
    compiled = compile_text(HEADER + "let a = min(1,000, 2)\n" + FOOTER, "p.spm")
    assert "1_000" in compiled.diagnostics[0].help


def test_two_arguments_without_space_allowed():
    # A leading zero cannot be a thousands group, so max(0,100) means two values.
    assert codes("let a = max(0,100)") == []


def test_commas_in_text_and_comments_ignored():
    assert codes('let a = "1,000" # 2,000') == []


def test_deep_nesting_reported():
    chain = " + ".join(["1"] * 500)
    assert [code for code, _, _ in codes(f"let a = {chain}")] == ["E003"]


def test_moderate_nesting_accepted():
    chain = " + ".join(["1"] * 90)
    assert codes(f"let a = {chain}") == []


def test_several_syntax_errors_reported():
    text = HEADER + "let a = quota *\nlet b = 2\nlet c = max(1,, 2)\nlet d = 'x'\n" + FOOTER
    found = [(d.code, d.span.line, d.span.column) for d in compile_text(text, "p.spm").diagnostics]
    assert found == [("E001", 6, 16), ("E001", 8, 15), ("E001", 9, 9)]


def test_bad_statement_header_sets_aside_its_block():
    # The tiers header lacks its comma; its band lines are not reported again.
    text = HEADER + "tiers r on 1 marginal\n  0 to 1 => 1%\n  1 and up => 2%\nlet d = 'x'\n" + FOOTER
    found = [(d.code, d.span.line) for d in compile_text(text, "p.spm").diagnostics]
    assert found == [("E001", 6), ("E001", 9)]


def test_keyword_as_field_name_hint():
    text = 'plan "x"\nperiod quarter\nledger deals\n  payee from rep\n  plan\n'
    diagnostic = compile_text(text, "p.spm").diagnostics[0]
    assert diagnostic.span.line == 5
    assert diagnostic.help.startswith("`plan` starts a statement, so it cannot name a field")


def test_keyword_readable_as_column():
    text = HEADER.replace("roster\n", "ledger deals\n  payee from rep\n  plan_name from plan\nroster\n") + FOOTER
    assert compile_text(text, "p.spm").diagnostics == []
