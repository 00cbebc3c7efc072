"""The claim-facts cache: built once per extract version, invalidated by any change."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import polars as pl
import pytest

from queries.engine import Engine, Settings
from queries.reports import Filters, records, run_report
from tests.rules_fixture import CLAIMS, ELIGIBILITY, JUN, P_MOD, build_rules_extracts, elig, line
from wrp_tui import DEMO_DATA


def modoc_june_users(engine):
    rows = records(run_report(engine, "users", Filters(county="25", month=date(2024, 6, 1))))
    return rows[0]["users"]


def test_cache_is_built_once_and_reused(tmp_path):
    data = build_rules_extracts(tmp_path / "data")
    first = Engine(Settings(data, cache_dir=tmp_path / "cache"))
    assert first.cache is not None and first.cache.path("claim_facts").exists()
    built = first.cache.path("claim_facts").stat().st_mtime_ns
    second = Engine(Settings(data, cache_dir=tmp_path / "cache"))
    assert second.cache.path("claim_facts") == first.cache.path("claim_facts")
    assert second.cache.path("claim_facts").stat().st_mtime_ns == built
    assert modoc_june_users(second) == 1


def test_changed_extract_gives_new_figures(tmp_path):
    data = build_rules_extracts(tmp_path / "data")
    before = Engine(Settings(data, cache_dir=tmp_path / "cache"))
    assert modoc_june_users(before) == 1
    # Another June service for a second Modoc member arrives in a new extract.
    newcomer = "10000009J"
    build_rules_extracts(
        data,
        eligibility=ELIGIBILITY + [elig(newcomer, JUN, "25", "96101")],
        claims=CLAIMS
        + [line("C99", newcomer, P_MOD, date(2024, 6, 5), date(2024, 6, 20), "10.00")],
    )
    after = Engine(Settings(data, cache_dir=tmp_path / "cache"))
    assert after.cache.path("claim_facts") != before.cache.path("claim_facts")
    assert modoc_june_users(after) == 2


def test_cache_is_optional(tmp_path):
    data = build_rules_extracts(tmp_path / "data")
    unwritable = tmp_path / "ro"
    unwritable.mkdir()
    os.chmod(unwritable, 0o500)
    try:
        engine = Engine(Settings(data, cache_dir=unwritable / "cache"))
    finally:
        os.chmod(unwritable, 0o700)
    if os.geteuid() != 0:  # root can write anywhere
        assert engine.cache is None and "unavailable" in engine.cache_note
    assert modoc_june_users(engine) == 1
    off = Engine(Settings(data, use_cache=False))
    assert off.cache is None and modoc_june_users(off) == 1


def test_two_dashboards_share_one_build(tmp_path):
    data = build_rules_extracts(tmp_path / "data")
    with ThreadPoolExecutor(2) as pool:
        engines = list(
            pool.map(lambda _: Engine(Settings(data, cache_dir=tmp_path / "cache")), range(2))
        )
    assert engines[0].cache.path("claim_facts") == engines[1].cache.path("claim_facts")
    assert [modoc_june_users(e) for e in engines] == [1, 1]
    leftovers = [p.name for p in engines[0].cache.folder.iterdir() if "partial" in p.name]
    assert leftovers == []


def test_extracts_folder_is_never_written(tmp_path):
    data = build_rules_extracts(tmp_path / "data")
    before = {p: p.stat().st_mtime_ns for p in data.rglob("*")}
    engine = Engine(Settings(data, cache_dir=tmp_path / "cache"))
    run_report(engine, "exceptions", Filters())
    assert {p: p.stat().st_mtime_ns for p in data.rglob("*")} == before


LINE_LEVEL_USERS = """
    SELECT county_code, service_month AS month, count(DISTINCT member_id) AS users,
           count(DISTINCT member_id) FILTER (WHERE plan_member) AS plan_member_users
    FROM services($as_of) WHERE county_code IS NOT NULL GROUP BY ALL ORDER BY ALL
