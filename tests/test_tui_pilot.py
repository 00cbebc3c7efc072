"""The dashboard driven from the keyboard (Textual's Pilot) on the hand-made
region of test_tui_data: every pane shows the figures `wrp-tui report` gives."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from queries import display
from queries.engine import Engine, Settings
from queries.reference import COUNTIES
from queries.reports import Filters, run_report
from tests.test_tui_data import AS_OF, LAST_MONTH, build_region
from tui.app import DashboardSettings, WrpApp, build_app
from tui.views.overview import Clocks

FROZEN = datetime(2025, 4, 11, 6, 30, tzinfo=UTC)
CLOCKS = Clocks(now=lambda: FROZEN, file_times=lambda engine: {"claims": FROZEN})
MARKUP = re.compile(r"\[/?[a-z ]*\]")
CIN = re.compile(r"\b\d{8}[A-Z]\b")
pytestmark = pytest.mark.asyncio


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> Path:
    return build_region(tmp_path_factory.mktemp("region"))


@pytest.fixture(scope="module")
def engine(region):
    engine = Engine(Settings(region))
    yield engine
    engine.close()


def make_app(folder: Path, tmp_path: Path | None = None, **settings) -> WrpApp:
    return build_app(DashboardSettings(folder, **settings), clocks=CLOCKS,
                     export_dir=(tmp_path or folder.parent) / "exports", watch=False)  # fmt: skip


async def settle(pilot) -> None:
    """Wait until every worker finished and its messages were handled."""
    app = pilot.app
    for _ in range(50):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in app.workers) and not any(
            p.loading_now for p in app.query("Pane")
        ):
            return
    raise AssertionError("the dashboard did not settle")


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def cells(app: WrpApp) -> list[list[str]]:
    """The active pane's table as the user reads it."""
    shown = app.active_pane.figures.shown
    return [[MARKUP.sub("", v).strip() for v in row] for row in shown.iter_rows()]


def labels(app: WrpApp) -> list[str]:
    return [MARKUP.sub("", v).strip() for v in app.active_pane.figures.labels]


def crumbs(app: WrpApp) -> list[str]:
    return [step.level.crumb for step in app.active_pane.stack]


def notes(app: WrpApp) -> str:
    return "\n".join(t.plain for t in app.active_pane.step.result.lines)


async def test_every_pane_opens_on_the_default_context(region):
    app = make_app(region)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        ctx = app.context
        assert (ctx.as_of, ctx.month, ctx.fiscal_year, ctx.county) == (
            AS_OF,
            LAST_MONTH,
            2025,
            None,
        )
        for key, pane in zip("123458", ["overview", "users", "invoices", "adequacy",
                                        "reconciliation", "care"], strict=True):  # fmt: skip
            await press(pilot, key)
            assert app.active_pane.id == pane
            assert cells(app), pane


async def test_overview_agrees_with_the_reports(region, engine):
    app = make_app(region)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        users = run_report(engine, "users", Filters(month=LAST_MONTH))
        expected = {display.county_label(r["county_code"]): display.count(r["users"])
                    for r in users.iter_rows(named=True)}  # fmt: skip
        shown = {row[0]: row[1] for row in cells(app)}
        for county, count in expected.items():
            assert shown[county] == count
        assert shown["Region total"] == display.count(users["users"].sum())
        month = run_report(engine, "invoices", Filters(month=LAST_MONTH))
        billed = sum(month["billed_total"])
        assert f"billed {display.money(billed)}" in notes(app)
        recon = run_report(engine, "reconciliation", Filters(fiscal_year=2025))
        # an open year: through each county's last invoiced month first (v1.1)
        to_date = display.signed_money(sum(recon["variance_through_invoiced"]))
        assert f"Variance to each last invoiced month {to_date}" in notes(app)
        assert f"all months so far {display.signed_money(sum(recon['variance']))}" in notes(app)
        assert "latest paid 2025-04-10" in notes(app)
        # drill: Modoc's level-of-care mix, then back
        await press(pilot, "down", "down", "down", "enter")
        assert crumbs(app)[-1] == "25 Modoc 2025-03: level of care"
        assert [row[0] for row in cells(app)] == ["1.0", "2.1"]
        await press(pilot, "escape")
        assert len(crumbs(app)) == 1


