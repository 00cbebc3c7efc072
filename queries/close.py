"""Month-end close: the checklist, per-county readiness and extract freshness.

The verdict is computed here once — per county *blocked*, *ready* or
*invoiced* with its reason, and for the month as a whole — and the CLI
(`wrp-tui close`, text, JSON and CSV), the Overview and pane 6 all show it
as it comes from `checklist()`. A county is never ready while a blocking
check that concerns it (or the whole region) is open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl

from queries.calendar import add_months
from queries.engine import DataError, Engine, question_sql
from queries.extracts import extract_files, newest_by_table

SEVERITY_ORDER = ("blocking", "warning", "info")
# Extracts whose figures a month's invoice depends on.
INVOICE_TABLES = ("claims", "eligibility", "pupm_rates", "invoices")
STALE_AFTER = timedelta(hours=24)
VERDICTS = ("blocked", "ready", "invoiced")
# The close's own checks (below): about whole extracts, no rows behind them,
# so an open one blocks every county.
CLOSE_CHECKS = frozenset(
    ("unusable_extract", "eligibility_before_month", "claims_before_month_end",
     "stale_extract", "checks_not_run")
)  # fmt: skip
REFERENCES_NAMED = 3  # findings named in a county's reason, then "+N more"


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
    readiness: pl.DataFrame  # one row per county: its verdict and reason

    @property
    def blocking(self) -> tuple[CheckItem, ...]:
        return tuple(i for i in self.items if i.severity == "blocking" and i.count)

    def grouped(self) -> dict[str, list[CheckItem]]:
        return {s: [i for i in self.items if i.severity == s] for s in SEVERITY_ORDER}

    def counties(self, county: str | None = None) -> pl.DataFrame:
        """The readiness rows, of one county when given."""
        if county is None or self.readiness.is_empty():
            return self.readiness
        return self.readiness.filter(pl.col("county_code") == county)

    def verdict_counts(self, county: str | None = None) -> dict[str, int]:
        rows = self.counties(county)
        found = dict(rows.group_by("verdict").len().iter_rows()) if rows.height else {}
        return {v: found.get(v, 0) for v in VERDICTS}

    def ready(self, county: str | None = None) -> bool:
        """No blocking check open and no county blocked: the month can be invoiced."""
        blocked = self.verdict_counts(county)["blocked"]
        return not blocked and not (county is None and self.blocking)

    def verdict(self, county: str | None = None) -> str:
        """The month's verdict in one line, the same on every surface."""
        counts = self.verdict_counts(county)
        tally = ", ".join(f"{v} {counts[v]}" for v in VERDICTS)
        if county is None and self.blocking:
            names = ", ".join(i.check for i in self.blocking)
            n = len(self.blocking)
            head = f"Not ready: {n} blocking check{'s' if n != 1 else ''} open ({names})"
        elif county is not None and self.counties(county).height:
            row = self.counties(county).row(0, named=True)
            words = {"blocked": "Not ready", "ready": "Ready to invoice", "invoiced": "Invoiced"}
            head = f"{words[row['verdict']]}: {row['reason']}"
        elif counts["blocked"]:
            n = counts["blocked"]
            head = f"Not ready: {n} count{'ies' if n != 1 else 'y'} blocked"
        elif counts["ready"]:
            n = counts["ready"]
            head = f"Ready: {n} count{'ies' if n != 1 else 'y'} to invoice"
        else:
            head = "Invoiced: every county has its ORIGINAL invoice"
        return f"{head} · counties {tally}"


_CATALOGUE_ROW = re.compile(r"\(\d+,\s*'(\w+)',\s*'(?:blocking|warning|info)'")


def check_names() -> tuple[str, ...]:
    """The contract's checks, whose rows `close --show` lists, in the order of
    the catalogue in exceptions.sql (read from there: it is their one list)."""
    return tuple(_CATALOGUE_ROW.findall(question_sql("exceptions")))


def month_to_close(as_of: date) -> date:
    """By default the close is for the month before the as-of month."""
    return add_months(date(as_of.year, as_of.month, 1), -1)


def freshness(engine: Engine) -> list[CheckItem]:
    """Extracts whose files are much older than the newest extract."""
    stamps = newest_by_table(extract_files(engine.data_dir, engine.sources.values()))
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
        base = engine.run("close_readiness", as_of=as_of, month=month)
    except DataError as exc:
        items.append(CheckItem("checks_not_run", "blocking", 1, f"{exc.title}: {exc.message}"))
    else:
        items = [CheckItem(**row) for row in exceptions.iter_rows(named=True)] + items
        readiness = county_verdicts(engine, base, items, month, as_of)
    return Checklist(month, as_of, tuple(items), readiness)


