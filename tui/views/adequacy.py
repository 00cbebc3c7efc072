"""Network adequacy: distance and timely access per county and level, then the
ZIPs outside the standard."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text

from queries import display
from queries.reports import run_report
from tui.context import Context
from tui.presenting import ALERT_STYLE, Column, Figures, present
from tui.views import Level, LevelResult, key_value, line
from tui.views.console import asked, report_query

if TYPE_CHECKING:
    from queries.engine import Engine

TIMELY_TARGET = 80.0  # the plan's working target; the contract sets no threshold

ADEQUACY_COLUMNS = (
    Column("county_code", "County", "county"),
    Column("level_of_care", "Level"),
    Column("max_miles", "Max mi", "count"),
    Column("members", "Members", "count"),
    Column("members_within", "Within", "count"),
    Column("pct_within", "% within", "percent"),
    Column("members_not_located", "No ZIP", "count"),
    Column("referrals", "Referrals", "count"),
    Column("referrals_timely", "Timely", "count"),
    Column("referrals_pending", "Pending", "count"),
    Column("pct_timely", "% timely", "percent"),
    Column("referrals_served", "Served", "count"),
    Column("median_days_to_service", "Median to svc", "days"),
    Column("served_within_14", "≤14 d", "count"),
    Column("active_sites_in_county", "Sites", "count"),
)
# Enter on these columns lists the referrals behind them; elsewhere the ZIPs
# outside the distance standard.
REFERRAL_FIGURES = {
    "referrals", "referrals_timely", "referrals_pending", "pct_timely", "referrals_served",
    "median_days_to_service", "served_within_14",
}  # fmt: skip


def flags(frame) -> tuple[list[dict], list[dict]]:
    """County-levels with members outside the distance standard, and with
    timely access below the target."""
    rows = list(frame.iter_rows(named=True))
    distance = [r for r in rows if r["members"] and r["members_within"] < r["members"]]
    timely = [r for r in rows if r["pct_timely"] is not None and r["pct_timely"] < TIMELY_TARGET]
    return distance, timely


def flag_text(rows: list[dict], column: str) -> str:
    worst = sorted(rows, key=lambda r: (r[column], r["county_code"]))[:3]
    return ", ".join(
        f"{display.county_label(r['county_code'])} {r['level_of_care']} "
        f"{display.percent(r[column])}"
        for r in worst
    )


def load_adequacy(engine: Engine, ctx: Context, mask: bool) -> LevelResult:
    frame = run_report(engine, "adequacy", ctx.filters(month=True))
    distance, timely = flags(frame)
    notes = [
        line(
            key_value(
                "Outside distance",
                f"{len(distance)} of {frame.height}",
                ALERT_STYLE if distance else "bold",
            ),  # fmt: skip
            Text(flag_text(distance, "pct_within"), style="dim"),
        ),
        line(
            key_value(
                f"Timely < {TIMELY_TARGET:.0f}%",
                f"{len(timely)}",
                ALERT_STYLE if timely else "bold",
            ),  # fmt: skip
            Text(flag_text(timely, "pct_timely"), style="dim"),
        ),
    ]
    notes.extend(credential_notes(engine, ctx))
    notes.extend(site_count_notes(engine, ctx))
    notes.extend(lapsed_notes(engine, ctx))
    return LevelResult(present(frame, ADEQUACY_COLUMNS, mask_members=mask), tuple(notes))


def credential_notes(engine: Engine, ctx: Context) -> list[Text]:
    expiring = engine.run("expiring_credentials", as_of=ctx.as_of, county=ctx.county)
    if expiring.is_empty():
        return [Text("No credentials expire within 60 days.", style="dim")]
    out = [key_value("Credentials expiring ≤ 60 days", display.count(expiring.height), ALERT_STYLE)]
    for r in expiring.head(3).iter_rows(named=True):
        out.append(Text.assemble(
            (f"  {r['credential_expires']} ", "bold"),
            (f"({r['days_left']} d) ", "dim"),
            f"{r['provider_name']} · {display.county_label(r['county_code'])} · {r['levels']}",
        ))  # fmt: skip
    return out


def site_count_notes(engine: Engine, ctx: Context) -> list[Text]:
    """Active sites at the end of the month for every level, the levels
    without a standard (residential, WM, RS, CM) included."""
    counts = engine.run("site_counts", month=ctx.month, county=ctx.county)
    where = "in county" if ctx.county else "region"
    parts = [
        Text.assemble((f"{r['level_of_care']} ", "dim"), (display.count(r["active_sites"]), "bold"))
        for r in counts.iter_rows(named=True)
    ]
    return [line(Text(f"Sites active {where}:", style="dim"), *parts, separator="  ")]


def lapsed_notes(engine: Engine, ctx: Context) -> list[Text]:
    """Sites still under contract whose credential lapsed: not active, so
    they are left out of the distance figures (they may explain a gap)."""
    lapsed = engine.run("lapsed_credentials", as_of=ctx.as_of, county=ctx.county)
    if lapsed.is_empty():
        return [Text("No site under open contract has a lapsed credential.", style="dim")]
    out = [key_value("Credential lapsed, contract open", display.count(lapsed.height),
                     ALERT_STYLE)]  # fmt: skip
    for r in lapsed.head(3).iter_rows(named=True):
        out.append(Text.assemble(
            (f"  {r['credential_expires']} ", "bold"),
            (f"({r['days_lapsed']} d ago) ", "dim"),
            f"{r['provider_name']} · {display.county_label(r['county_code'])} · {r['levels']}",
        ))  # fmt: skip
    return out


def drill_to_gaps(figures: Figures, row: int, column: int, ctx: Context) -> Level:
    record = figures.row(row)
    if figures.columns[column].name in REFERRAL_FIGURES:
        return referrals_level(record["county_code"], record["level_of_care"], ctx.month)
    return gaps_level(record["county_code"], record["level_of_care"], record["max_miles"])


def adequacy_root(ctx: Context) -> Level:
    return Level(
        f"Network adequacy {display.month_label(ctx.month)}",
        load_adequacy,
        drill_to_gaps,
        enter_hint="ZIPs outside the standard (on a referral figure: the referrals)",
        fixed_columns=2,
        query=report_query("adequacy", partial(Context.filters, month=True)),
    )


# -- ZIPs outside the standard ----------------------------------------------------------
GAP_COLUMNS = (
    Column("zip", "ZIP"),
    Column("members", "Members", "count"),
    Column("nearest_miles", "Nearest", "miles"),
    Column("nearest_site_name", "Nearest site"),
    Column("nearest_site_county", "Site county", "county"),
    Column("located", "ZIP located", "yes_no"),
)


def load_gaps(county: str, level: str, engine: Engine, ctx: Context, mask: bool) -> LevelResult:
    frame = engine.run("adequacy_gaps", month=ctx.month, county=county, level=level)
    # Not-located ZIPs are listed too, but they are not far: their distance is unknown.
    far = frame.filter(frame["located"]) if frame.height else frame
    lost = frame.filter(~frame["located"]) if frame.height else frame
    note = line(
        key_value("Beyond the standard", members_in_zips(far)),
        key_value("not located", members_in_zips(lost)),
    )
    how = Text("distance from the ZIP centroid to the nearest active site offering the level; "
               "a ZIP missing from the zips extract has none", style="dim")  # fmt: skip
    return LevelResult(present(frame, GAP_COLUMNS, mask_members=mask), (note, how))


def members_in_zips(frame) -> str:
    """`3 members in 2 ZIPs`, `1 member in 1 ZIP`."""
    members, zips = int(frame["members"].sum() or 0) if frame.height else 0, frame.height
    return (f"{display.count(members)} member{'s' if members != 1 else ''} in "
            f"{display.count(zips)} ZIP{'s' if zips != 1 else ''}")  # fmt: skip


def gaps_level(county: str, level: str, max_miles: int) -> Level:
    return Level(
        f"{display.county_label(county)} {level}: ZIPs beyond {max_miles} mi or not located",
        partial(load_gaps, county, level),
        query=asked("adequacy_gaps", "month", county=county, level=level),
    )


# -- the referrals behind the timely-access and days-to-service figures ----------------
REFERRAL_COLUMNS = (
    Column("referral_id", "Referral"),
    Column("member_id", "Member", "member"),
    Column("source", "Source"),
    Column("request_date", "Requested", "date"),
    Column("offered_on", "Offered", "date"),
    Column("business_days_to_offer", "Bus. days", "count"),
    Column("outcome", "Offer"),
    Column("served_on", "Served", "date"),
    Column("days_to_service", "Days to svc", "count"),
)


def load_referrals(county: str, level: str, month: date, engine: Engine, ctx: Context,
                   mask: bool) -> LevelResult:  # fmt: skip
    frame = engine.run(
        "adequacy_referrals", as_of=ctx.as_of, month=month, county=county, level=level
    )
    note = line(
        key_value("Referrals", display.count(frame.height)),
        Text("offers and services after the as-of date are not yet made; business days "
             "Mon-Fri after the request", style="dim"),
    )  # fmt: skip
    return LevelResult(present(frame, REFERRAL_COLUMNS, mask_members=mask), (note,))


def referrals_level(county: str, level: str, month: date) -> Level:
    return Level(
        f"{display.county_label(county)} {level}: referrals of {display.month_label(month)}",
        partial(load_referrals, county, level, month),
        query=asked("adequacy_referrals", "as_of", month=month, county=county, level=level),
    )