async def test_users_drill_to_a_members_claim_lines_masked(region, engine):
    app = make_app(region)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "2")
        report = run_report(engine, "users", Filters(fiscal_year=2025))
        header = labels(app)
        table = {row[0]: dict(zip(header, row, strict=True)) for row in cells(app)}
        for r in report.iter_rows(named=True):
            assert table[display.county_label(r["county_code"])][r["month"].strftime("%b")] == (
                display.count(r["users"])
            )
        assert table["25 Modoc"]["User-months"] == display.count(
            report.filter(report["county_code"] == "25")["users"].sum()
        )
        assert "2025-03 users 6" in notes(app)
        # the cursor starts on the context month (Mar); Modoc row (4th), Jan: two users
        assert app.active_pane.query_one("FigureTable").cursor == (0, 9)
        await press(pilot, "down", "down", "down", "left", "left")
        assert table["25 Modoc"]["Jan"] == "2"
        await press(pilot, "enter")
        assert crumbs(app)[-1] == "25 Modoc 2025-01: level of care"
        assert [(row[0], row[1]) for row in cells(app)] == [("1.0", "1"), ("RS", "1")]
        await press(pilot, "enter")
        assert crumbs(app)[-1] == "members using 1.0"
        assert cells(app)[0][0] == "9•••••67A"
        assert "91234567A" not in str(app.active_pane.figures.shown.rows())
        await press(pilot, "enter")
        assert crumbs(app)[-1] == "member 9•••••67A 2025-01"
        assert [row[0] for row in cells(app)] == ["C03", "C04"]
        for depth in (3, 2, 1):
            await press(pilot, "escape")
            assert len(crumbs(app)) == depth


async def test_invoices_open_on_the_context_month_then_the_fiscal_year(region, engine):
    app = make_app(region)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "3")
        assert crumbs(app) == ["Invoices 2025-03"]
        assert labels(app)[:6] == ["County", "Expected", "Billed", "Paid", "Outstanding", "Status"]
        month = {r["county_code"]: r for r in
                 run_report(engine, "invoices", Filters(month=LAST_MONTH)).iter_rows(named=True)}
        rows = cells(app)
        assert [row[0] for row in rows] == [display.county_label(c.code) for c in COUNTIES]
        for row in rows:
            r = month.get(row[0][:2])
            if r is None:  # no users and no invoice: listed, nothing billed
                assert row[1:6] == ["—", "$0.00", "$0.00", "$0.00", "no users"]
                continue
            waiting = not r["invoiced"] and r["computed_users"] > 0
            assert row[1:6] == [
                display.money(r["expected_total"]), display.money(r["billed_total"]),
                display.money(r["paid"]), display.money(r["outstanding"]),
                "invoiced" if r["invoiced"] else "to invoice" if waiting else "—",
            ]  # fmt: skip
        assert rows[6][5] == "to invoice"  # Solano 2025-03 has users and no ORIGINAL
        # the totals under the table are the month's
        billed = sum((r["billed_total"] for r in month.values()), Decimal("0"))
        assert f"Billed {display.money(billed)}" in notes(app)
        await press(pilot, "v")  # the fiscal year, county by county, month by month
        report = run_report(engine, "invoices", Filters(fiscal_year=2025))
        assert crumbs(app) == ["Invoices FY2024-25"]
        assert labels(app)[:3] == ["County", "Month", "Expected"]
        for row, r in zip(cells(app), report.iter_rows(named=True), strict=True):
            # A month with users and no ORIGINAL is "to invoice", not drift (v1.1).
            waiting = not r["invoiced"] and r["computed_users"] > 0
            assert row == [
                display.county_label(r["county_code"]), display.month_label(r["month"]),
                display.money(r["expected_total"]), display.money(r["billed_total"]),
                display.money(r["paid"]), display.money(r["outstanding"]),
                "invoiced" if r["invoiced"] else "to invoice" if waiting else "—",
                "to invoice" if waiting else display.signed_money(r["drift_amount"]),
                display.count(r["computed_users"]), display.count(r["billed_users"]),
                "—" if waiting else display.signed_count(r["drift_users"]),
            ]  # fmt: skip
        assert sum(row[7] == "to invoice" for row in cells(app)) == 1  # Solano 2025-03
        # negative drift is red and signed
        modoc_feb = app.active_pane.figures.shown.row(4)
        assert "[red]-$450.00[/]" in modoc_feb[7] and modoc_feb[10].strip().endswith("-1[/]")
        await press(pilot, *["down"] * 4, "enter")
        assert crumbs(app)[-1] == "25 Modoc 2025-02"
        assert cells(app)[0][:2] == ["I-25-2502", "ORIGINAL"]
        await press(pilot, "enter")
        assert crumbs(app)[-1] == "invoice I-25-2502"
        assert cells(app) == [["P04", "2025-04-01", "$1,000.00"]]
        assert "outstanding $900.00" in notes(app)
        await press(pilot, "escape", "escape")
        assert len(crumbs(app)) == 1
        await press(pilot, "v", "down", "down", "down", "enter")  # the month view: 25 Modoc
        assert crumbs(app) == ["Invoices 2025-03", "25 Modoc 2025-03"]


