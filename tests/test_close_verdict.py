"""One verdict, computed once (queries/close.py), read on every surface: the
CLI's text and JSON, the Overview and pane 6. Rules fixture
(tests/rules_fixture.py), as of 2024-09-15: eligibility runs to 2024-07."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from typer.testing import CliRunner

from queries.close import checklist
from queries.engine import Engine, Settings
from tests.rules_fixture import PUPM_RATES, build_rules_extracts
from tests.test_tui_pilot import cells, make_app, notes, press, settle
from wrp_tui import cli

AS_OF, JULY, AUGUST = date(2024, 9, 15), date(2024, 7, 1), date(2024, 8, 1)
COUNTIES = ("12 Humboldt", "18 Lassen", "23 Mendocino", "25 Modoc", "45 Shasta", "47 Siskiyou",
            "48 Solano")  # fmt: skip
# August: eligibility stops in July (blocking, region-wide) and Shasta has no
# FY2024-25 rate (missing_rate, blocking): no county may read "ready".
AUGUST_VERDICT = ("Not ready: 2 blocking checks open (missing_rate, eligibility_before_month)"
                  " · counties blocked 7, ready 0, invoiced 0")  # fmt: skip


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    return build_rules_extracts(tmp_path_factory.mktemp("verdict") / "rules")


def close_cli(folder, *args):
    return CliRunner().invoke(cli, ["close", "--data", str(folder), "--as-of", str(AS_OF), *args],
                              env={"COLUMNS": "300"})  # fmt: skip


def test_the_verdict_by_hand(rules):
    result = checklist(Engine(Settings(rules)), AUGUST, AS_OF)
    assert result.verdict() == AUGUST_VERDICT and not result.ready()
    reasons = dict(result.readiness.select("county_code", "reason").iter_rows())
    # Solano has a rate and users known: only the region-wide check blocks it.
    assert reasons["48"] == "eligibility_before_month (eligibility runs to 2024-07)"
    # Shasta: its missing rate, named by year, then the region-wide check.
    assert reasons["45"] == ("missing_rate FY2024-25; "
                             "eligibility_before_month (eligibility runs to 2024-07)")  # fmt: skip
    # For one county the verdict names its reason.
    assert result.verdict("48") == (
        "Not ready: eligibility_before_month (eligibility runs to 2024-07)"
        " · counties blocked 1, ready 0, invoiced 0"
    )
    july = checklist(Engine(Settings(rules)), JULY, AS_OF)
    assert july.verdict("48").startswith("Ready to invoice: rate and users known")
    assert july.verdict("25").startswith("Invoiced: ORIGINAL issued 2024-08-15")
    assert dict(july.readiness.select("county_code", "verdict").iter_rows())["48"] == "ready"
    assert july.verdict() == ("Not ready: 1 blocking check open (missing_rate) · counties "
                              "blocked 5, ready 1, invoiced 1")  # fmt: skip


def test_a_county_without_a_rate_is_blocked_even_with_no_check_open(tmp_path):
    rates = [*PUPM_RATES, dict(county_code="45", fiscal_year=2025, pupm_rate="450.00",
                               admin_qa_monthly="1500.00")]  # fmt: skip
    folder = build_rules_extracts(tmp_path / "rated", pupm_rates=rates)
    result = checklist(Engine(Settings(folder)), JULY, AS_OF)
    assert not result.blocking
    verdicts = dict(result.readiness.select("county_code", "verdict").iter_rows())
    assert (verdicts["45"], verdicts["48"], verdicts["25"]) == ("ready", "ready", "invoiced")
    assert verdicts["12"] == "blocked"  # no FY2024-25 rate: nothing to invoice with
    assert result.verdict() == (
        "Not ready: 4 counties blocked · counties blocked 4, ready 2, invoiced 1"
    )
    assert close_cli(folder, "--month", "2024-07").exit_code == 1


def test_cli_text_json_and_csv_say_the_same(rules):
    text = close_cli(rules, "--month", "2024-08")
    assert text.exit_code == 1
    assert AUGUST_VERDICT in text.stdout
    table = text.stdout.split("Ready to invoice 2024-08?")[1].split("Not ready")[0]
    assert table.count(" blocked ") == 7 and " ready " not in table
    shown = close_cli(rules, "--month", "2024-08", "--format", "json")
    assert shown.exit_code == 1
    answer = json.loads(shown.stdout)
    assert answer["verdict"] == AUGUST_VERDICT and answer["ready"] is False
    assert answer["blocking_open"] == ["missing_rate", "eligibility_before_month"]
    assert {c["verdict"] for c in answer["counties"]} == {"blocked"}
    assert answer["counties"][6]["county_code"] == "48"
    assert answer["counties"][6]["expected_total"] == "2000.00"  # 0 users x 410 + 2000
    rows = list(csv.DictReader(io.StringIO(close_cli(rules, "--month", "2024-08",
                                                     "--format", "csv").stdout)))  # fmt: skip
    assert rows[-1] == {"section": "month", "name": "2024-08", "severity": "", "count": "2",
                        "verdict": "not ready", "detail": AUGUST_VERDICT}  # fmt: skip
    assert [r["verdict"] for r in rows if r["section"] == "county"] == ["blocked"] * 7


def test_unknown_check_is_an_error_listing_the_valid_ones(rules):
    result = close_cli(rules, "--show", "nonsense")
    assert result.exit_code == 2
    assert "nonsense" in result.output and "missing_rate" in result.output
    assert "unattributed_services" in result.output and "Traceback" not in result.output
    listed = close_cli(rules, "--show", "missing_rate", "--format", "json")
    assert json.loads(listed.stdout)[0]["reference"] == "FY2024-25"


@pytest.mark.asyncio
async def test_overview_and_pane_6_read_the_same_verdict(rules):
    answer = json.loads(close_cli(rules, "--month", "2024-08", "--format", "json").stdout)
    app = make_app(rules, month=AUGUST)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.context.month == AUGUST
        assert f"Close 2024-08  {AUGUST_VERDICT}" in notes(app)
        assert "checks open" in notes(app) and "blocking 2" in notes(app)
        await press(pilot, "6")
        assert AUGUST_VERDICT in notes(app)
        await press(pilot, "tab")
        assert AUGUST_VERDICT in notes(app)
        rows = {row[0]: row[1] for row in cells(app)}
        assert rows == {county: "blocked" for county in COUNTIES}
        assert [r["verdict"] for r in answer["counties"]] == [rows[c] for c in COUNTIES]
