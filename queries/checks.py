"""The names of the contract's data-quality checks, read from the catalogue
of queries/exceptions.sql (where each check is defined once)."""

from __future__ import annotations

import re

from queries.engine import question_sql

_CATALOGUE_ROW = re.compile(r"\(\d+,\s*'(\w+)',\s*'(?:blocking|warning|info)'")

# Checks whose rows `exception_lines` (and `close --show CHECK`) lists.
LINE_CHECKS: tuple[str, ...] = tuple(_CATALOGUE_ROW.findall(question_sql("exceptions")))
