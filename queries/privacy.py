"""Masking of member identifiers (42 CFR Part 2: minimum necessary)."""

from __future__ import annotations

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
