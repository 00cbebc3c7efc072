"""Pane 7, the query console, driven from the keyboard on the hand-made
rules fixture (expected figures as in test_adhoc): type, run, page, export,
history, `$as_of` from the context bar, and a pane's query opened with `q`."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import polars as pl
import pyarrow.parquet as pq
import pytest
from textual import events

from tests.rules_fixture import build_rules_extracts
from tests.test_tui_pilot import make_app, press, settle
from tui.panes.console import ConsolePane, ResultsTable, SchemaTree, SqlEditor

CIN = re.compile(r"\b\d{8}[A-Z]\b")
pytestmark = pytest.mark.asyncio


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return build_rules_extracts(tmp_path_factory.mktemp("console"))


def console(app) -> ConsolePane:
    return app.query_one("#query", ConsolePane)


def status(app) -> str:
    return str(console(app).query_one(".status").render())


def error(app) -> str:
    shown = console(app).query_one(".sql-error")
    return str(shown.render()) if shown.has_class("-shown") else ""


async def run_sql(pilot, sql: str, *, typed: bool = False) -> None:
    """Focus the editor, replace its text by `sql` (pasted, or typed key by
    key), run it."""
    app = pilot.app
    if app.active_pane is not console(app):
        await press(pilot, "7")
    editor = app.query_one(SqlEditor)
    console(app).focus_editor()
    await pilot.press("ctrl+a", "backspace")  # ctrl+a selects all
    if typed:
        await pilot.press(*sql)
    else:
        app.post_message(events.Paste(sql))  # as the terminal sends a paste
        await pilot.pause()
    assert editor.text == sql
    await press(pilot, "ctrl+r")


async def type_path(pilot, path) -> None:
    """The export dialog's path: the folder set, the file name typed, Enter."""
    field = pilot.app.screen.query_one("Input")
    field.value = f"{path.parent}/"
    field.cursor_position = len(field.value)
    await pilot.press(*path.name, "enter")
    await settle(pilot)


async def test_type_a_query_run_it_and_see_the_count(data_dir):
    app = make_app(data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "7")
        assert app.active_pane.id == "query"
        # the hint has the focus, so that a pane key switches panes and never types
        assert app.focused is app.query_one(ResultsTable)
        assert "i or enter: write SQL · 1-8 panes" in str(app.query_one(ResultsTable).render())
        await press(pilot, "enter")
        assert app.focused is app.query_one(SqlEditor)  # ready to type
        await run_sql(pilot, "SELECT count(*) AS n FROM claims", typed=True)
        claims = pq.ParquetFile(data_dir / "claims.parquet").metadata.num_rows
        assert console(app).result.frame.to_dicts() == [{"n": claims}]
        assert status(app).startswith("1 row · 1 columns")
        # errors read as messages, in place; nothing is written
        for refused in ("COPY (SELECT 1) TO 'out.csv'", "SELECT * FROM read_csv('/etc/passwd')"):
            await run_sql(pilot, refused)
            assert error(app).startswith("Read-only:"), refused
            assert "Traceback" not in error(app)
        assert not (data_dir / "out.csv").exists()
        await run_sql(pilot, "SELEC 1")
        assert error(app).startswith("SQL does not parse")
        # no rows of an earlier query under the failed one
        assert console(app).result is None
        assert app.query_one(ResultsTable).grid is None


