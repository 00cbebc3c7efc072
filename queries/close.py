"""Month-end close: the checklist, per-county readiness and extract freshness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import polars as pl

from queries.engine import DataError, Engine
from queries.projection import add_months

SEVERITY_ORDER = ("blocking", "warning", "info")
# Extracts whose figures a month's invoice depends on.
INVOICE_TABLES = ("claims", "eligibility", "pupm_rates", "invoices")
STALE_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class CheckItem:
    check: str
    severity: str
    count: int
    detail: str


@dataclass(frozen=True)
class Checklist:
    month: date
    as_of: date
    items: tuple[CheckItem, ...]
    readiness: pl.DataFrame  # one row per county

    @property
    def blocking(self) -> tuple[CheckItem, ...]:
        return tuple(i for i in self.items if i.severity == "blocking" and i.count)

    def grouped(self) -> dict[str, list[CheckItem]]:
        return {s: [i for i in self.items if i.severity == s] for s in SEVERITY_ORDER}


def month_to_close(as_of: date) -> date:
    """By default the close is for the month before the as-of month."""
    return add_months(date(as_of.year, as_of.month, 1), -1)


def freshness(engine: Engine) -> list[CheckItem]:
    """Extracts whose files are much older than the newest extract."""
    stamps = {}
    for table, source in engine.sources.items():
        files = [source.path] if source.path.is_file() else list(source.path.rglob("*.parquet"))
        stamps[table] = max(datetime.fromtimestamp(f.stat().st_mtime, UTC) for f in files)
    if not stamps:
        return []
    newest = max(stamps.values())
    stale = sorted(t for t, s in stamps.items() if newest - s > STALE_AFTER)
    detail = (
        "extracts written more than 24 h before the newest one: "
        + ", ".join(f"{t} ({stamps[t]:%Y-%m-%d %H:%M} UTC)" for t in stale)
        if stale
        else f"all extracts written within 24 h of {newest:%Y-%m-%d %H:%M} UTC"
    )
    return [CheckItem("stale_extract", "warning", len(stale), detail)]


def coverage(engine: Engine, month: date) -> list[CheckItem]:
    """Extracts that stop before the end of the month being closed."""
    items = []
    unusable = sorted(set(INVOICE_TABLES) - engine.usable_tables)
    items.append(
        CheckItem(
            "unusable_extract", "blocking", len(unusable),
            "extracts needed to invoice that are missing or break the contract: "
            + (", ".join(unusable) if unusable else "none"),
        )
    )  # fmt: skip
    left_out = [p for p in engine.dates_left_out() if p.blocking]
    items.append(
        CheckItem(
            "dates_out_of_range", "blocking", len(left_out),
            "; ".join(p.describe() for p in left_out)
            or "every date the invoice turns on is within 1900-2100",
        )
    )  # fmt: skip
    last_elig = engine.last_eligibility_month()
    short = last_elig is None or last_elig < month
    items.append(
        CheckItem(
            "eligibility_before_month",
            "blocking",
            int(short),
            f"eligibility runs to {last_elig:%Y-%m}" if last_elig else "no eligibility months",
        )
    )
    month_end = add_months(month, 1) - timedelta(days=1)
    latest_paid = engine.default_as_of() if "claims" in engine.usable_tables else None
    early = latest_paid is None or latest_paid < month_end
    items.append(
        CheckItem(
            "claims_before_month_end", "warning", int(early),
            f"latest paid date {latest_paid} (month ends {month_end})"
            if latest_paid else "no claims",
        )
    )  # fmt: skip
    return items


def checklist(engine: Engine, month: date, as_of: date) -> Checklist:
    """Every check of the contract plus the close's own, and readiness per county.

    When the contract's checks cannot run (an unusable extract), the checklist
    says why in a blocking item and keeps the close's own checks.
    """
    items = coverage(engine, month) + freshness(engine)
    readiness = pl.DataFrame()
    try:
        exceptions = engine.run("exceptions", as_of=as_of, month=month)
        readiness = engine.run("close_readiness", as_of=as_of, month=month)
    except DataError as exc:
        items.append(CheckItem("checks_not_run", "blocking", 1, f"{exc.title}: {exc.message}"))
    else:
        items = [CheckItem(**row) for row in exceptions.iter_rows(named=True)] + items
    return Checklist(month, as_of, tuple(items), readiness)
