"""The 80x24 layout: the context bar, folded notes, filter and sort that
behave, context changes that land on data (issue 14), on the hand-made region."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from queries import display
from queries.reports import Filters, run_report
from tests.test_tui_pilot import cells, crumbs, engine, make_app, notes, press, region, settle
from tui.widgets.context_bar import ContextBar
from tui.widgets.notes import Notes
from tui.widgets.notice import Breadcrumb

__all__ = ["engine", "region"]  # fixtures
pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize("size", [(80, 24), (60, 20), (40, 12)])
async def test_context_bar_always_shows_the_as_of_date(region, size):
    app = make_app(region)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        bar = app.query_one(ContextBar)
        text = bar.render().plain
        assert "2025-04-10" in text and "2025-03" in text
        assert text.index("2025-04-10") + len("2025-04-10") <= size[0] - 2
        if size[0] >= 60:
            assert "FY2024-25" in text and "All" in text
        if size[0] >= 80:
            assert text.startswith(f"d {region.name} │")  # the folder by its last part
        bar.new_data = True
        assert "●" in bar.render().plain and "2025-04-10" in bar.render().plain


async def test_notes_fold_so_the_table_keeps_twelve_rows(region):
    app = make_app(region)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "4")  # 21 county-levels and several lines of notes
        pane = app.active_pane
        grid = pane.query_one("FigureTable").grid
        scrollbar = 1 if grid.show_horizontal_scrollbar else 0
        assert grid.size.height - 1 - scrollbar >= 12  # header, scrollbar
        folded = pane.query_one(Notes)
        all_lines = len(folded.lines)
        await press(pilot, "n")
        assert folded.expanded and str(folded.render()).count("\n") >= all_lines
        await press(pilot, "n")
        assert not folded.expanded


async def test_escape_clears_the_filter_and_totals_follow_it(region, engine):
    app = make_app(region)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "3", "v", "slash")
        await pilot.press(*"Modoc", "enter")
        await settle(pilot)
        modoc = run_report(engine, "invoices", Filters(county="25", fiscal_year=2025))
        assert len(cells(app)) == modoc.height
        billed = sum(modoc["billed_total"], Decimal("0"))
        assert f"Billed {display.money(billed)}" in notes(app)  # the filtered rows' total
        assert "“Modoc”" in app.active_pane.query_one(Breadcrumb).render().plain
        await press(pilot, "escape")  # clears the filter, stays on the level
        assert crumbs(app) == ["Invoices FY2024-25"]
        every = run_report(engine, "invoices", Filters(fiscal_year=2025))
        assert len(cells(app)) == every.height
        assert f"Billed {display.money(sum(every['billed_total'], Decimal('0')))}" in notes(app)
        assert "“" not in app.active_pane.query_one(Breadcrumb).render().plain


async def test_sorting_keeps_the_sorted_column_in_view(region):
    app = make_app(region)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "3", "v", *["right"] * 9, "s")  # Billed users, off the first screen
        grid = app.active_pane.query_one("FigureTable").grid
        await pilot.pause()
        assert app.active_pane.figures.sort == ("billed_users", False)
        assert grid.cursor_coordinate.column == 9
        assert grid.scroll_x > 0  # scrolled right to the sorted column, not back to the left


async def test_a_fiscal_year_change_lands_on_its_latest_month_with_data(region):
    app = make_app(region)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.context.month == date(2025, 3, 1)
        await press(pilot, "f")
        await pilot.press(*"2024", "enter")
        await settle(pilot)
        # FY2023-24 has users in 2024-05 and 2024-06 only: not the same month (2024-03)
        assert app.context.month == date(2024, 6, 1)
        await press(pilot, "f")
        await pilot.press(*"2022", "enter")
        await settle(pilot)
        assert app.context.fiscal_year == 2022  # no data: the same month, and a warning


async def test_months_without_data_read_a_dash_not_zero(region):
    app = make_app(region)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "2")
        header = [c.label for c in app.active_pane.figures.columns]
        modoc = dict(zip(header, cells(app)[3], strict=True))
        assert modoc["County"] == "25 Modoc"
        assert modoc["Mar"] == "2" and modoc["Feb"] == "1"  # real figures, and a real zero:
        assert modoc["Dec"] == "0"
        # April is before the as-of date (2025-04-10) but has no data anywhere yet
        assert modoc["Apr"] == "—" and cells(app)[-1][header.index("Apr")] == "—"


async def test_the_key_list_has_every_binding_and_pickers_filter(region):
    from textual.binding import Binding

    from tui.commands import key_groups
    from tui.panes import PANES
    from tui.panes.base import Pane
    from tui.panes.console import ResultsTable, SchemaTree, SqlEditor

    app = make_app(region)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        listed = {(key, text) for _title, keys in key_groups(app) for key, text in keys}
        listed_keys = {key for key, _text in listed}
        bindings = [*app.BINDINGS, *Pane.BINDINGS, *SqlEditor.BINDINGS, *ResultsTable.BINDINGS,
                    *SchemaTree.BINDINGS]  # fmt: skip
        for pane in PANES:
            bindings += vars(pane).get("BINDINGS", [])
        for binding in bindings:
            if isinstance(binding, Binding):
                assert app.get_key_display(binding) in listed_keys, binding
        assert any(key == "tab" and "section" in text.lower() for key, text in listed)
        # the county picker narrows as you type
        await press(pilot, "c")
        await pilot.press(*"sol")
        await pilot.pause()
        options = app.screen.query_one("OptionList")
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == ["48"]
        await press(pilot, "enter")
        assert app.context.county == "48"


async def test_the_revealed_id_shows_in_the_breadcrumb_and_exports_are_short(region, tmp_path):
    import re

    app = make_app(region, tmp_path, audit_log=tmp_path / "audit.log")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "1", "down", "down", "down", "enter", "enter", "enter")  # Modoc
        crumb = app.active_pane.query_one(Breadcrumb)
        assert "member 9•••••68B 2025-03" in crumb.render().plain
        await press(pilot, "u", "up", "enter")  # reveal, audited
        assert "member 91234568B 2025-03" in crumb.render().plain
        await press(pilot, "u")
        assert "member 9•••••68B 2025-03" in crumb.render().plain
        await press(pilot, "3", "down", "down", "down", "enter", "e")  # 25 Modoc 2025-03
        assert re.fullmatch(r"invoices-modoc-2025-03-\d{8}-\d{6}\.csv", app.last_export.name)


async def test_g_draws_a_chart_of_the_table_and_back(region, engine):
    app = make_app(region)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "3", "g")  # billed vs paid, every county of the month
        pane = app.active_pane
        view = pane.query_one("ChartView")
        assert view.display and not pane.query_one("FigureTable").display
        drawn = view.plt.uncolorize(view.plt.build())
        month = run_report(engine, "invoices", Filters(month=date(2025, 3, 1)))
        billed = sum(month["billed_total"], Decimal("0"))
        assert f"billed {display.money(billed)}" in drawn and "paid $0.00" in drawn
        assert "12 Hum" in drawn and "48 Sol" in drawn and "$0" in drawn
        assert "g table" in str(pane.query_one(".status").render())
        await press(pilot, "g")
        assert not view.display and pane.query_one("FigureTable").display
        await press(pilot, "2", "g")  # users per county, a digit per county
        view = app.active_pane.query_one("ChartView")
        drawn = view.plt.uncolorize(view.plt.build())
        assert "1 Hum" in drawn and "7 Sol" in drawn and "Mar" in drawn
        assert "7" in drawn.split("Mar")[0]  # Solano's line is drawn
        await press(pilot, "5", "g")  # variance by month
        view = app.active_pane.query_one("ChartView")
        assert "Variance by month" in view.plt.uncolorize(view.plt.build())
        await press(pilot, "4")
        assert app.active_pane.check_action("chart", ()) is False  # adequacy has no chart
