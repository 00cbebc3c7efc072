"""The projection back-test and the lag triangle report, on a program small
enough to follow by hand: one Modoc member served on the 1st of every month
from July 2023 to December 2024, each claim 100.00 paid 20 days later."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from queries.backtest import backtest, replay_dates, summary
from queries.engine import Engine, Settings
from queries.projection import add_months
from tests.extract_builder import write_extracts
from tests.rules_fixture import elig, line
from wrp_tui import cli

A, SITE = "10000001A", "1000000001"
MONTHS = [add_months(date(2023, 7, 1), k) for k in range(18)]  # Jul 2023 .. Dec 2024


@pytest.fixture(scope="module")
def steady(tmp_path_factory):
    return write_extracts(
        tmp_path_factory.mktemp("backtest") / "steady",
        eligibility=[elig(A, m, "25", "96101") for m in MONTHS],
        claims=[line(f"C{m:%Y%m}", A, SITE, m, m + timedelta(days=20), "100.00") for m in MONTHS],
    )


def test_replay_dates_are_every_mid_month_and_month_end():
    dates = replay_dates(2024)
    assert len(dates) == 24
    assert dates[:3] == [(date(2023, 7, 15), "mid-month"), (date(2023, 7, 31), "month-end"),
                         (date(2023, 8, 15), "mid-month")]  # fmt: skip
    assert dates[15] == (date(2024, 2, 29), "month-end")  # a leap year's February


def test_backtest_by_hand(steady):
    frame = backtest(Engine(Settings(steady)))
    # Only FY2023-24 has ended by the last paid date (2024-12-21).
    assert set(frame["fiscal_year"]) == {2024} and frame.height == 24
    assert set(frame["final_cost"]) == {Decimal("1200.00")}
    assert set(frame["final_user_months"]) == {12}
    # On 2023-07-15 nothing is paid yet: nothing to project from.
    first = frame.row(0, named=True)
    assert (first["as_of"], first["projected_cost"], first["cost_error_pct"]) == (
        date(2023, 7, 15),
        Decimal("0.00"),
        -100.0,
    )
    # Every other date projects the year exactly. Mid-month, the month being served
    # has nothing paid yet and the month before, 14 days past its end, is complete
    # at its age in days; a whole-month lag read it as the run-out of a full month
    # (Aug 15: August 0.00 known, so 1,100.00 for the year, 8.33% low).
    rest = frame.slice(1)
    assert set(rest["projected_cost"]) == {Decimal("1200.00")}
    assert set(rest["cost_error_pct"]) == {0.0}
    assert set(rest["user_months_error_pct"]) == {0.0}
    by_kind = {r["kind"]: r for r in summary(frame).iter_rows(named=True)
               if r["fiscal_year"] is None}  # fmt: skip
    assert by_kind["month-end"]["mean_abs_cost_error_pct"] == 0.0
    assert by_kind["mid-month"]["mean_abs_cost_error_pct"] == round(100 / 12, 2)


def test_backtest_and_lag_triangle_reports_on_the_cli(steady):
    runner = CliRunner()
    out = runner.invoke(cli, ["report", "projection-backtest", "--data", str(steady),
                              "--format", "json"])  # fmt: skip
    assert out.exit_code == 0
    rows = json.loads(out.stdout)
    assert rows[1] == {
        "as_of": "2023-07-31", "kind": "month-end", "fiscal_year": 2024,
        "projected_cost": "1200.00", "final_cost": "1200.00", "cost_error_pct": 0.0,
        "county_mean_abs_error_pct": 0.0, "projected_user_months": 12.0,
        "final_user_months": 12, "user_months_error_pct": 0.0,
    }  # fmt: skip
    table = runner.invoke(cli, ["report", "projection-backtest", "--data", str(steady)],
                          env={"COLUMNS": "200"})  # fmt: skip
    assert "Mean error by kind of as-of date" in table.stdout
    triangle = runner.invoke(cli, ["report", "lag-triangle", "--data", str(steady),
                                   "--as-of", "2024-12-21", "--format", "json"])  # fmt: skip
    assert triangle.exit_code == 0
    expected, december, november = json.loads(triangle.stdout)[:3]
    assert expected["label"] == "Expected" and expected["lag_0"] == 100.0
    # December: 100.00 paid on the 21st, complete (every month is by day 20).
    assert (december["service_month"], december["paid"], december["cost_complete_pct"],
            december["projected_paid"]) == ("2024-12", "100.00", 100.0, "100.00")  # fmt: skip
    assert november["lag_0"] == 100.0 and november["lag_1"] == 100.0
