"""`n` in pane 6: the notes on the highlighted row, oldest first, and a field
to add one (an edit or a status change is a new note: history is kept)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tui.screens.pickers import MODAL_CSS

if TYPE_CHECKING:
    from queries.notes import Note, Subject

STATUSES = ("open", "explained", "accepted", "fixed")  # queries/notes.py's, in order


@dataclass(frozen=True)
class NoteRequest:
    subject: Subject
    status: str
    text: str


class NotesScreen(ModalScreen[NoteRequest | None]):
    """The subject's history; ctrl+t cycles the status, Enter adds, Esc closes.
    With an unusable store, the history (if any) and why nothing can be added."""

    DEFAULT_CSS = (
        MODAL_CSS.format(name="NotesScreen")
        + """
    NotesScreen > Vertical { width: 76; }
    NotesScreen VerticalScroll { height: auto; max-height: 12; }
    NotesScreen .status { height: 1; margin-top: 1; }
    """
    )
    AUTO_FOCUS = "Input"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close"),
        Binding("ctrl+t", "next_status", "Status", tooltip="open → explained → accepted → fixed"),
    ]

    def __init__(self, subject: Subject, history: list[Note], problem: str = "") -> None:
        super().__init__()
        self.subject = subject
        self.history = history
        self.problem = problem
        self.status = history[-1].status if history else "open"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Notes on {self.subject.label()}", classes="title")
            with VerticalScroll():
                yield Static(self.history_text(), classes="history")
            yield Static(self.status_line(), classes="status")
            yield Input(placeholder="what you found or decided", disabled=bool(self.problem))
            yield Static(self.problem, classes="error")
            yield Label("ctrl+t status · enter adds the note · esc closes", classes="hint")

    def history_text(self) -> Text:
        if not self.history:
            return Text("No notes yet.", style="dim")
        lines = [
            Text.assemble((f"{n.written_at[:16].replace('T', ' ')} ", "dim"), (n.author, "bold"),
                          " ", (n.status, "bold"), "  ", n.text)  # fmt: skip
            for n in self.history
        ]
        return Text("\n").join(lines)

    def status_line(self) -> Text:
        text = Text.assemble(("ctrl+t ", "bold"), "status  ")
        for status in STATUSES:
            chosen = status == self.status
            text.append(f"{'◉' if chosen else '○'} {status}", "bold reverse" if chosen else "")
            text.append("  ")
        return text

    def action_next_status(self) -> None:
        self.status = STATUSES[(STATUSES.index(self.status) + 1) % len(STATUSES)]
        self.query_one(".status", Static).update(self.status_line())

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.query_one(".error", Static).update("write the note first")
            return
        self.dismiss(NoteRequest(self.subject, self.status, text))

    def action_cancel(self) -> None:
        self.dismiss(None)
