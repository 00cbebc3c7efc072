"""Pane 6, the month-end close, driven from the keyboard on the rules fixture
(tests/rules_fixture.py; figures worked out in tests/test_close.py and
tests/test_rules.py): as of 2024-09-15, closing 2024-07."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest

from queries import display
from queries.engine import Engine, Settings
from queries.projection import METHOD
from queries.reports import Filters, records, run_report
from tests.rules_fixture import build_rules_extracts
from tests.test_tui_pilot import cells, crumbs, labels, make_app, notes, press, settle

AS_OF = date(2024, 9, 15)
JULY = date(2024, 7, 1)
CIN = re.compile(r"\b\d{8}[A-Z]\b")
pytestmark = pytest.mark.asyncio


@pytest.fixture(scope="module")
def rules(tmp_path_factory) -> Path:
    return build_rules_extracts(tmp_path_factory.mktemp("close-pane") / "rules")


@pytest.fixture(scope="module")
def engine(rules):
    engine = Engine(Settings(rules))
    yield engine
    engine.close()


def section(app) -> str:
    return app.active_pane.query_one("SectionBar").labels[app.active_pane.section]


async def test_checklist_equals_the_exceptions_report_and_drills_to_masked_rows(rules, engine):
    app = make_app(rules)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "6")
        assert (app.context.as_of, app.context.month) == (AS_OF, JULY)
        assert section(app) == "Checklist"
        assert crumbs(app) == ["Close 2024-07 as of 2024-09-15: checklist"]
        shown = {row[2]: row for row in cells(app)}
        report = run_report(engine, "exceptions", Filters(as_of=AS_OF, month=JULY))
        for r in report.iter_rows(named=True):
            assert shown[r["check"]][1:4] == [r["severity"], r["check"], display.count(r["count"])]
        # the close's own checks come too; blocking first, open ones marked ✗
        assert [row[1] for row in cells(app)][:3] == ["blocking"] * 3
        assert shown["missing_rate"][0] == "✗" and shown["eligibility_before_month"][0] == "✓"
        assert shown["stale_extract"][1] == "warning"
        assert ("Not ready: 1 blocking check open (missing_rate) · counties blocked 5, "
                "ready 1, invoiced 1") in notes(app)  # fmt: skip
        first = app.active_pane.figures.shown.row(0)  # missing_rate: red; passing: dimmed
        assert all("[bold red]" in cell for cell in first[1:4])
        assert "[dim]" in app.active_pane.figures.shown.row(1)[2]
        # the highlighted check's whole description under the table
        assert "▸ missing_rate: county and fiscal year" in str(
            app.active_pane.query_one(".notes").render()
        )

        await press(pilot, "down", "down", "down", "down", "enter")  # unattributed_services
        assert crumbs(app)[-1] == "unattributed_services: rows"
        assert {"Reference", "Member"} <= set(labels(app))  # empty columns left out
        (row,) = cells(app)
        assert "C7/1" in row and "1•••••03C" in row
        assert not CIN.search(str(app.active_pane.figures.shown.rows()))
        assert "member IDs masked" in notes(app)
        await press(pilot, "escape")
        assert len(crumbs(app)) == 1

        # a passing check and an extract-wide check have no rows: Enter stays put
        await press(pilot, "up", "enter")  # eligibility_before_month
        assert len(crumbs(app)) == 1
        await press(pilot, "down", "down", "enter")  # duplicate_claim_line
        assert crumbs(app)[-1] == "duplicate_claim_line: rows"
        assert all("C2/1" in row for row in cells(app))
        # tab away and back: the drilldown is where it was left
        await press(pilot, "tab")
        assert section(app) == "Readiness"
        await press(pilot, "shift+tab")
        assert crumbs(app)[-1] == "duplicate_claim_line: rows"


async def test_readiness_late_changes_and_supplementals(rules, engine, tmp_path):
    app = make_app(rules, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "6", "tab")
        assert section(app) == "Readiness"
        verdicts = {row[0]: row[1] for row in cells(app)}
        assert verdicts == {
            "12 Humboldt": "blocked", "18 Lassen": "blocked", "23 Mendocino": "blocked",
            "25 Modoc": "invoiced", "45 Shasta": "blocked", "47 Siskiyou": "blocked",
            "48 Solano": "ready",
        }  # fmt: skip
        assert "[bold green]" in app.active_pane.figures.shown.row(6)[1]
        solano = cells(app)[6]
        assert solano[2:5] == ["0", "$410.00", "$2,000.00"]
        await press(pilot, *["down"] * 3, "enter")  # 25 Modoc's findings
        assert crumbs(app)[-1] == "25 Modoc findings"
        assert "unattributed_services" not in {r[0] for r in cells(app)}  # C7 has no county
        assert "reversal_amount_mismatch" in {r[0] for r in cells(app)}
        assert not CIN.search(str(app.active_pane.figures.shown.rows()))
        await press(pilot, "escape", "tab")

        assert section(app) == "Late changes"
        # FY2024-25 only: Modoc July, invoiced Aug 15, unchanged since (D reversed before)
        assert [r[:6] for r in cells(app)] == [["25 Modoc", "2024-07", "1", "1", "0", "0"]]
        await press(pilot, "enter")
        assert crumbs(app)[-1] == "25 Modoc 2024-07"
        assert cells(app)[0][0] == "I-25-07"
        await press(pilot, "escape", "tab")

        assert section(app) == "Supplementals"
        report = run_report(engine, "supplementals", Filters(as_of=AS_OF))
        assert [(r[0], r[1], r[2], r[5]) for r in cells(app)] == [
            ("25 Modoc", "2024-07", "-1", "-$520.00"),
            ("48 Solano", "2024-06", "+1", "+$400.00"),
        ]
        for row, r in zip(cells(app), report.iter_rows(named=True), strict=True):
            assert row[:6] == [
                display.county_label(r["county_code"]), display.month_label(r["month"]),
                display.signed_count(r["additional_users"]), display.money(r["pupm_rate"]),
                display.signed_money(r["additional_pupm"]),
                display.signed_money(r["proposed_amount"]),
            ]  # fmt: skip
        assert "Due $400.00 (1)  credits -$520.00 (1)  net -$120.00" in notes(app)
        assert "the invoices report's drift (pane 3) ✓" in notes(app)
        await press(pilot, "e")
        exported = app.last_export
        assert exported is not None and exported.parent == tmp_path / "exports"
        with exported.open(newline="") as f:
            rows = list(csv.DictReader(f))
        expected = [{k: "" if v is None else str(v) for k, v in r.items()}
                    for r in records(report)]  # fmt: skip
        assert rows == expected
        assert list(rows[0])[:6] == list(REPORT_FIELDS)


REPORT_FIELDS = ("county_code", "month", "additional_users", "pupm_rate", "additional_pupm",
                 "proposed_amount")  # fmt: skip


async def test_lag_triangle_and_year_end_projection(rules, engine):
    app = make_app(rules)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "6", "shift+tab", "shift+tab")
        assert section(app) == "Lag"
        rows = cells(app)
        assert rows[0][0] == "Expected"
        lag = run_report(engine, "claims-lag", Filters(as_of=AS_OF))
        by_month = {row[0]: row for row in rows}
        for month in (date(2024, 6, 1), JULY, date(2024, 8, 1)):
            paid = sum(lag.filter(lag["service_month"] == month)["paid"])
            assert by_month[display.month_label(month)][2] == display.money(paid)
        assert [r[0] for r in rows[1:4]] == ["2024-09", "2024-08", "2024-07"]  # newest first
        # a month's last cell is its completion, the Expected row's cell at its age
        july = by_month["2024-07"]
        assert july[1] == "2" and july[3] == rows[0][8 + 2]
        assert notes(app).startswith("2024-07  paid so far $495.00")
        await press(pilot, "down", "down", "down", "enter")
        assert crumbs(app)[-1] == "2024-07 by county"
        assert [r[0] for r in cells(app)] == ["25 Modoc", "45 Shasta"]
        await press(pilot, "escape", "tab")

        assert section(app) == "Projection"
        report = run_report(engine, "projection", Filters(as_of=AS_OF, fiscal_year=2025))
        for row, r in zip(cells(app), report.iter_rows(named=True), strict=True):
            assert row == [
                display.county_label(r["county_code"]), display.money(r["projected_cost"]),
                display.money(r["projected_pupm_billed"]),
                display.signed_money(r["projected_variance"]),
                display.signed_percent(r["projected_variance_pct"]),
                display.count(r["projected_user_months"]), display.money(r["break_even_pupm"]),
                display.money(r["pupm_rate"]), display.money(r["known_cost"]),
            ]  # fmt: skip
        assert METHOD in notes(app)
        await press(pilot, "enter")
        assert crumbs(app)[-1] == "25 Modoc FY2024-25 by month"
        assert len(cells(app)) == 12
        await press(pilot, "escape")
        assert len(crumbs(app)) == 1


async def test_reconciliation_shows_the_year_end_projection_and_palette_opens_close(rules, engine):
    app = make_app(rules)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "5")
        header = labels(app)
        table = {row[0]: dict(zip(header, row, strict=True)) for row in cells(app)}
        report = run_report(engine, "projection", Filters(as_of=AS_OF, fiscal_year=2025))
        for r in report.iter_rows(named=True):
            shown = table[display.county_label(r["county_code"])]
            assert shown["YE cost"] == display.money(r["projected_cost"])
            assert shown["YE user-months"] == display.count(r["projected_user_months"])
            assert shown["YE PUPM billed"] == display.money(r["projected_pupm_billed"])
            assert shown["YE variance"] == display.signed_money(r["projected_variance"])
            assert shown["Break-even PUPM"] == display.money(r["break_even_pupm"])
        assert "YE method:" in notes(app)
        # the close's sections are commands too
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Close: Supp")
        await pilot.pause(0.3)
        await press(pilot, "enter")
        assert app.active_pane.id == "close" and section(app) == "Supplementals"
        assert crumbs(app) == ["Supplementals as of 2024-09-15"]
