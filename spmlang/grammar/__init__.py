"""The plan grammar and the parser that turns plan text into a syntax tree."""

from spmlang.grammar.parser import parse_plan

__all__ = ["parse_plan"]