async def test_adequacy_drill_to_zips_outside_the_standard(region, engine):
    app = make_app(region)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "4")
        report = run_report(engine, "adequacy", Filters())
        for row, r in zip(cells(app), report.iter_rows(named=True), strict=True):
            # the standards' answers first after county and level (column priority)
            assert row[:7] == [
                display.county_label(r["county_code"]), r["level_of_care"],
                display.percent(r["pct_within"]), display.percent(r["pct_timely"]),
                display.count(r["members"]), display.count(r["members_within"]),
                display.count(r["members_not_located"]),
            ]  # fmt: skip
            assert row[7] == display.count(r["max_miles"])
        assert "Alturas Outpatient" in notes(app)  # credential expires 2025-05-01
        await press(pilot, "down", "down", "enter")  # 12 Humboldt OTP
        assert crumbs(app)[-1] == "12 Humboldt OTP: ZIPs beyond 60 mi or not located"
        assert "not located 1 member in 1 ZIP" in notes(app)
        rows = cells(app)
        assert rows[0][:4] == ["95501", "1", rows[0][2], "Redding OTP"]
        assert rows[1][0] == "99999" and rows[1][-1] == "no"
        await press(pilot, "escape")
        assert len(crumbs(app)) == 1


async def test_reconciliation_drill_to_the_running_variance(region, engine):
    app = make_app(region)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "5")
        report = run_report(engine, "reconciliation", Filters(fiscal_year=2025))
        for row, r in zip(cells(app), report.iter_rows(named=True), strict=True):
            assert row[:9] == [
                display.county_label(r["county_code"]),
                display.signed_money(r["variance_through_invoiced"]),
                display.month_label(r["invoiced_through"]),
                display.signed_money(r["variance"]), display.signed_percent(r["variance_pct"]),
                display.money(r["pupm_billed"]), display.money(r["actual_claims_cost"]),
                display.count(r["user_months"]), display.money(r["indicated_pupm"]),
            ]  # fmt: skip
            assert row[11] == "FY2024-25"
        await press(pilot, "down", "down", "enter")  # 48 Solano
        assert crumbs(app)[-1] == "48 Solano FY2024-25 by month"
        running = [row[5] for row in cells(app)]  # the months level
        solano = report.filter(report["county_code"] == "48").row(0, named=True)
        assert running[-1] == display.signed_money(solano["variance"])
        await press(pilot, "escape")
        assert len(crumbs(app)) == 1


async def test_county_month_and_as_of_changes_reach_every_pane(region, engine):
    app = make_app(region)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "3", "c")
        await press(pilot, *["down"] * 4, "enter")  # All, 12, 18, 23, 25 Modoc
        assert app.context.county == "25"
        assert [row[0] for row in cells(app)] == ["25 Modoc"]  # the month view
        await press(pilot, "v")
        report = run_report(engine, "invoices", Filters(county="25", fiscal_year=2025))
        assert [row[1] for row in cells(app)] == [display.month_label(m) for m in report["month"]]
        await press(pilot, "left_square_bracket")  # month back to 2025-02
        assert app.context.month == date(2025, 2, 1)
        await press(pilot, "1")
        assert [row[0] for row in cells(app)] == ["25 Modoc"]
        assert cells(app)[0][1] == "1"  # 91234568B's February service was reversed
        # as of 2025-03-31, Humboldt's late February claim is not known yet
        await press(pilot, "c", "home", "down", "enter", "a")
        await pilot.press(*"2025-03-31", "enter")
        await settle(pilot)
        assert app.context.as_of == date(2025, 3, 31)
        assert cells(app)[0][:2] == ["12 Humboldt", "0"]
        before = run_report(engine, "users", Filters(as_of=date(2025, 3, 31), county="12"))
        assert date(2025, 2, 1) not in before["month"].to_list()
        await press(pilot, "2")
        assert "Monthly users FY2024-25" in crumbs(app)[0]
        assert cells(app)[0][8] == "0"  # Feb
        await press(pilot, "f")
        await pilot.press(*"2024", "enter")
        await settle(pilot)
        assert app.context.fiscal_year == 2024
        assert crumbs(app)[0] == "Monthly users FY2023-24"


