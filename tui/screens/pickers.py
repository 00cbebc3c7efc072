"""Small modal screens to change the context from the keyboard."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

MODAL_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 60; max-width: 100%; height: auto; max-height: 90%;
    border: round $accent; background: $surface; padding: 0 1;
}}
{name} .title {{ text-style: bold; margin-bottom: 1; }}
{name} .hint {{ color: $text-muted; }}
{name} .error {{ color: $error; }}
"""


class ChoiceScreen(ModalScreen[str | None]):
    """Pick one of a few values (a county, a query of the history): typing
    narrows the list to the choices containing the text. Dismisses with the
    value or None."""

    DEFAULT_CSS = (
        MODAL_CSS.format(name="ChoiceScreen")
        + "ChoiceScreen OptionList { height: auto; max-height: 16; }"
        + "ChoiceScreen Input { border: none; height: 1; padding: 0 1; margin-bottom: 1; }"
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move('cursor_down')", "Next", show=False, priority=True),
        Binding("up", "move('cursor_up')", "Previous", show=False, priority=True),
        Binding("home", "move('first')", "First", show=False, priority=True),
        Binding("end", "move('last')", "Last", show=False, priority=True),
        Binding("pagedown", "move('page_down')", "Page down", show=False, priority=True),
        Binding("pageup", "move('page_up')", "Page up", show=False, priority=True),
    ]

    def __init__(self, title: str, choices: list[tuple[str, str]], current: str) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title")
            yield Input(placeholder="type to narrow the list")
            yield OptionList(*self.options(""))
            yield Label("type to filter · ↑↓ choose · enter select · esc cancel", classes="hint")

    def options(self, text: str) -> list[Option]:
        needle = text.casefold().strip()
        return [Option(label, id=value) for value, label in self.choices
                if needle in label.casefold()]  # fmt: skip

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        values = [value for value, _ in self.choices]
        options.highlighted = values.index(self.current) if self.current in values else 0
        self.query_one(Input).focus()

    @on(Input.Changed)
    def _narrow(self, event: Input.Changed) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(self.options(event.value))
        options.highlighted = 0 if options.option_count else None

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one(OptionList)
        if options.highlighted is not None and options.option_count:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    def action_move(self, action: str) -> None:
        getattr(self.query_one(OptionList), f"action_{action}")()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PromptScreen(ModalScreen[str | None]):
    """Type a value (a month, a date, a folder); `check` returns an error
    message or None. Dismisses with the text or None."""

    DEFAULT_CSS = MODAL_CSS.format(name="PromptScreen")
    AUTO_FOCUS = "Input"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, value: str, hint: str,
                 check: Callable[[str], str | None]) -> None:  # fmt: skip
        super().__init__()
        self.title_text = title
        self.value = value
        self.hint = hint
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title")
            yield Input(self.value, select_on_focus=True)
            yield Static("", classes="error")
            yield Label(self.hint + " · enter apply · esc cancel", classes="hint")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        problem = self.check(event.value.strip())
        if problem:
            self.query_one(".error", Static).update(problem)
        else:
            self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
