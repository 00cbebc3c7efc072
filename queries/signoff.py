"""Signing off a month: what is recorded, when a sign-off is allowed, and
what moved since.

A sign-off records the checklist as it stood (each check's severity and
count, each county's verdict) and the month's key figures per county
(users, expected, billed), with the as-of date and the extract version. The
snapshot holds counts, verdicts and money only, never a member ID. When the
extracts change, the month is recomputed at the signed as-of date on the new
extracts and compared figure by figure, so an as-of chosen later is not
mistaken for a change in the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from queries.cache import extract_version
from queries.close import Checklist, checklist
from queries.engine import DataError, Engine, _rules_sql, question_sql
from queries.notes import Note, NotesStore, SignOff, Subject, month_key

# Checks of the close itself (queries/close.py), beside the contract's catalogue.
CLOSE_CHECKS = ("unusable_extract", "eligibility_before_month", "claims_before_month_end",
                "stale_extract", "checks_not_run")  # fmt: skip
_CATALOGUE = re.compile(r"\(\d+, '(\w+)', '(?:blocking|warning|info)'")
SETTLED = ("explained", "accepted", "fixed")  # note statuses that answer an open check


def known_checks() -> tuple[str, ...]:
    """Every check a note may be about: the contract's catalogue (exceptions.sql)
    and the close's own."""
    return tuple(_CATALOGUE.findall(question_sql("exceptions"))) + CLOSE_CHECKS


def extract_version_of(engine: Engine) -> str:
    """The extract version the cache is keyed by (queries/cache.py): a hash of
    every extract file's path, size and time, and of the rules."""
    return extract_version(engine.data_dir, engine.sources.values(), "".join(_rules_sql()))


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def close_snapshot(engine: Engine, month: date, as_of: date,
                   result: Checklist | None = None) -> dict[str, Any]:  # fmt: skip
    """The checklist and each county's key figures for `month` as known on `as_of`."""
    result = result or checklist(engine, month, as_of)
    checks = [{"check": i.check, "severity": i.severity, "count": i.count} for i in result.items]
    billed: dict[str, Decimal | None] = {}
    try:
        invoices = engine.run("invoices", as_of=as_of, month=month)
    except DataError:
        invoices = None  # the checklist names the unusable extract
    if invoices is not None:  # a county-month with no invoice is billed $0.00
        billed = {r["county_code"]: r["billed_total"] or Decimal(0)
                  for r in invoices.iter_rows(named=True)}  # fmt: skip
    counties = [
        {
            "county_code": r["county_code"],
            "verdict": r.get("verdict"),
            "reason": r.get("reason"),
            "users": r.get("users"),
            "expected_total": _money(r.get("expected_total")),
            "billed_total": _money(billed.get(r["county_code"], Decimal(0)))
            if invoices is not None else None,
        }
        for r in result.readiness.iter_rows(named=True)
    ]
    return {"month": month_key(month), "as_of": as_of.isoformat(), "checks": checks,
            "counties": counties, "blocking_open": len(result.blocking)}  # fmt: skip


@dataclass(frozen=True)
class Change:
    """One figure that differs between the sign-off and now."""

    figure: str  # e.g. "users", "check missing_rate"
    county_code: str | None
    signed: Any
    now: Any

    def describe(self) -> str:
        where = f"{self.county_code} " if self.county_code else ""
        return f"{where}{self.figure}: {_shown(self.signed)} → {_shown(self.now)}"


def _shown(value: Any) -> str:
    return "—" if value is None else str(value)


COUNTY_FIGURES = ("verdict", "users", "expected_total", "billed_total")


