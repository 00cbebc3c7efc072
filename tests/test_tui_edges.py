"""The dashboard on extracts broken at the edges: never a frozen screen,
never zeros where a table is empty, the rows left out said."""

from __future__ import annotations

from pathlib import Path

import pytest

from queries.engine import Engine
from tests.edge_extracts import empty_table, set_date
from tests.rules_fixture import build_rules_extracts
from tests.test_tui_pilot import make_app, press, settle

pytestmark = pytest.mark.asyncio


def notice_text(app) -> str | None:
    notice = app.active_pane.query_one("Notice")
    return str(notice.render()) if notice.has_class("-shown") else None


async def test_an_infinite_paid_date_opens_with_the_row_left_out(tmp_path):
    folder = build_rules_extracts(tmp_path / "x")
    set_date(folder, "claims", "paid_date", "claim_id = 'C8'", "infinity")  # the latest paid
    app = make_app(folder)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        # The default as-of is the latest usable paid date (C8's Sep 15 is left out).
        assert str(app.context.as_of) == "2024-08-10"
        warnings = [n.message for n in app._notifications if n.title == "Rows left out"]
        assert warnings == [
            "claims.paid_date: 1 row with a date outside 1900-01-01..2100-12-31, "
            "left out of the figures (e.g. C8/1: infinity)"
        ]
        await press(pilot, "2")
        assert notice_text(app) is None


async def test_an_empty_claims_table_is_said_in_place_not_zeros(tmp_path):
    folder = build_rules_extracts(tmp_path / "x")
    empty_table(folder, "claims")
    app = make_app(folder)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for key in "1235":
            await press(pilot, key)
            text = notice_text(app)
            assert text is not None, key
            assert "claims: empty: no rows, and the figures need them" in text, (key, text)


async def test_an_unexpected_error_while_opening_is_shown_not_frozen(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def broken(self):
        raise ValueError("year 10000 is out of range")

    monkeypatch.setattr(Engine, "default_as_of", broken)
    app = make_app(build_rules_extracts(tmp_path / "x"))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        text = notice_text(app)
        (crash,) = (tmp_path / "state" / "wrp-tui" / "crash").iterdir()
        assert text is not None and "Unexpected error" in text
        assert "ValueError: year 10000 is out of range" in text
        assert "details in" in text and crash.name in text.replace("\n", "")
        assert "opening the extracts" in crash.read_text()


async def test_an_unexpected_error_in_a_pane_writes_a_crash_file(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    app = make_app(build_rules_extracts(tmp_path / "x"))

    def no_threads(*_args, **_kwargs):
        raise RuntimeError("could not spawn threads: Resource temporarily unavailable")

    monkeypatch.setattr(Engine, "run", no_threads)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "2")
        text = notice_text(app)
        assert text is not None and "Not enough resources" in text
        assert "--threads 2" in text.replace("\n", " ")
        assert list(Path(tmp_path / "state" / "wrp-tui" / "crash").iterdir())


async def test_an_error_the_app_cannot_survive_ends_with_a_short_message(
    tmp_path, monkeypatch, capfd
):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    app = make_app(build_rules_extracts(tmp_path / "x"))
    with pytest.raises(ZeroDivisionError):  # run_test hands the error back to the test
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            app._handle_exception(ZeroDivisionError("member 10000001A"))
            await pilot.pause()
    (crash,) = (tmp_path / "state" / "wrp-tui" / "crash").iterdir()
    assert "ZeroDivisionError: member 1•••••01A" in crash.read_text()
    assert app.return_code == 1
    printed = capfd.readouterr()  # on the way out, instead of Textual's traceback
    shown = printed.out + printed.err
    assert "wrp-tui stopped on an unexpected error (ZeroDivisionError: member 1•••••01A)" in (
        " ".join(shown.replace("│", " ").split())
    )
    assert "10000001A" not in shown
