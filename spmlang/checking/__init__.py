"""Checking: names, units and plan rules, from the syntax tree to typed declarations."""

from spmlang.checking.checker import check_plan

__all__ = ["check_plan"]
