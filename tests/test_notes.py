"""The notes store: append-only history, current state, file modes, several
writing processes at once, and clear messages when the store cannot be used."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import stat
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import pytest

from queries.notes import NotesError, NotesStore, Subject

JULY = date(2024, 7, 1)
MISSING_RATE = Subject("check", check="missing_rate", month=JULY)


def test_subjects_have_one_key_each_and_refuse_half_given_ones():
    assert MISSING_RATE.key == "check/missing_rate/2024-07"
    assert Subject("check", check="stale_extract").key == "check/stale_extract"
    assert Subject("county-month", county="25", month=JULY).key == "county-month/25/2024-07"
    assert Subject("reconciliation", county="25", fiscal_year=2025).key == (
        "reconciliation/25/FY2025"
    )
    assert Subject("reconciliation", county="25", fiscal_year=2025).label() == (
        "county 25 FY2024-25"
    )
    with pytest.raises(ValueError, match="county and month"):
        Subject("county-month", county="25")
    with pytest.raises(ValueError, match="not a note subject"):
        Subject("member", county="25")


def test_an_edit_adds_a_row_and_the_latest_row_is_the_current_state(tmp_path):
    store = NotesStore(tmp_path / "notes.sqlite")
    assert store.history() == []
    assert not (tmp_path / "notes.sqlite").exists()  # reading creates nothing
    first = store.add_note(MISSING_RATE, "open", "Modoc FY25 rate not loaded", author="ana")
    second = store.add_note(MISSING_RATE, "accepted", "DHCS rate letter due in March",
                            author="ben")  # fmt: skip
    county = Subject("county-month", county="48", month=JULY)
    store.add_note(county, "explained", "late claims from one provider", author="ana")
    elsewhere = Subject("county-month", county="48", month=date(2024, 8, 1))
    store.add_note(elsewhere, "open", "not this month", author="ana")
    recon = Subject("reconciliation", county="25", fiscal_year=2025)
    store.add_note(recon, "fixed", "variance explained by the rate change", author="ben")

    history = store.history(subject=MISSING_RATE)
    assert [(n.status, n.author, n.text) for n in history] == [
        ("open", "ana", "Modoc FY25 rate not loaded"),
        ("accepted", "ben", "DHCS rate letter due in March"),
    ]
    assert first.id < second.id and first.written_at <= second.written_at
    current = store.current(JULY)
    assert set(current) == {MISSING_RATE.key, county.key, recon.key}  # August left out
    assert current[MISSING_RATE.key].status == "accepted"
    assert len(store.history(JULY)) == 4

    signed = store.sign_off(JULY, date(2024, 9, 15), "v1", tmp_path, {"checks": []}, "ana")
    assert store.latest_sign_off(JULY) == signed and store.latest_sign_off(date(2024, 8, 1)) is None

    # the store is its own audit trail: no row is ever changed or removed
    with sqlite3.connect(store.path) as db:
        for sql in ("UPDATE notes SET text = 'x'", "DELETE FROM notes",
                    "UPDATE signoffs SET as_of = 'x'", "DELETE FROM signoffs"):  # fmt: skip
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                db.execute(sql)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_default_store_is_private_under_the_state_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("WRP_TUI_STORE", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    store = NotesStore()
    assert store.path == tmp_path / "state" / "wrp-tui" / "notes.sqlite"
    store.add_note(MISSING_RATE, "open", "first")
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert store.history()[0].author  # the OS user


def test_bad_input_is_refused_before_anything_is_written(tmp_path):
    store = NotesStore(tmp_path / "notes.sqlite")
    with pytest.raises(ValueError, match="not a status"):
        store.add_note(MISSING_RATE, "done", "text")
    with pytest.raises(ValueError, match="needs some text"):
        store.add_note(MISSING_RATE, "open", "   ")
    assert store.history() == []


def test_a_team_path_in_a_missing_folder_is_not_created(tmp_path):
    store = NotesStore(tmp_path / "no-such-share" / "notes.sqlite")
    with pytest.raises(NotesError, match="does not exist") as raised:
        store.add_note(MISSING_RATE, "open", "text")
    assert raised.value.title == "Notes store missing"
    assert not (tmp_path / "no-such-share").exists()
    assert store.history() == []


def test_an_empty_file_made_for_the_team_is_an_empty_store(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.touch()
    store = NotesStore(path)
    assert store.history() == [] and store.sign_offs() == []
    store.add_note(MISSING_RATE, "open", "first")
    assert [n.text for n in store.history()] == ["first"]


def test_a_corrupt_store_says_so(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    store = NotesStore(path)
    for action in (store.history, lambda: store.add_note(MISSING_RATE, "open", "x")):
        with pytest.raises(NotesError) as raised:
            action()
        assert raised.value.title == "Notes store unreadable"
        assert "not a notes store" in raised.value.message


def test_a_locked_store_is_reported_after_the_busy_timeout(tmp_path):
    store = NotesStore(tmp_path / "notes.sqlite", timeout_ms=100)
    store.add_note(MISSING_RATE, "open", "first")
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(NotesError, match="locked by another writer") as raised:
            store.add_note(MISSING_RATE, "fixed", "second")
        assert raised.value.title == "Notes store busy"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert [n.text for n in store.history()] == ["first"]


def _write_as_nobody(path: str, queue) -> None:
    os.setgid(65534)
    os.setuid(65534)
    store = NotesStore(Path(path))
    try:
        store.add_note(MISSING_RATE, "fixed", "from a reader")
    except NotesError as exc:
        queue.put(("write", exc.title))
    queue.put(("read", [n.text for n in store.history()]))


def test_a_read_only_store_reads_and_refuses_writes(tmp_path):
    """A share mounted read-only: writing says so, reading still works (the
    dashboard stays usable). As root, file modes do not bind: the writer
    becomes `nobody` in a child process."""
    folder = Path(tempfile.mkdtemp())
    try:
        path = folder / "notes.sqlite"
        NotesStore(path).add_note(MISSING_RATE, "open", "written by the owner")
        if os.geteuid() != 0:
            path.chmod(0o444)
            folder.chmod(0o555)
            store = NotesStore(path)
            with pytest.raises(NotesError) as raised:
                store.add_note(MISSING_RATE, "fixed", "x")
            results = {"write": raised.value.title, "read": [n.text for n in store.history()]}
        else:
            folder.chmod(0o755)
            path.chmod(0o644)
            queue = multiprocessing.get_context("fork").Queue()
            child = multiprocessing.get_context("fork").Process(
                target=_write_as_nobody, args=(str(path), queue))  # fmt: skip
            child.start()
            results = dict([queue.get(timeout=30), queue.get(timeout=30)])
            child.join(30)
        assert results["write"] == "Notes store is read-only"
        assert results["read"] == ["written by the owner"]
    finally:
        folder.chmod(0o755)
        for child_path in folder.iterdir():
            child_path.unlink()
        folder.rmdir()


WRITERS, NOTES_EACH = 4, 25


SIGN_OFF_EVERY = 5


def _write_many(path: str, writer: int, start) -> None:
    start.wait()  # every process writes at the same moment
    store = NotesStore(Path(path))
    for i in range(NOTES_EACH):
        subject = Subject("county-month", county=f"{writer}", month=JULY)
        store.add_note(subject, "open", f"writer {writer} note {i}", author=f"w{writer}")
        if i % SIGN_OFF_EVERY == 0:
            store.sign_off(JULY, date(2024, 9, 15), f"v{writer}-{i}", path, {"n": i},
                           author=f"w{writer}")  # fmt: skip


def test_several_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "team" / "notes.sqlite"
    path.parent.mkdir()
    context = multiprocessing.get_context("spawn")  # fresh interpreters, as separate dashboards
    start = context.Event()
    writers = [context.Process(target=_write_many, args=(str(path), w, start))
               for w in range(WRITERS)]  # fmt: skip
    for process in writers:
        process.start()
    start.set()
    for process in writers:
        process.join(120)
        assert process.exitcode == 0
    notes = NotesStore(path).history()
    assert len(notes) == WRITERS * NOTES_EACH
    assert len({n.id for n in notes}) == WRITERS * NOTES_EACH
    for w in range(WRITERS):
        mine = [n.text for n in notes if n.author == f"w{w}"]
        assert mine == [f"writer {w} note {i}" for i in range(NOTES_EACH)]  # in order, all there
    assert len(NotesStore(path).current()) == WRITERS
    signed = NotesStore(path).sign_offs(JULY)
    assert sorted(s.extract_version for s in signed) == sorted(
        f"v{w}-{i}" for w in range(WRITERS) for i in range(0, NOTES_EACH, SIGN_OFF_EVERY)
    )


def test_the_store_and_the_pack_import_no_textual():
    code = ("import sys, queries.notes, queries.signoff, queries.evidence; "
            "print('textual' in sys.modules)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent, check=True)  # fmt: skip
    assert done.stdout.strip() == "False"