async def test_filter_sort_export_copy_and_reveal(region, engine, tmp_path):
    audit = tmp_path / "audit.log"
    app = make_app(region, tmp_path, audit_log=audit)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "3", "v", "slash")
        await pilot.press(*"solano", "enter")
        await settle(pilot)
        assert {row[0] for row in cells(app)} == {"48 Solano"}
        await press(pilot, "slash", "backspace", "enter")
        assert len(cells(app)) == 9
        await press(pilot, *["right"] * 7, "s", "s")  # drift, descending
        assert app.active_pane.figures.sort == ("drift_amount", True)
        # Solano 2025-03 (2 users, no ORIGINAL) is to invoice, not drift.
        assert cells(app)[0][7] == "to invoice"
        await press(pilot, "e")
        exported = app.last_export
        assert exported is not None and exported.parent == tmp_path / "exports"
        assert re.fullmatch(r"invoices-FY2024-25-\d{8}-\d{6}\.csv", exported.name)
        lines = exported.read_text().splitlines()
        assert lines[0].startswith("county_code,month,expected_total,billed_total")
        assert lines[1].startswith("48,2025-03,5760.00,0.00,0.00,0.00,")
        assert lines[1].endswith(",5760.00,2,0,2")
        await press(pilot, "y")
        assert app.clipboard == "to invoice"
        await press(pilot, "1", "down", "down", "down", "enter", "enter")
        assert cells(app)[0][0] == "9•••••68B"
        # Revealing asks first; keeping them masked writes nothing.
        await press(pilot, "u")
        assert type(app.screen).__name__ == "ChoiceScreen"
        await press(pilot, "escape")
        assert cells(app)[0][0] == "9•••••68B"
        assert not audit.exists()
        await press(pilot, "u", "up", "enter")  # "Reveal member IDs — writes an audit record"
        assert cells(app)[0][0] == "91234568B"
        (record,) = [json.loads(line) for line in audit.read_text().splitlines()]
        assert record["action"] == "dashboard reveal"
        assert not CIN.search(record["scope"])
        await press(pilot, "u")
        assert cells(app)[0][0] == "9•••••68B"
        assert len(audit.read_text().splitlines()) == 1  # masking again is not a disclosure


async def test_reveal_phi_at_start_is_audited_and_refused_without_a_log(region, tmp_path):
    audit = tmp_path / "audit.log"
    app = make_app(region, tmp_path, reveal_phi=True, audit_log=audit)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.mask_members is False
    assert [json.loads(line)["action"] for line in audit.read_text().splitlines()] == [
        "dashboard --reveal-phi"
    ]
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    app = make_app(region, tmp_path, reveal_phi=True, audit_log=blocked / "audit.log")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.mask_members is True


async def test_keys_and_command_palette(region):
    app = make_app(region)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "question_mark")
        assert type(app.screen).__name__ == "KeysScreen"
        await press(pilot, "escape")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Invoices")
        await pilot.pause(0.3)
        await press(pilot, "enter")
        assert app.active_pane.id == "invoices"


async def test_a_broken_extract_shows_an_error_in_the_pane(tmp_path):
    folder = build_region(tmp_path / "broken")
    (folder / "claims.parquet").unlink()
    app = make_app(folder)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        notice = app.active_pane.query_one("Notice")
        assert notice.has_class("-shown")
        assert "claims" in str(notice.render())


async def test_a_missing_folder_is_reported_not_raised(tmp_path):
    app = make_app(tmp_path / "nowhere")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "No extracts" in str(app.active_pane.query_one("Notice").render())


async def test_changed_extracts_say_new_data_without_querying(tmp_path):
    folder = build_region(tmp_path / "watched")
    app = make_app(folder)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.check_extracts()
        await settle(pilot)
        bar = app.query_one("ContextBar")
        assert not bar.new_data
        os.utime(folder / "payments.parquet", (1, 1))
        app.check_extracts()
        await settle(pilot)
        assert bar.new_data
        await press(pilot, "r")
        assert not bar.new_data and app.context.version == 1


