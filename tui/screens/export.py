"""`E`: export a table as CSV, Parquet or Excel to a path the user confirms."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tui.exporting import FORMATS, ExportRequest, path_problem, with_format
from tui.screens.pickers import MODAL_CSS


class ExportScreen(ModalScreen[ExportRequest | None]):
    """Format (ctrl+t), public or not (ctrl+b), path (editable); Enter writes.
    A file that exists is replaced only after a second Enter. The choices are
    drawn as text marks, readable without colour."""

    DEFAULT_CSS = (
        MODAL_CSS.format(name="ExportScreen")
        + """
    ExportScreen .choice { height: 1; }
    ExportScreen Input { margin-top: 1; }
    """
    )
    AUTO_FOCUS = "Input"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+t", "next_format", "Format", tooltip="CSV → Parquet → Excel"),
        Binding("ctrl+b", "toggle_public", "Public", tooltip="Suppress small cells"),
    ]

    def __init__(self, title: str, path: Path, extracts: Path | None, *, fmt: str = "csv",
                 rows: int = 0, revealed: bool = False,
                 pseudonyms: bool = False) -> None:  # fmt: skip
        super().__init__()
        self.title_text = title
        self.path = with_format(path, fmt)
        self.fmt = fmt
        self.public = False
        self.extracts = extracts
        self.rows = rows
        if pseudonyms:
            self.privacy = "member IDs are pseudonyms"
        elif revealed:
            self.privacy = "IDs revealed: enter asks whether the file gets them"
        else:
            self.privacy = "member IDs masked"
        self.confirm_replace: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Export {self.title_text} ({self.rows:,} rows)", classes="title")
            yield Static(self.format_line(), classes="choice formats")
            yield Static(self.public_line(), classes="choice public")
            yield Input(str(self.path), select_on_focus=False)
            yield Static("", classes="error")
            yield Label(f"{self.privacy} · enter writes · esc cancels", classes="hint")

    def format_line(self) -> Text:
        text = Text.assemble(("ctrl+t ", "bold"), "format  ")
        for key, label in FORMATS.items():
            chosen = key == self.fmt
            text.append(f"{'◉' if chosen else '○'} {label}", "bold reverse" if chosen else "")
            text.append("  ")
        return text

    def public_line(self) -> Text:
        mark = "☒ yes: small counts (1–10) suppressed" if self.public else "☐ no: for internal use"
        return Text.assemble(("ctrl+b ", "bold"), "public  ", (mark, "bold" if self.public else ""))

    def set_format(self, fmt: str) -> None:
        self.fmt = fmt
        field = self.query_one(Input)
        field.value = str(with_format(Path(field.value), fmt))
        field.cursor_position = len(field.value)
        self.confirm_replace = None
        self.query_one(".formats", Static).update(self.format_line())

    def action_next_format(self) -> None:
        keys = list(FORMATS)
        self.set_format(keys[(keys.index(self.fmt) + 1) % len(keys)])

    def action_toggle_public(self) -> None:
        self.public = not self.public
        self.query_one(".public", Static).update(self.public_line())

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        error = self.query_one(".error", Static)
        if not text:
            error.update("write a file path")
            return
        path = Path(text).expanduser()
        problem = path_problem(path, self.extracts)
        if problem:
            error.update(problem)
            return
        if path.exists() and self.confirm_replace != path:
            self.confirm_replace = path
            error.update(f"{path.name} exists: enter again replaces it")
            return
        self.dismiss(ExportRequest(path, self.fmt, self.public))

    def action_cancel(self) -> None:
        self.dismiss(None)
