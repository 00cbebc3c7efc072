"""Masking of member identifiers (42 CFR Part 2: minimum necessary)."""

from __future__ import annotations

import re

import polars as pl

BULLET = "•"


def mask_member_id(member_id: str | None) -> str:
    """`91234567A` -> `9•••••67A`: the first digit, bullets, the last two digits
    and the letter. Other shapes keep their first and last three characters;
    IDs too short to mask that way are all bullets."""
    if member_id is None:
        return "—"
    if len(member_id) <= 4:
        return BULLET * len(member_id)
    return member_id[0] + BULLET * (len(member_id) - 4) + member_id[-3:]


# A CIN anywhere in a text value: 8 digits then a letter.
CIN_PATTERN = r"\b(\d)\d{5}(\d{2}[A-Z])\b"


_CIN = re.compile(CIN_PATTERN)


def mask_text(text: str) -> str:
    """Every CIN in a message masked (errors, audit scopes, log lines)."""
    return _CIN.sub(lambda m: m.group(1) + BULLET * 5 + m.group(2), text)


def mask_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every CIN in every text column masked, whatever the column is called
    (an ad-hoc query may alias or concatenate member_id)."""
    return frame.with_columns(
        pl.col(name).str.replace_all(CIN_PATTERN, "${1}" + BULLET * 5 + "${2}")
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )
