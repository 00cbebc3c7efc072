"""Which months have figures yet: where a context change should land, and
which months of a table read `—` (no data yet) rather than 0."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from queries.engine import Engine


def latest_month_with_users(engine: Engine, as_of: date,
                            fiscal_year: int | None = None) -> date | None:  # fmt: skip
    """The latest service month with at least one user in any county, as
    known on `as_of` (in `fiscal_year` when given); None when there is none."""
    from queries.reports import Filters, run_report

    users = run_report(engine, "users", Filters(as_of=as_of, fiscal_year=fiscal_year))
    months = users.filter(users["users"] > 0)["month"]
    return months.max() if months.len() else None