"""
LINE_LEVEL_COST = """
    SELECT county_code, service_month AS month, sum(paid_amount) AS claims_cost
    FROM cost_lines($as_of) GROUP BY ALL ORDER BY ALL
"""


@pytest.mark.parametrize("as_of", ["2024-01-31", "2025-06-30", "2025-12-15", "2026-11-13"])
def test_rollups_equal_the_line_level_rules(as_of):
    """user_spans and cost_by_paid_date, filtered by as-of, give exactly what
    counting the lines known on that date gives (demo data, many ties)."""
    engine = Engine(Settings(DEMO_DATA))
    day = date.fromisoformat(as_of)
    by_spans = engine.run_sql(
        "SELECT county_code, month, users, plan_member_users"
        " FROM county_month_users($as_of) ORDER BY ALL", {"as_of": day}
    )  # fmt: skip
    assert by_spans.equals(engine.run_sql(LINE_LEVEL_USERS, {"as_of": day}))
    by_paid_date = engine.run_sql(
        "SELECT county_code, month, claims_cost FROM county_month_cost($as_of) ORDER BY ALL",
        {"as_of": day},
    )
    assert by_paid_date.equals(engine.run_sql(LINE_LEVEL_COST, {"as_of": day}))


# The claims-lag triangle counted from the lines: each user-month at the lag
# of the earliest paid_date among its services known on $as_of.
LINE_LEVEL_LAG = """
    WITH cost AS (
        SELECT county_code, service_month, datediff('month', service_month, paid_date) AS lag,
               sum(paid_amount) AS paid
        FROM cost_lines($as_of) GROUP BY ALL
    ), users AS (
        SELECT county_code, service_month, lag, count(*) AS new_users
        FROM (SELECT county_code, service_month, member_id,
                     min(datediff('month', service_month, paid_date)) AS lag
              FROM services($as_of) WHERE county_code IS NOT NULL GROUP BY ALL)
        GROUP BY ALL
    )
    SELECT county_code, service_month, lag AS lag_months,
           coalesce(paid, 0) AS paid, coalesce(new_users, 0) AS new_users
    FROM cost FULL JOIN users USING (county_code, service_month, lag)
    ORDER BY ALL
"""


@pytest.mark.parametrize("as_of", ["2024-01-31", "2025-06-30", "2025-12-15", "2026-11-13"])
def test_claims_lag_equals_the_line_level_rules(as_of):
    """user_counts' first-known dates, filtered by as-of, put each user-month
    at the same lag as its earliest service line known on that date."""
    engine = Engine(Settings(DEMO_DATA))
    day = date.fromisoformat(as_of)
    by_rollups = engine.run("claims_lag", as_of=day).sort(pl.all())
    by_lines = engine.run_sql(LINE_LEVEL_LAG, {"as_of": day})
    assert by_rollups.height > 0
    assert by_rollups.equals(by_lines)


def test_a_build_in_many_chunks_gives_the_figures_of_the_rules(tmp_path, monkeypatch):
    """The cache built a few hundred lines at a time (reversals and duplicate
    rows then cross chunks) gives every report exactly as the rules computed
    on the fly over all the lines do."""
    monkeypatch.setattr("queries.cache.CHUNK_LINES", 300)
    chunked = Engine(Settings(DEMO_DATA, cache_dir=tmp_path / "cache"))
    assert len(list(chunked.cache.path("claim_facts").glob("*.parquet"))) > 5
    on_the_fly = Engine(Settings(DEMO_DATA, use_cache=False))
    for name in ("users", "invoices", "reconciliation", "exceptions", "claims-lag",
                 "late-changes", "supplementals", "care", "penetration"):  # fmt: skip
        for as_of in (date(2025, 6, 30), None):
            filters = Filters(as_of=as_of)
            assert run_report(chunked, name, filters).equals(
                run_report(on_the_fly, name, filters)
            ), (name, as_of)