def changes(signed: dict[str, Any], now: dict[str, Any]) -> list[Change]:
    """Figure by figure, what differs between two snapshots of a month."""
    moved = []
    before = {c["check"]: c for c in signed.get("checks", [])}
    after = {c["check"]: c for c in now.get("checks", [])}
    for name in list(before) + [n for n in after if n not in before]:
        old, new = before.get(name, {}).get("count"), after.get(name, {}).get("count")
        if old != new:
            moved.append(Change(f"check {name}", None, old, new))
    before = {c["county_code"]: c for c in signed.get("counties", [])}
    after = {c["county_code"]: c for c in now.get("counties", [])}
    for county in sorted(before.keys() | after.keys()):
        for figure in COUNTY_FIGURES:
            old = before.get(county, {}).get(figure)
            new = after.get(county, {}).get(figure)
            if old != new:
                moved.append(Change(figure, county, old, new))
    return moved


@dataclass(frozen=True)
class SignOffState:
    """The sign-off that stands for a month and how the extracts moved since."""

    signoff: SignOff
    version_now: str
    moved: tuple[Change, ...]

    @property
    def new_version(self) -> bool:
        return self.version_now != self.signoff.extract_version

    def summary(self) -> str:
        s = self.signoff
        head = (f"Signed off by {s.author} at {s.signed_at[:16].replace('T', ' ')} UTC "
                f"(as of {s.as_of}, extract version {s.extract_version})")  # fmt: skip
        if not self.new_version:
            return head + "; the extracts are unchanged since."
        if not self.moved:
            return head + f"; new extract version {self.version_now}, no figure moved."
        return head + (f"; CHANGED SINCE: extract version {self.version_now} moves "
                       f"{len(self.moved)} figure(s).")  # fmt: skip


def state_record(state: SignOffState | None) -> dict[str, Any]:
    """The sign-off and what moved, for JSON (the evidence pack, reports)."""
    if state is None:
        return {"signed_off": False}
    return {
        "signed_off": True, "sign_off": state.signoff.as_record(),
        "extract_version_now": state.version_now, "changed_since": bool(state.moved),
        "moved": [{"figure": c.figure, "county_code": c.county_code, "signed": c.signed,
                   "now": c.now} for c in state.moved],
        "summary": state.summary(),
    }  # fmt: skip


def signoff_state(store: NotesStore, engine: Engine, month: date) -> SignOffState | None:
    """The month's standing sign-off compared with the extracts now (None:
    never signed off). Raises NotesError when the store cannot be read."""
    signoff = store.latest_sign_off(month)
    if signoff is None:
        return None
    version = extract_version_of(engine)
    moved: tuple[Change, ...] = ()
    if version != signoff.extract_version:
        now = close_snapshot(engine, month, signoff.as_of)
        moved = tuple(changes(signoff.snapshot, now))
    return SignOffState(signoff, version, moved)


def check_subject(check: str, month: date | None) -> Subject:
    return Subject("check", check=check, month=month)


def check_note(notes: dict[str, Note], check: str, month: date) -> Note | None:
    """The current note on a check in a month (a note for that month first,
    else a standing note on the check)."""
    return notes.get(check_subject(check, month).key) or notes.get(check_subject(check, None).key)


def unexplained_blocking(result: Checklist, notes: dict[str, Note]) -> list[str]:
    """Open blocking checks with no note that settles them: a month is signed
    off only when each has a note explained, accepted or fixed."""
    unsettled = []
    for item in result.blocking:
        note = check_note(notes, item.check, result.month)
        if note is None or note.status not in SETTLED:
            unsettled.append(item.check)
    return unsettled


def sign_off_month(store: NotesStore, engine: Engine, month: date, as_of: date) -> SignOff:
    """Record the sign-off; ValueError names the blocking checks still unexplained."""
    result = checklist(engine, month, as_of)
    notes = store.current(month)
    unsettled = unexplained_blocking(result, notes)
    if unsettled:
        raise ValueError(
            f"{len(unsettled)} blocking check(s) open with no note explaining, accepting or "
            f"fixing them: {', '.join(unsettled)}"
        )
    snapshot = close_snapshot(engine, month, as_of, result)
    snapshot["notes"] = [n.as_record() for n in notes.values()]
    return store.sign_off(month, as_of, extract_version_of(engine), engine.data_dir, snapshot)