def blocking_findings(
    engine: Engine, items: list[CheckItem], month: date, as_of: date
) -> tuple[list[str], dict[str, list[str]]]:
    """Open blocking checks as reasons: those that concern every county, and
    per county those whose rows name it (e.g. missing_rate for its year)."""
    region: list[str] = []
    by_county: dict[str, list[str]] = {}
    for item in items:
        if item.severity != "blocking" or not item.count:
            continue
        if item.check in CLOSE_CHECKS:
            region.append(f"{item.check} ({item.detail})")
            continue
        rows = engine.run("exception_lines", as_of=as_of, month=month, check=item.check)
        if rows.is_empty() or rows["county_code"].null_count():
            region.append(f"{item.check} ({item.count:,})")
        for (county,), group in rows.drop_nulls("county_code").group_by(["county_code"]):
            refs = [r for r in group["reference"].to_list() if r] or [f"{group.height:,} rows"]
            named = ", ".join(refs[:REFERENCES_NAMED])
            more = f" +{len(refs) - REFERENCES_NAMED} more" if len(refs) > REFERENCES_NAMED else ""
            by_county.setdefault(county, []).append(f"{item.check} {named}{more}")
    return region, by_county


def county_verdicts(
    engine: Engine, base: pl.DataFrame, items: list[CheckItem], month: date, as_of: date
) -> pl.DataFrame:
    """close_readiness.sql's rows with the final verdict: invoiced when an
    ORIGINAL was issued; else blocked when a blocking check concerns the
    county (or the region) or it has no rate; else ready."""
    region, by_county = blocking_findings(engine, items, month, as_of)
    verdicts, reasons = [], []
    for row in base.iter_rows(named=True):
        found = by_county.get(row["county_code"], [])
        # missing_rate already says what "no PUPM rate" would.
        no_rate = row["pupm_rate"] is None and not any(f.startswith("missing_rate") for f in found)
        blockers = ([row["reason"]] if no_rate else []) + found + region
        if row["verdict"] == "invoiced":
            verdicts.append("invoiced")
            reasons.append(row["reason"] + "; late claims go on a supplemental")
        elif blockers:
            verdicts.append("blocked")
            reasons.append("; ".join(blockers))
        else:
            verdicts.append("ready")
            reasons.append("rate and users known; no blocking check open")
    return base.with_columns(
        pl.Series("verdict", verdicts, dtype=pl.String),
        pl.Series("reason", reasons, dtype=pl.String),
    )


def close_records(result: Checklist) -> dict[str, Any]:
    """The checklist and verdict as one JSON object (`close --format json`)."""
    from queries.reports import records

    return {
        "month": f"{result.month:%Y-%m}",
        "as_of": result.as_of.isoformat(),
        "ready": result.ready(),
        "verdict": result.verdict(),
        "blocking_open": [i.check for i in result.blocking],
        "checks": [
            {"check": i.check, "severity": i.severity, "count": i.count,
             "open": bool(i.count), "detail": i.detail}
            for i in result.items
        ],
        "counties": records(result.readiness.select(READINESS_FIELDS))
        if result.readiness.height else [],
    }  # fmt: skip


READINESS_FIELDS = ("county_code", "verdict", "reason", "users", "pupm_rate",
                    "admin_qa_monthly", "expected_total", "invoiced_on")  # fmt: skip
CSV_FIELDS = ("section", "name", "severity", "count", "verdict", "detail")


def close_rows(result: Checklist) -> list[dict[str, Any]]:
    """The checklist, then one row per county, as one flat table (`--format csv`)."""
    rows = [
        dict(section="check", name=i.check, severity=i.severity, count=i.count,
             verdict="open" if i.count else "pass", detail=i.detail)
        for i in result.items
    ]  # fmt: skip
    for r in result.readiness.iter_rows(named=True) if result.readiness.height else ():
        rows.append(dict(section="county", name=r["county_code"], severity="",
                         count=r["users"], verdict=r["verdict"], detail=r["reason"]))  # fmt: skip
    rows.append(dict(section="month", name=f"{result.month:%Y-%m}", severity="",
                     count=len(result.blocking), verdict="ready" if result.ready() else "not ready",
                     detail=result.verdict()))  # fmt: skip
    return rows
