"""Pane 6's keys for notes, sign-off and the evidence pack (a mixin of ClosePane).

`n` reads and adds notes on the highlighted row, `S` signs off the month
(after a confirmation), `P` writes the evidence pack. The store is read and
written in workers; a store that cannot be used says so in a notification and
the pane stays as it was (read-only).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.binding import Binding, BindingType

from tui.widgets.figure_table import FigureTable

if TYPE_CHECKING:
    from queries.notes import Note, Subject
    from tui.context import Context
    from tui.screens.notes import NoteRequest

# The command line that writes the pack (it draws the panes in a process of its own).
WRP_TUI = Path(__file__).resolve().parent.parent.parent / "wrp_tui.py"
NOTE_BINDINGS: list[BindingType] = [
    Binding("n", "notes", "Notes", show=False, tooltip="Notes on the highlighted row: read, add"),
    Binding("S", "sign_off", "Sign off", show=False, tooltip="Sign off the month's close"),
    Binding("P", "evidence", "Evidence", show=False, tooltip="Write the evidence pack"),
]


def pack_problem(text: str) -> str | None:
    path = Path(text).expanduser()
    if not text:
        return "write a folder path"
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        return f"{path} exists: choose a new folder"
    return None


class NotesKeys:
    """Mixed into ClosePane (a Pane with sections)."""

    section: int

    # -- notes on the highlighted row ------------------------------------------------------
    def action_notes(self: Any) -> None:
        from tui.panes.close import SECTION_LABELS
        from tui.views.close_notes import row_subject

        figures, ctx = self.figures, self.wrp.context
        if figures is None or ctx is None or not figures.row_count:
            return
        row = self.query_one(FigureTable).cursor[0]
        subject = row_subject(SECTION_LABELS[self.section], figures.row(row), ctx)
        if isinstance(subject, str):
            self.notify(subject, severity="warning")
            return
        self.read_notes(subject, ctx)

    @work(thread=True, exit_on_error=False, group="notes")
    def read_notes(self: Any, subject: Subject, ctx: Context) -> None:
        from queries.notes import NotesError
        from tui.views.close_notes import store_of

        try:
            history, problem = store_of(ctx).history(subject=subject), ""
        except NotesError as exc:
            history, problem = [], f"{exc.title}: {exc.message}"
        self.app.call_from_thread(self.show_notes, subject, history, problem, ctx)

    def show_notes(self: Any, subject: Subject, history: list[Note], problem: str,
                   ctx: Context) -> None:  # fmt: skip
        from tui.screens.notes import NotesScreen

        def chosen(request: NoteRequest | None) -> None:
            if request is not None:
                self.write_note(request, ctx)

        self.app.push_screen(NotesScreen(subject, history, problem), chosen)

    @work(thread=True, exit_on_error=False, group="notes")
    def write_note(self: Any, request: NoteRequest, ctx: Context) -> None:
        from queries.notes import NotesError
        from tui.views.close_notes import store_of

        try:
            note = store_of(ctx).add_note(request.subject, request.status, request.text)
        except NotesError as exc:
            self.app.call_from_thread(self.notify, exc.message, title=exc.title,
                                      severity="error", timeout=10)  # fmt: skip
            return
        self.app.call_from_thread(self.stored, f"Noted on {note.subject.label()}: {note.status}")

    def stored(self: Any, message: str) -> None:
        """A note or sign-off landed: the checklist shows it (read again)."""
        self.notify(message, timeout=4)
        if self.section != 0:
            self.saved.pop(0, None)  # rebuilt when tabbed back to
            return
        root = self.stack[0]
        if len(self.stack) == 1:
            root.cursor = self.query_one(FigureTable).cursor
        root.loaded_for = None
        if len(self.stack) == 1:
            self.refresh_step()

    # -- sign-off ------------------------------------------------------------------------------
    def action_sign_off(self: Any) -> None:
        from tui.screens.pickers import ChoiceScreen

        ctx, engine = self.wrp.context, self.wrp.engine
        if ctx is None or engine is None:
            return
        month = f"{ctx.month:%Y-%m}"

        def confirmed(choice: str | None) -> None:
            if choice == "sign":
                self.run_sign_off(engine, ctx)

        choices = [("sign", f"Sign off {month} as of {ctx.as_of}: records the checklist now"),
                   ("keep", "Not now")]  # fmt: skip
        self.app.push_screen(ChoiceScreen(f"Sign off the close of {month}?", choices, "keep"),
                             confirmed)  # fmt: skip

    @work(thread=True, exit_on_error=False, group="notes")
    def run_sign_off(self: Any, engine, ctx: Context) -> None:
        from queries.engine import DataError
        from queries.notes import NotesError
        from queries.signoff import sign_off_month
        from tui.views.close_notes import store_of

        try:
            signed = sign_off_month(store_of(ctx), engine, ctx.month, ctx.as_of)
        except (NotesError, DataError) as exc:
            self.app.call_from_thread(self.notify, exc.message, title=exc.title,
                                      severity="error", timeout=10)  # fmt: skip
        except ValueError as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Not signed off",
                                      severity="warning", timeout=10)  # fmt: skip
        else:
            self.app.call_from_thread(
                self.stored, f"Signed off {ctx.month:%Y-%m} as of {ctx.as_of} "
                f"(extract version {signed.extract_version})")  # fmt: skip

    # -- the evidence pack -----------------------------------------------------------------------
    def action_evidence(self: Any) -> None:
        from tui.screens.pickers import PromptScreen

        ctx = self.wrp.context
        if ctx is None:
            return
        default = self.wrp.export_dir / f"evidence-{ctx.month:%Y-%m}"

        def chosen(value: str | None) -> None:
            if value:
                self.notify(f"Writing the evidence pack to {value}…", timeout=4)
                self.run_evidence(Path(value).expanduser(), ctx)

        self.app.push_screen(PromptScreen("Write the evidence pack to", str(default),
                                          "a new folder; FOLDER.zip is written beside it",
                                          pack_problem), chosen)  # fmt: skip

    @work(thread=True, exit_on_error=False, group="evidence")
    def run_evidence(self: Any, out: Path, ctx: Context) -> None:
        """`wrp-tui evidence` in a process of its own: it draws the panes
        headless, which a running dashboard cannot do in itself."""
        command = [sys.executable, str(WRP_TUI), "evidence", "--month", f"{ctx.month:%Y-%m}",
                   "--as-of", ctx.as_of.isoformat(), "--data", str(ctx.data_dir), str(out)]
        if ctx.notes_store is not None:
            command[3:3] = ["--store", str(ctx.notes_store)]
        env = os.environ | {"NO_COLOR": "1", "COLUMNS": "100"}
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if done.returncode == 0:
            self.app.call_from_thread(self.notify, done.stdout.strip(), title="Evidence pack")
            self.app.call_from_thread(setattr, self.wrp, "last_export", out)
        else:
            reason = " ".join(done.stderr.replace("│", " ").replace("─", " ").split())[-300:]
            self.app.call_from_thread(self.notify, reason or "wrp-tui evidence failed",
                                      title="Evidence pack not written", severity="error",
                                      timeout=10)  # fmt: skip
