"""Pane 6's keys for notes (n), sign-off (S) and the evidence pack (P), on the
rules fixture (closing 2024-07 as of 2024-09-15: missing_rate blocks)."""

from __future__ import annotations

import getpass
import zipfile
from datetime import date
from pathlib import Path

import pytest

from queries.notes import NotesStore
from tests.rules_fixture import CLAIMS, build_rules_extracts
from tests.test_signoff import LATE_SOLANO
from tests.test_tui_pilot import cells, labels, make_app, notes, press, settle
from tui.screens.notes import NotesScreen
from tui.screens.pickers import ChoiceScreen, PromptScreen

JULY = date(2024, 7, 1)
pytestmark = pytest.mark.asyncio


@pytest.fixture(scope="module")
def rules(tmp_path_factory) -> Path:
    return build_rules_extracts(tmp_path_factory.mktemp("close-notes") / "rules")


async def type_text(pilot, text: str) -> None:
    await pilot.press(*("space" if ch == " " else ch for ch in text))


def row_of(app, check: str) -> list[str]:
    return next(row for row in cells(app) if row[2] == check)


async def test_note_a_check_sign_off_and_write_the_pack(tmp_path):
    rules = build_rules_extracts(tmp_path / "rules")  # changed below: a copy of its own
    store_path = tmp_path / "notes.sqlite"
    app = make_app(rules, tmp_path, store=store_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "6")
        assert "Notes" in labels(app)
        assert row_of(app, "missing_rate")[4] == ""  # no note yet
        assert "2024-07 not signed off (S signs off" in notes(app)

        # S with a blocking check and no note: refused, nothing recorded
        await press(pilot, "S")
        assert isinstance(app.screen, ChoiceScreen)
        await press(pilot, "up", "enter")
        assert NotesStore(store_path).sign_offs() == []

        # n on missing_rate (the first row): no notes yet; add one, accepted
        await press(pilot, "n")
        assert isinstance(app.screen, NotesScreen)
        assert app.screen.subject.key == "check/missing_rate/2024-07"
        assert "No notes yet." in str(app.screen.query_one(".history").render())
        await type_text(pilot, "Rate letter signed")
        await press(pilot, "ctrl+t", "ctrl+t", "enter")
        assert not isinstance(app.screen, NotesScreen)
        (note,) = NotesStore(store_path).history()
        assert (note.status, note.text, note.author) == (
            "accepted", "Rate letter signed", getpass.getuser()
        )
        assert row_of(app, "missing_rate")[4] == "accepted ✎1"

        # n again shows the history; Esc closes without adding
        await press(pilot, "n")
        assert "accepted  Rate letter signed" in str(app.screen.query_one(".history").render())
        assert app.screen.status == "accepted"  # starts at the current status
        await press(pilot, "escape")
        assert len(NotesStore(store_path).history()) == 1

        # S, confirmed: the month is signed off and the pane says so
        await press(pilot, "S", "up", "enter")
        (signed,) = NotesStore(store_path).sign_offs(JULY)
        assert signed.as_of == date(2024, 9, 15)
        assert f"Signed off by {getpass.getuser()}" in notes(app)
        assert "the extracts are unchanged since" in notes(app)

        # a readiness row takes a county-month note
        await press(pilot, "tab", "n")
        assert app.screen.subject.key == "county-month/12/2024-07"
        await press(pilot, "escape", "shift+tab")

        # P writes the pack (in a process of its own) to the folder confirmed
        await press(pilot, "P")
        assert isinstance(app.screen, PromptScreen)
        await press(pilot, "enter")
        pack = tmp_path / "exports" / "evidence-2024-07"
        assert app.last_export == pack
        with zipfile.ZipFile(f"{pack}.zip") as archive:
            names = set(archive.namelist())
        assert "evidence-2024-07/screens/close.svg" in names
        assert "accepted" in (pack / "close/checklist.csv").read_text()

        # new extracts move a signed-off figure: r reloads, pane 6 names it
        build_rules_extracts(rules, claims=[*CLAIMS, LATE_SOLANO])
        await press(pilot, "r")
        assert "CHANGED SINCE" in notes(app)
        assert ("moved: check month_not_invoiced: 1 → 2; 48 users: 0 → 1; "
                "48 expected_total: 2000.00 → 2410.00") in notes(app)  # fmt: skip


async def test_an_unreadable_store_leaves_the_close_read_only(rules, tmp_path):
    store_path = tmp_path / "notes.sqlite"
    store_path.write_bytes(b"not a database" * 100)
    app = make_app(rules, tmp_path, store=store_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "6")
        assert row_of(app, "missing_rate")[1] == "blocking"  # the checklist still shows
        assert "Notes store unreadable" in notes(app) and "read-only" in notes(app)
        await press(pilot, "n")
        screen = app.screen
        assert isinstance(screen, NotesScreen)
        assert screen.query_one("Input").disabled
        assert "Notes store unreadable" in str(screen.query_one(".error").render())
        await press(pilot, "escape")
        assert store_path.read_bytes() == b"not a database" * 100
