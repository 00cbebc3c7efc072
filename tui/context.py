"""What the user has narrowed the dashboard to: the context bar's state."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from queries import display
from queries.calendar import first_of_month, fiscal_year_of, month_in_fiscal_year

if TYPE_CHECKING:
    from queries.reports import Filters


@dataclass(frozen=True)
class Context:
    """County filter, fiscal year, month and as-of date every pane follows.

    `month` always lies in `fiscal_year`. `latest_paid` is the contract's
    default as-of (the latest paid date in claims), shown beside a chosen one.
    """

    data_dir: Path
    as_of: date
    month: date
    county: str | None = None
    latest_paid: date | None = None
    version: int = 0  # bumped when the extracts are reloaded
    # Where pane 6 reads and writes notes (None: the default store). Not part
    # of key(): a new note reloads pane 6 alone.
    notes_store: Path | None = None

    @property
    def fiscal_year(self) -> int:
        return fiscal_year_of(self.month)

    @property
    def as_of_is_default(self) -> bool:
        return self.as_of == self.latest_paid

    def filters(self, *, month: bool = False) -> Filters:
        """Report filters for this context: the fiscal year, or just the month."""
        from queries.reports import Filters  # polars and duckdb load after the first frame

        if month:
            return Filters(as_of=self.as_of, county=self.county, month=self.month)
        return Filters(as_of=self.as_of, county=self.county, fiscal_year=self.fiscal_year)

    def with_month(self, month: date) -> Context:
        return replace(self, month=first_of_month(month))

    def with_fiscal_year(self, year: int) -> Context:
        """Same calendar month in fiscal year `year`."""
        return replace(self, month=month_in_fiscal_year(self.month, year))

    def labels(self) -> dict[str, str]:
        return {
            "county": display.county_label(self.county) if self.county else "All counties",
            "fiscal_year": display.fiscal_year_label(self.fiscal_year),
            "month": display.month_label(self.month),
            "as_of": self.as_of.isoformat(),
        }

    def key(self) -> tuple:
        """What a pane's figures depend on; a pane reloads when it changes."""
        return (self.data_dir, self.version, self.as_of, self.month, self.county)
