"""Small-cell suppression for figures that leave the team (`--public`).

Following the CalHHS Data De-Identification Guidelines:
- primary: a count of 1 to 10 people (or lines) is suppressed;
- derived: money, rates and percentages computed from a suppressed count are
  suppressed with it;
- subtraction: a part whose whole is shown is suppressed when whole - part is
  1 to 10 (publishing both would reveal the small difference);
- complementary: in every line of the table whose total could be formed or is
  published elsewhere (the counties of one month, the months of one county's
  fiscal year), a lone suppressed cell takes the smallest other non-zero cell
  (or, failing that, a zero) with it, so no suppressed cell can be recovered
  by subtraction.
Suppressed values become null and the row's `suppressed` column names them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

SMALL = range(1, 11)


@dataclass(frozen=True)
class Policy:
    counts: tuple[str, ...]
    derived: dict[str, tuple[str, ...]] = field(default_factory=dict)
    parts: tuple[tuple[str, str], ...] = ()  # (part, whole)
    lines: tuple[tuple[str, ...], ...] = ()  # columns that fix one line of cells


POLICIES: dict[str, Policy] = {
    "users": Policy(
        counts=("users", "plan_member_users", "non_plan_users"),
        parts=(("plan_member_users", "users"), ("non_plan_users", "users")),
        lines=(("month",), ("county_code", "fiscal_year")),
    ),
    "invoices": Policy(
        counts=("computed_users", "billed_users"),
        derived={
            "computed_users": ("expected_total", "drift_users", "drift_amount", "to_invoice"),
            "billed_users": ("billed_total", "paid", "outstanding", "drift_users", "drift_amount"),
        },  # fmt: skip
        lines=(("month",), ("county_code", "fiscal_year")),
    ),
    "reconciliation": Policy(
        counts=("user_months",),
        derived={
            "user_months": (
                "pupm_billed",
                "actual_claims_cost",
                "variance",
                "variance_pct",
                "indicated_pupm",
                "federal_match",
                "cost_through_invoiced",
                "variance_through_invoiced",
            ),
        },  # fmt: skip
        lines=(("fiscal_year",),),
    ),
    "adequacy": Policy(
        counts=(
            "members",
            "members_within",
            "members_not_located",
            "referrals",
            "referrals_timely",
            "referrals_pending",
        ),
        derived={
            "members": ("pct_within",),
            "members_within": ("pct_within",),
            "referrals": ("pct_timely",),
            "referrals_timely": ("pct_timely",),
            "referrals_pending": ("pct_timely",),
        },
        parts=(
            ("members_within", "members"),
            ("members_not_located", "members"),
            ("referrals_timely", "referrals"),
            ("referrals_pending", "referrals"),
        ),
        lines=(("level_of_care",),),
    ),  # fmt: skip
    "exceptions": Policy(counts=("count",)),
}


def _small(value: object) -> bool:
    return isinstance(value, int) and value in SMALL


def suppress(frame: pl.DataFrame, policy: Policy) -> pl.DataFrame:
    """The frame with small cells and everything that would reveal them nulled."""
    rows = frame.to_dicts()
    hidden: list[set[str]] = [
        {c for c in policy.counts if c in row and _small(row[c])} for row in rows
    ]
    changed = True
    while changed:
        changed = False
        for row, cells in zip(rows, hidden, strict=True):
            for part, whole in policy.parts:
                if part in cells or part not in row or row[part] is None or row[whole] is None:
                    continue
                if whole in cells or _small(row[whole] - row[part]):
                    cells.add(part)
                    changed = True
        for column in policy.counts:
            for key in policy.lines:
                changed |= _complement(rows, hidden, column, key)
    for row, cells in zip(rows, hidden, strict=True):
        for column in sorted(cells):
            for target in (column, *policy.derived.get(column, ())):
                if target in row:
                    row[target] = None
        derived = {t for c in cells for t in policy.derived.get(c, ()) if t in row}
        row["suppressed"] = ", ".join(sorted(cells | derived)) or None
    schema = dict(frame.schema) | {"suppressed": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


def _complement(rows, hidden, column: str, key: tuple[str, ...]) -> bool:
    """Suppress one more cell in every line where `column` has exactly one."""
    if not rows or column not in rows[0] or any(k not in rows[0] for k in key):
        return False
    lines: dict[tuple, list[int]] = {}
    for index, row in enumerate(rows):
        lines.setdefault(tuple(row[k] for k in key), []).append(index)
    changed = False
    for members in lines.values():
        if sum(column in hidden[i] for i in members) != 1:
            continue
        shown = [i for i in members if column not in hidden[i] and rows[i][column] is not None]
        if shown:
            # The smallest non-zero cell; a zero only when nothing else is left.
            smallest = min(shown, key=lambda i: (rows[i][column] == 0, rows[i][column]))
            hidden[smallest].add(column)
            changed = True
    return changed