def _break(folder: Path, case: str) -> str:
    """Damage the extracts like a bad nightly job; returns the table named."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if case == "missing_table":
        (folder / "claims.parquet").unlink()
        return "claims"
    if case == "money_as_float":
        data = pq.read_table(folder / "claims.parquet")
        index = data.schema.get_field_index("paid_amount")
        floats = pa.array([1.5] * data.num_rows, pa.float64())
        pq.write_table(data.set_column(index, "paid_amount", floats), folder / "claims.parquet")
        return "claims"
    if case == "corrupt_file":
        path = folder / "claims.parquet"
        path.write_bytes(path.read_bytes()[:100])
        return "claims"
    if case == "missing_column":
        data = pq.read_table(folder / "claims.parquet").drop_columns(["status"])
        pq.write_table(data, folder / "claims.parquet")
        return "claims"
    if case == "empty_table":  # as good as missing: every pane that needs it says so
        data = pq.read_table(folder / "claims.parquet")
        pq.write_table(data.slice(0, 0), folder / "claims.parquet")
        return "claims"
    raise ValueError(case)


@pytest.mark.parametrize(
    "case", ["missing_table", "money_as_float", "corrupt_file", "missing_column", "empty_table"]
)
async def test_bad_extracts_degrade_pane_by_pane(tmp_path, case):
    folder = build_region(tmp_path / case)
    table = _break(folder, case)
    app = make_app(folder)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key in "1234568":
            await press(pilot, key)
            notice = app.active_pane.query_one("Notice")
            if notice.has_class("-shown"):
                assert table and table in str(notice.render()), (key, str(notice.render()))
        # Network adequacy needs no claims: it keeps working.
        await press(pilot, "4")
        assert not app.active_pane.query_one("Notice").has_class("-shown")
        assert len(cells(app)) == 21  # 7 counties x 3 levels with a standard


async def test_no_pane_shows_a_full_cin(region):
    """Every pane, and the member-level drilldowns, scanned as the screen reads."""
    app = make_app(region)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screens = []
        for keys in (["1"], ["1", "down", "down", "down", "enter", "enter"], ["enter"],
                     ["2"], ["3", "enter", "enter"], ["4", "enter"], ["5", "enter"],
                     ["6", "enter"], ["7"], ["8"], ["8", "w"],
                     ["8", "end", "enter", "enter"]):  # fmt: skip
            await press(pilot, *keys)
            screens.append(app.export_screenshot())
            screens.append(
                "\n".join(" ".join(row) for row in cells(app)) if app.active_pane.figures else ""
            )
        assert "9•••••68B" in "".join(screens)  # a member-level view was reached
        for text in screens:
            assert not CIN.search(text), CIN.search(text)


async def test_hidden_panes_are_prefetched_for_the_context_in_view(region, engine):
    """Once the Overview shows, panes 2-5 hold their figures before a visit,
    for the context in view; the close and SQL panes are left alone."""
    app = make_app(region)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        key = app.context.key()
        panes = {pane.id: pane for pane in app.query("Pane")}
        for name in ("users", "invoices", "adequacy", "reconciliation"):
            step = panes[name].stack[0]
            assert step.result is not None and step.loaded_for == key, name
        assert panes["close"].stack[0].result is None
        # A visit shows the prefetched figures without a load of its own.
        loads = panes["invoices"].generation
        await press(pilot, "3")
        assert panes["invoices"].generation == loads
        invoices = run_report(engine, "invoices", Filters(month=LAST_MONTH))
        billed = {display.county_label(r["county_code"]): display.money(r["billed_total"])
                  for r in invoices.iter_rows(named=True)}  # fmt: skip
        assert [row[0] for row in cells(app)] == [display.county_label(c.code) for c in COUNTIES]
        assert {row[0]: row[2] for row in cells(app) if row[0] in billed} == billed
        # A county change prefetches again, for the new context.
        app.set_county("25")
        await settle(pilot)
        step = panes["reconciliation"].stack[0]
        assert step.loaded_for == app.context.key()
        assert [row[0] for row in step.result.figures.raw.iter_rows()] == ["25"]


async def test_escape_cancels_a_load_at_the_top_level(region):
    app = make_app(region)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pane = app.active_pane
        pane.loading_now = True  # a load under way (figures for another context)
        app.engine.interrupt = lambda: None
        await pilot.press("escape")
        assert not pane.loading_now
        status = str(pane.query_one(".status").render())
        assert "cancelled" in status
        assert not pane.query_one("FigureTable").display  # no figures of the old context
