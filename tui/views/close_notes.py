"""Notes and sign-off as pane 6 shows them: each check's note status on its
row, and under the checklist the month's sign-off and what moved since.

Read in the pane's worker (SQLite, no Textual). A store that cannot be read
gives one line saying so; the checklist shows as before, read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from rich.text import Text

from queries.notes import Note, NotesError, NotesStore, Subject
from queries.signoff import check_note, check_subject, signoff_state
from tui.styles import ALERT_STYLE

if TYPE_CHECKING:
    from queries.engine import Engine
    from tui.context import Context

NOTE_STYLES = {"open": "bold yellow", "explained": "", "accepted": "green", "fixed": "green"}
MOVED_SHOWN = 4  # figures named under the checklist; `close` lists them all


@dataclass(frozen=True)
class CloseNotes:
    """Each check's note mark ('accepted ✎2'), and the lines under the table."""

    marks: dict[str, str]
    lines: tuple[Text, ...]


def store_of(ctx: Context) -> NotesStore:
    return NotesStore(ctx.notes_store)


def note_mark(note: Note | None, count: int) -> str:
    """The current status, and how many notes the subject has had."""
    return "" if note is None else f"{note.status} ✎{count}"


def close_notes(engine: Engine, ctx: Context, checks: list[str]) -> CloseNotes:
    store = store_of(ctx)
    try:
        history = store.history(ctx.month)
        state = signoff_state(store, engine, ctx.month)
    except NotesError as exc:
        line = Text(f"{exc.title}: {exc.message} — notes and sign-off not shown (read-only)",
                    style="bold yellow")  # fmt: skip
        return CloseNotes({}, (line,))
    current: dict[str, Note] = {}
    counts: dict[str, int] = {}
    for note in history:
        current[note.subject.key] = note
        counts[note.subject.key] = counts.get(note.subject.key, 0) + 1
    marks = {}
    for check in checks:
        note = check_note(current, check, ctx.month)
        if note is not None:
            marks[check] = note_mark(note, counts[note.subject.key])
    if state is None:
        lines = [Text(f"{ctx.month:%Y-%m} not signed off (S signs off · n notes the row · "
                      "P evidence pack)", style="dim")]  # fmt: skip
    else:
        lines = [Text(state.summary(), style=ALERT_STYLE if state.moved else "green")]
        if state.moved:
            shown = "; ".join(c.describe() for c in state.moved[:MOVED_SHOWN])
            more = len(state.moved) - MOVED_SHOWN
            lines.append(Text("moved: " + shown + (f"; {more} more (wrp-tui close)"
                                                    if more > 0 else ""), style=ALERT_STYLE))
    return CloseNotes(marks, tuple(lines))


def mark_style(row: dict[str, Any]) -> str | None:
    status = (row.get("notes") or "").split(" ")[0]
    return NOTE_STYLES.get(status) or None


def row_subject(section: str, record: dict[str, Any], ctx: Context) -> Subject | str:
    """What a note on the highlighted row is about, or why the row takes none."""
    if section == "Checklist":
        return check_subject(record["check"], ctx.month)
    county = record.get("county_code")
    if county is None:
        return "Notes go on a check, a county-month or a county's fiscal year: not this row"
    if section == "Projection":
        return Subject("reconciliation", county=county, fiscal_year=ctx.fiscal_year)
    month: date | None = record.get("month") if section != "Readiness" else ctx.month
    if month is None:
        return "Notes go on a check, a county-month or a county's fiscal year: not this row"
    return Subject("county-month", county=county, month=month)