async def test_as_of_is_bound_from_the_context_bar_and_history_recalls(data_dir):
    app = make_app(data_dir)
    query = (
        "SELECT county_code, users FROM county_month_users($as_of) "
        "WHERE month = DATE '2024-07-01' ORDER BY 1"
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await run_sql(pilot, query)
        assert console(app).result.frame.rows() == [("25", 1), ("45", 1)]
        assert "$as_of 2024-09-15" in str(console(app).query_one(".params").render())
        # on Jul 31, D's reversal is unknown: two Modoc users
        await press(pilot, "escape", "a")  # leave the editor, then the as-of key
        await pilot.press("ctrl+a", "ctrl+k", *"2024-07-31", "enter")
        await settle(pilot)
        assert app.context.as_of == date(2024, 7, 31)
        await press(pilot, "i", "ctrl+r")
        assert console(app).result.frame.rows()[0] == ("25", 2)
        # history: older, older, newer
        await run_sql(pilot, "SELECT 42 AS answer")
        editor = app.query_one(SqlEditor)
        await press(pilot, "ctrl+up")
        assert editor.text == "SELECT 42 AS answer"
        await press(pilot, "ctrl+up")
        assert editor.text == query
        await press(pilot, "ctrl+down")
        assert editor.text == "SELECT 42 AS answer"


async def test_half_a_million_rows_appear_capped_and_scroll(data_dir):
    app = make_app(data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await run_sql(pilot, "SELECT range AS i, range * 2 AS twice FROM range(500000)")
        result = console(app).result
        assert result.total_rows == 500_000
        assert status(app).startswith("100,000 of 500,000 rows shown")
        grid = console(app).query_one(ResultsTable).grid
        assert grid.row_count == 100_000
        await press(pilot, "escape")  # editor -> results
        assert app.focused is grid
        rows = []
        for _ in range(4):
            await press(pilot, "pagedown")
            rows.append(grid.cursor_coordinate.row)
        assert rows == sorted(rows) and rows[0] > 0 and len(set(rows)) == 4
        await press(pilot, "end")
        assert grid.cursor_coordinate.row == 99_999
        assert grid.scroll_y > 0
        # a long query is cancelled with esc; no rows of the earlier query stay under it
        await press(pilot, "i")
        await pilot.press("f7", "backspace")
        app.post_message(
            events.Paste("SELECT count(*) FROM range(30000000000) t(i) WHERE i % 7 = 3")
        )
        await pilot.press("ctrl+r")
        for _ in range(500):  # until DuckDB is running it (never sleep blindly)
            adhoc = getattr(app.engine, "adhoc", None)  # the console's pseudonymised engine
            if adhoc is not None and adhoc._active:
                break
            await pilot.pause(0.01)
        else:
            pytest.fail("the query never started")
        await press(pilot, "escape")
        assert status(app) == "cancelled"
        assert console(app).result is None and not console(app).loading_now
        assert app.query_one(ResultsTable).grid is None


async def test_export_csv_parquet_and_excel_masked(data_dir, tmp_path):
    app = make_app(data_dir, tmp_path)
    query = (
        "SELECT member_id, 'CIN ' || member_id AS note, sum(paid_amount) AS paid, "
        "min(service_date) AS first FROM claims GROUP BY ALL ORDER BY 1"
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await run_sql(pilot, query)
        frame = console(app).result.frame
        first = frame.row(0, named=True)
        alias = first["member_id"]  # a pseudonym, whatever the expression
        assert re.fullmatch(r"M-[0-9a-f]{12}", alias) and first["note"] == f"CIN {alias}"
        await press(pilot, "escape", "e")  # quick CSV to the export folder
        csv_file = app.last_export
        assert csv_file.parent == tmp_path / "exports" and csv_file.suffix == ".csv"
        text = csv_file.read_text()
        assert not CIN.search(text)
        assert f"{alias},CIN {alias},{first['paid']:.2f}," in text
        for fmt in ("parquet", "xlsx"):
            await press(pilot, "E", "ctrl+t")  # csv -> parquet
            if fmt == "xlsx":
                await press(pilot, "ctrl+t")
            target = tmp_path / "mine" / f"paid.{fmt}"
            assert app.screen.query_one("Input").value.endswith(f".{fmt}")
            await type_path(pilot, target)
            assert app.last_export == target
            back = pl.read_parquet(target) if fmt == "parquet" else pl.read_excel(target)
            assert back["member_id"].to_list() == frame["member_id"].to_list()
            assert not back["note"].str.contains(r"\d{8}[A-Z]").any()
            if fmt == "parquet":  # money stays exact
                assert back.schema["paid"] == frame.schema["paid"]
                assert back["paid"].to_list() == frame["paid"].to_list()
            else:
                assert back["paid"].to_list() == [float(v) for v in frame["paid"]]
                assert back["first"].to_list() == frame["first"].to_list()
        # never into the extracts folder
        await press(pilot, "E")
        await type_path(pilot, data_dir / "x.csv")
        assert "never written to" in str(app.screen.query_one(".error").render())
        await press(pilot, "escape")
        assert not (data_dir / "x.csv").exists()


async def test_q_opens_the_invoices_query_and_it_gives_the_pane_rows(data_dir, tmp_path):
    app = make_app(data_dir, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "3")
        pane_rows = app.active_pane.figures.raw
        await press(pilot, "q")
        assert app.active_pane.id == "query"
        editor = app.query_one(SqlEditor)
        assert app.focused is editor
        sql = editor.text
        assert "queries/invoices.sql" in sql and "$" not in sql
        # as-of and the context month (the pane opens on it)
        assert "DATE '2024-09-15'" in sql and f"DATE '{app.context.month}'" in sql
        await press(pilot, "ctrl+r")
        result = console(app).result.frame
        # the pane also lists the counties the report has no row for (no users, no invoice)
        reported = pane_rows.filter(pl.col("county_code").is_in(result["county_code"].to_list()))
        assert result.select(pane_rows.columns).equals(reported)
        others = pane_rows.filter(~pl.col("county_code").is_in(result["county_code"].to_list()))
        assert others["computed_users"].to_list() == [0] * others.height
        assert set(others["billed_total"].to_list()) <= {Decimal("0.00")}
        assert result["billed_total"].dtype == pl.Decimal(12, 2) or isinstance(
            result["billed_total"][0], Decimal
        )
        # the history keeps what the editor held before
        await press(pilot, "ctrl+up")
        assert editor.text == sql.strip()


async def test_pane_export_as_excel_and_public(data_dir, tmp_path):
    app = make_app(data_dir, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "3")
        raw = app.active_pane.figures.raw
        await press(pilot, "E", "ctrl+t", "ctrl+t")  # Excel
        target = tmp_path / "invoices.xlsx"
        await type_path(pilot, target)
        back = pl.read_excel(target)
        assert back["county_code"].to_list() == raw["county_code"].to_list()
        assert back["billed_total"].to_list() == [float(v) for v in raw["billed_total"]]
        # public: small counts suppressed, the rule named per row
        await press(pilot, "E", "ctrl+t", "ctrl+b")  # Parquet, public
        target = tmp_path / "invoices-public.parquet"
        await type_path(pilot, target)
        public = pl.read_parquet(target)
        assert "suppressed" in public.columns
        assert public["computed_users"].drop_nulls().is_between(1, 10).sum() == 0
        # a drilled level is no report: refused, nothing written
        await press(pilot, "enter", "E", "ctrl+b")
        target = tmp_path / "month-public.csv"
        await type_path(pilot, target)
        assert not target.exists()


async def test_completion_and_the_schema_list(data_dir):
    app = make_app(data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "7", "i")
        await pilot.press(*"SELECT * FROM county_month_u")
        await press(pilot, "ctrl+space")
        editor = app.query_one(SqlEditor)
        assert editor.text == "SELECT * FROM county_month_users"
        await pilot.press(*"($as_of) u WHERE u.mon")
        await press(pilot, "ctrl+space")
        assert editor.text.endswith("u.month")
        relations = {r.name: r for r in console(app).relations}
        assert [c for c, _ in relations["services"].columns][:1]  # described by DuckDB
        assert relations["services"].call == "services($as_of)"
        await press(pilot, "f2")
        tree = app.query_one(SchemaTree)
        assert tree.has_focus
        labels = [str(n.label) for n in tree.root.children[2].children]
        assert "invoice_drift" in labels and "services" in labels
        await press(pilot, "escape")
        assert editor.has_focus and not tree.display


async def test_history_persists_masked_and_the_editor_grows(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    query = "SELECT member_id FROM claims WHERE member_id = '91234567A'"
    app = make_app(data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "7", "1")  # a pane key from the console's hint switches panes
        assert app.active_pane.id == "overview"
        await run_sql(pilot, "SELECT 1 AS one")
        await run_sql(pilot, query)
        editor = app.query_one(SqlEditor)
        assert editor.size.height == 4
        app.post_message(events.Paste("\n".join(f"-- line {i}" for i in range(20))))
        await pilot.pause()
        assert editor.size.height == console(app).size.height // 2  # grows to half the pane
        await press(pilot, "f3")
        assert editor.size.height > console(app).size.height // 2
    path = tmp_path / "state" / "wrp-tui" / "history"
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    saved = path.read_text()
    assert "SELECT 1 AS one" in saved and "9•••••67A" in saved and not CIN.search(saved)
    app = make_app(data_dir)  # the next session recalls it
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "7", "i", "ctrl+up")
        assert app.query_one(SqlEditor).text == query.replace("91234567A", "9•••••67A")
        await press(pilot, "ctrl+up")
        assert app.query_one(SqlEditor).text == "SELECT 1 AS one"
