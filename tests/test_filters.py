"""The filters live in one place: each report question's own $county,
$fiscal_year and $month conditions. `report`, the panes and the SQL that `q`
opens in the console all run them; nothing filters the rows again after."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl
import pytest

from queries.engine import Engine, Settings, parameter_names, question_sql
from queries.reports import COMPUTED, REPORTS, Filters, records, run_report
from tests.rules_fixture import JUL, JUN, build_rules_extracts
from tui.context import Context
from tui.views.adequacy import adequacy_root
from tui.views.console import question_text
from tui.views.invoices import aging_level, invoices_month_root, invoices_root
from tui.views.reconciliation import reconciliation_root
from tui.views.users import users_root

AS_OF = date(2024, 9, 15)  # the fixture's latest paid date
SQL_REPORTS = [n for n, r in REPORTS.items() if r.question not in COMPUTED]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return build_rules_extracts(tmp_path_factory.mktemp("filters"))


@pytest.fixture(scope="module")
def engine(data_dir):
    engine = Engine(Settings(data_dir))
    yield engine
    engine.close()


def keys(engine, name, **filters):
    rows = records(run_report(engine, name, Filters(**filters)))
    return [tuple(row[k] for k in REPORTS[name].key) for row in rows]


@pytest.mark.parametrize("name", SQL_REPORTS)
def test_every_filter_a_report_honours_is_a_condition_of_its_sql(name):
    report = REPORTS[name]
    assert set(report.filters) <= set(parameter_names(question_sql(report.question)))


def test_each_filter_gives_the_matching_rows_worked_out_by_hand(engine):
    # users: Modoc June and July, Shasta July (B moved), Solano June (B, not a plan member)
    assert keys(engine, "users") == [("25", "2024-06"), ("25", "2024-07"), ("45", "2024-07"),
                                     ("48", "2024-06")]  # fmt: skip
    assert keys(engine, "users", county="25") == [("25", "2024-06"), ("25", "2024-07")]
    assert keys(engine, "users", fiscal_year=2025) == [("25", "2024-07"), ("45", "2024-07")]
    assert keys(engine, "users", month=JUN) == [("25", "2024-06"), ("48", "2024-06")]
    assert keys(engine, "users", county="48", fiscal_year=2025) == []
    assert keys(engine, "invoices", county="45") == [("45", "2024-07")]
    assert keys(engine, "invoices", fiscal_year=2024) == [("25", "2024-06"), ("48", "2024-06")]
    assert keys(engine, "reconciliation", fiscal_year=2025) == [("25", 2025), ("45", 2025)]
    assert keys(engine, "penetration", county="48") == [("48", 2024), ("48", 2025)]
    assert keys(engine, "access", month=date(2024, 8, 1)) == [("25", "2024-08")]
    assert keys(engine, "supplementals", month=JUN) == [("48", "2024-06")]
    # late changes: the invoiced county-months, now by fiscal year too
    assert keys(engine, "late-changes", fiscal_year=2024) == [("25", "2024-06"),
                                                             ("48", "2024-06")]  # fmt: skip
    assert keys(engine, "late-changes", fiscal_year=2025) == [("25", "2024-07")]
    assert keys(engine, "late-changes", county="48") == [("48", "2024-06")]
    # aging: unpaid invoices, oldest first
    assert keys(engine, "aging", fiscal_year=2025) == [("I-25-07",), ("I-45-07-S1",)]
    assert keys(engine, "aging", month=JUN) == [("I-48-06",)]
    # adequacy: Modoc's three levels with a standard
    assert [k[0] for k in keys(engine, "adequacy", county="25")] == ["25"] * 3
    # --county does not filter the exceptions (contract)
    assert keys(engine, "exceptions", county="25") == keys(engine, "exceptions")


@pytest.mark.parametrize("name", SQL_REPORTS)
def test_a_filtered_report_is_exactly_the_matching_rows_of_the_whole(engine, name):
    report = REPORTS[name]
    # the whole report: every row (of adequacy's and the exceptions' month, July)
    base = Filters(as_of=AS_OF, month=JUL if "month" in report.computing else None)
    whole = run_report(engine, name, base)
    columns = {"county": "county_code", "fiscal_year": "fiscal_year", "month": "month"}
    values = {"county": ["25", "45", "48", "12"], "fiscal_year": [2024, 2025, 2026],
              "month": [JUN, JUL]}  # fmt: skip
    assert whole.height or name in ("care", "exceptions")
    for key in set(report.filters) - set(report.computing):
        for value in values[key]:
            filters = replace(base, **{key: value})
            expected = whole.filter(pl.col(columns[key]) == value)
            assert run_report(engine, name, filters).equals(expected), (name, key, value)


ROOTS = {
    "users": users_root,
    "invoices": invoices_root,
    "invoices (month)": invoices_month_root,
    "reconciliation": reconciliation_root,
    "aging": lambda _ctx: aging_level(),
    "adequacy": adequacy_root,
}


@pytest.mark.parametrize("county", [None, "25"])
@pytest.mark.parametrize("pane", ROOTS)
def test_the_sql_q_opens_gives_the_panes_rows(engine, data_dir, pane, county):
    ctx = Context(data_dir, AS_OF, JUL, county, AS_OF)
    level = ROOTS[pane](ctx)
    question, params = level.query(ctx)
    opened = engine.run_sql(question_text(question, params, pane))  # literals, as the console
    shown = level.load(engine, ctx, True).figures.raw
    if pane == "users":  # the pane pivots the rows to county x month
        assert opened.height
        for row in opened.iter_rows(named=True):
            cell = shown.filter(pl.col("county_code") == row["county_code"])
            assert cell[row["month"].isoformat()].item() == row["users"]
        return
    if pane == "invoices (month)":  # the pane also lists counties with no row: 0 users
        shown = shown.filter(pl.col("county_code").is_in(opened["county_code"].to_list()))
    common = [c for c in opened.columns if c in shown.columns]
    assert opened.height and len(common) > 3
    assert shown.select(common).equals(opened.select(common))
