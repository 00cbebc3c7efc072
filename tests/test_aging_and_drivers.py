"""Invoice aging as a list (`report aging`, pane 3's `o`, the Overview's
oldest) and the reconciliation drill to levels of care and the members who
cost most (masked). Rules fixture (tests/rules_fixture.py), as of 2024-09-15."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from typer.testing import CliRunner

from queries.engine import Engine, Settings
from queries.reports import Filters, records, run_report
from tests.rules_fixture import build_rules_extracts
from tests.test_tui_pilot import cells, crumbs, make_app, notes, press, settle
from wrp_tui import cli

CIN = re.compile(r"\b\d{8}[A-Z]\b")


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    return build_rules_extracts(tmp_path_factory.mktemp("aging") / "rules")


@pytest.fixture(scope="module")
def engine(rules):
    return Engine(Settings(rules))


def aging(engine, **filters):
    fields = ("invoice_id", "age_days", "bucket", "outstanding")
    return [tuple(r[f] for f in fields)
            for r in records(run_report(engine, "aging", Filters(**filters)))]  # fmt: skip


def test_aging_by_hand(engine):
    # I-25-06 is paid in full; I-48-06-S1 is issued after Sep 15; I-25-07's
    # payment comes on Sep 20. Ages from issue to Sep 15, oldest first.
    assert aging(engine) == [
        ("I-48-06", 62, "61-90", "1000.00"),  # Jul 15, 2000.00 less 1000.00 paid
        ("I-25-07", 31, "31-60", "2040.00"),  # Aug 15
        ("I-45-07-S1", 26, "0-30", "400.00"),  # Aug 20, its total as issued
    ]
    # At the year's end: the supplemental is issued (92 days), I-25-07 paid.
    assert aging(engine, as_of=date(2024, 12, 31)) == [
        ("I-48-06", 169, "over 90", "1000.00"),
        ("I-45-07-S1", 133, "over 90", "400.00"),
        ("I-48-06-S1", 92, "over 90", "400.00"),
    ]
    assert aging(engine, county="48") == [("I-48-06", 62, "61-90", "1000.00")]


def test_aging_on_the_cli(rules):
    out = CliRunner().invoke(cli, ["report", "aging", "--data", str(rules), "--format", "json"])
    assert out.exit_code == 0
    first = json.loads(out.stdout)[0]
    assert first == {"invoice_id": "I-48-06", "county_code": "48", "month": "2024-06",
                     "invoice_type": "ORIGINAL", "issued_date": "2024-07-15",
                     "total_amount": "2000.00", "paid": "1000.00", "outstanding": "1000.00",
                     "age_days": 62, "bucket": "61-90", "fiscal_year": 2024}  # fmt: skip


def test_cost_by_level_and_top_members_by_hand(engine):
    levels = engine.run("cost_by_level", as_of=date(2024, 9, 15), county="25",
                        fiscal_year=2025, month=date(2024, 7, 1))  # fmt: skip
    # Modoc July: C2 200 (A), C4 75 and its reversal -70 (D), R9 -10 (A): all 1.0.
    (row,) = records(levels)
    assert (row["level_of_care"], row["claims_cost"], row["users"], row["lines"],
            row["cost_share_pct"], row["cost_per_user"]) == ("1.0", "195.00", 1, 4, 100.0,
                                                              "195.00")  # fmt: skip
    members = records(engine.run("top_cost_members", as_of=date(2024, 9, 15), county="25",
                                 fiscal_year=2025, level="1.0"))  # fmt: skip
    assert [(m["member_id"], m["claims_cost"], m["cost_share_pct"]) for m in members] == [
        ("10000001A", "190.00", 97.44), ("10000004D", "5.00", 2.56)]  # fmt: skip


@pytest.mark.asyncio
async def test_invoices_aging_drill_and_the_overview_names_the_oldest(rules):
    app = make_app(rules)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "oldest unpaid I-48-06 $1,000.00 62 d" in notes(app)
        await press(pilot, "3", "o")
        assert crumbs(app)[-1] == "Unpaid invoices by age"
        assert [r[:5] for r in cells(app)] == [
            ["I-48-06", "48 Solano", "2024-06", "62", "61-90"],
            ["I-25-07", "25 Modoc", "2024-07", "31", "31-60"],
            ["I-45-07-S1", "45 Shasta", "2024-07", "26", "0-30"],
        ]
        assert "Unpaid invoices 3  outstanding $3,440.00" in notes(app)
        await press(pilot, "enter")
        assert crumbs(app)[-1] == "invoice I-48-06"
        assert cells(app)[0][0] == "PAY2"
        await press(pilot, "escape", "escape")
        assert len(crumbs(app)) == 1


@pytest.mark.asyncio
async def test_reconciliation_drills_to_levels_and_masked_top_members(rules):
    app = make_app(rules)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "5")
        assert cells(app)[0][0] == "25 Modoc"
        await press(pilot, "enter")
        assert crumbs(app)[-1] == "25 Modoc FY2024-25 by month"
        await press(pilot, "enter")  # July
        assert crumbs(app)[-1] == "2024-07 by level of care"
        assert cells(app)[0][:4] == ["1.0", "Outpatient", "$195.00", "100.00%"]
        await press(pilot, "enter")
        assert crumbs(app)[-1] == "top members at 1.0"
        assert [r[:3] for r in cells(app)] == [["1•••••01A", "$190.00", "97.44%"],
                                                ["1•••••04D", "$5.00", "2.56%"]]  # fmt: skip
        assert not CIN.search(str(app.active_pane.figures.shown.rows()))
        await press(pilot, "enter")
        assert crumbs(app)[-1] == "member 1•••••01A 2024-07"
