"""Month-end close: checklist, late changes, supplementals, lag factors, projection."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from fractions import Fraction

import polars as pl
import pytest
from typer.testing import CliRunner

from queries.close import checklist, month_to_close
from queries.engine import Engine, Settings
from queries.projection import (
    Completion,
    completion_factors,
    project_months,
    year_end,
)
from queries.reports import Filters, records, run_report
from tests.rules_fixture import build_rules_extracts
from wrp_tui import cli

CIN = re.compile(r"\b\d{8}[A-Z]\b")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return build_rules_extracts(tmp_path_factory.mktemp("close"))


@pytest.fixture(scope="module")
def engine(data_dir):
    engine = Engine(Settings(data_dir))
    yield engine
    engine.close()


def run_cli(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], env={"COLUMNS": "160"})


# -- lag factors and projection, on a triangle small enough to do by hand ----
# As of 2024-09-20 the months' ages in days are Sep 19, Aug 50, Jul 81.
#   Jul: 100 paid at day 10, 50 at day 40, 10 at day 70 -> known at 19/50/81: 100, 150, 160
#   Aug: 120 at day 10, 60 at day 45                    -> known at 19/50: 120, 180
#   Sep:  90 at day 15                                  -> known at 19: 90
# Development 19 -> 50 days (Jul, Aug) = (150 + 180) / (100 + 120) = 1.5;
# 50 -> 81 days (Jul) = 160 / 150 = 16/15.
# Completion: Jul 1, Aug 15/16 = 0.9375, Sep 1 / (1.5 * 16/15) = 0.625.
LAG_DAYS = pl.DataFrame(
    {
        "service_month": [date(2024, 7, 1)] * 3 + [date(2024, 8, 1)] * 2 + [date(2024, 9, 1)],
        "lag_days": [10, 40, 70, 10, 45, 15],
        "paid": [Decimal(x) for x in ("100", "50", "10", "120", "60", "90")],
        "new_users": [10, 5, 1, 12, 6, 9],
    }
)
# The same payments by whole months of lag, for one county (what is known so far).
TRIANGLE = pl.DataFrame(
    {
        "county_code": ["25"] * 6,
        "service_month": [date(2024, 7, 1)] * 3 + [date(2024, 8, 1)] * 2 + [date(2024, 9, 1)],
        "lag_months": [0, 1, 2, 0, 1, 0],
        "paid": [Decimal(x) for x in ("100", "50", "10", "120", "60", "90")],
        "new_users": [10, 5, 1, 12, 6, 9],
    }
)
AS_OF = date(2024, 9, 20)


def test_completion_factors_by_hand():
    factors = completion_factors(LAG_DAYS, AS_OF, "paid")
    assert factors[2] == 1
    assert factors[1] == Decimal("0.9375")
    assert factors[0] == Decimal("0.625")
    # Users develop the same way here: 15/10 then 16/15.
    assert completion_factors(LAG_DAYS, AS_OF, "new_users")[0] == Decimal("0.625")


def test_a_partial_month_is_read_at_its_age_in_days():
    # Mid-month, as of Sep 5 (Sep 4 days, Aug 35, Jul 66 days old): Jul's 50 at day
    # 40 is known, its 10 at day 70 not yet. Development 4 -> 35 days: nothing was
    # paid by day 4, so 1; 35 -> 66 days (Jul): 150 / 100 = 1.5 — Aug, 35 days
    # old, is 2/3 complete; on a whole-month lag it would count as complete.
    early = LAG_DAYS.filter(pl.col("service_month") + pl.duration(days=pl.col("lag_days"))
                            <= date(2024, 9, 5))  # fmt: skip
    factors = completion_factors(early, date(2024, 9, 5), "paid")
    assert (factors[2], factors[1]) == (1, Fraction(2, 3))


def test_project_months_and_year_end_by_hand():
    factors = Completion(
        cost=completion_factors(LAG_DAYS, AS_OF, "paid"),
        users=completion_factors(LAG_DAYS, AS_OF, "new_users"),
    )
    months = project_months(TRIANGLE, AS_OF, 2025, factors)
    assert months.height == 12
    head = months.head(3).select("month", "basis", "known_cost", "projected_cost")
    # Sep is still being served: at the run rate of the ended months Jul and Aug
    # (no June in the data): known / completion summed = 340 / 1.9375 = 175.48.
    assert head.rows() == [
        (date(2024, 7, 1), "lag-completed", Decimal("160.00"), Decimal("160.00")),
        (date(2024, 8, 1), "lag-completed", Decimal("180.00"), Decimal("192.00")),
        (date(2024, 9, 1), "run rate", Decimal("90.00"), Decimal("175.48")),
    ]
    rest = months.filter(pl.col("basis") == "run rate")
    assert rest.height == 10
    assert set(rest["projected_cost"].to_list()) == {Decimal("175.48")}
    # users: (16 + 18) / 1.9375 = 17.548 -> 17.5
    assert set(rest["projected_users"].to_list()) == {Decimal("17.5")}
    # Year: 160 + 192 + 10 x 175.48 = 2106.80; users 16 + 19.2 + 10 x 17.5 = 210.2
    billed = pl.DataFrame(
        {"county_code": ["25"], "pupm_billed": [Decimal("300.00")], "billed_users": [30]}
    )
    (row,) = year_end(months, billed, {"25": Decimal("10.00")}).to_dicts()
    assert row["projected_cost"] == Decimal("2106.80")
    assert row["projected_user_months"] == Decimal("210.2")
    # 300.00 billed + (210.2 - 30) x 10.00 = 2102.00; variance 2102.00 - 2106.80.
    assert row["projected_pupm_billed"] == Decimal("2102.00")
    assert row["projected_variance"] == Decimal("-4.80")
    assert row["break_even_pupm"] == Decimal("10.02")  # 2106.80 / 210.2


# -- late changes and supplementals on the rules fixture ----------------------
def test_late_changes_since_original_invoice(engine):
    rows = records(run_report(engine, "late-changes", Filters()))
    fields = ("county_code", "month", "invoiced_on", "users_then", "users_now", "users_added",
              "users_removed", "late_claims_paid", "reversed_since")  # fmt: skip
    assert [tuple(r[f] for f in fields) for r in rows] == [
        ("25", "2024-06", "2024-07-15", 1, 1, 0, 0, "0.00", "0.00"),
        # D's reversal (Aug 10) came before the Aug 15 invoice: nothing changed since.
        ("25", "2024-07", "2024-08-15", 1, 1, 0, 0, "0.00", "0.00"),
        # B's late claim (paid Sep 15) adds a user and 120.00 after the Jul 15 invoice.
        ("48", "2024-06", "2024-07-15", 0, 1, 1, 0, "120.00", "0.00"),
    ]


def test_supplementals_equal_expected_minus_billed(engine):
    proposals = records(run_report(engine, "supplementals", Filters()))
    drift = {
        (r["county_code"], r["month"]): r["drift_amount"]
        for r in records(run_report(engine, "invoices", Filters()))
    }
    assert [
        (r["county_code"], r["month"], r["additional_users"], r["proposed_amount"])
        for r in proposals
    ] == [  # fmt: skip
        ("25", "2024-07", -1, "-520.00"),  # a credit: D was billed, then reversed
        ("48", "2024-06", 1, "400.00"),
    ]
    for row in proposals:
        assert row["proposed_amount"] == drift[(row["county_code"], row["month"])]
    # Shasta July has no ORIGINAL invoice: it needs an invoice, not a supplemental.


def test_checklist_and_readiness(engine):
    assert month_to_close(date(2024, 9, 15)) == date(2024, 8, 1)
    result = checklist(engine, date(2024, 7, 1), date(2024, 9, 15))
    assert {i.check for i in result.blocking} == {"missing_rate"}
    verdicts = dict(result.readiness.select("county_code", "verdict").iter_rows())
    assert verdicts == {
        "12": "blocked", "18": "blocked", "23": "blocked", "25": "invoiced",
        "45": "blocked", "47": "blocked", "48": "ready",
    }  # fmt: skip
    # Solano July: 1 user (G has no service; B moved) -> 0 users; 0 x 410 + 2000.
    solano = result.readiness.filter(pl.col("county_code") == "48").to_dicts()[0]
    assert (solano["users"], str(solano["expected_total"])) == (0, "2000.00")


def test_checklist_blocks_when_eligibility_stops_before_the_month(engine):
    result = checklist(engine, date(2024, 8, 1), date(2024, 9, 15))
    assert {i.check for i in result.blocking} == {"missing_rate", "eligibility_before_month"}


def test_close_cli_exits_1_and_names_problems(data_dir):
    result = run_cli("close", "--data", data_dir, "--month", "2024-07")
    assert result.exit_code == 1
    assert "Month-end close for 2024-07, as known on 2024-09-15" in result.stdout
    assert "missing_rate" in result.stdout
    assert "Not ready: 1 blocking check open (missing_rate)" in result.stdout
    assert "--show CHECK" in result.stdout
    assert "Traceback" not in result.output


def test_close_show_lists_rows_with_masked_members(data_dir):
    result = run_cli("close", "--data", data_dir, "--show", "unattributed_services")
    assert result.exit_code == 0
    assert "C7/1" in result.stdout
    assert "1•••••03C" in result.stdout
    assert not CIN.search(result.stdout)


def test_close_on_unusable_extract_is_blocking_not_a_crash(tmp_path):
    folder = build_rules_extracts(tmp_path / "x")
    (folder / "pupm_rates.parquet").unlink()
    result = run_cli("close", "--data", folder, "--month", "2024-07")
    assert result.exit_code == 1
    assert "pupm_rates" in result.stdout
    assert "Traceback" not in result.output
