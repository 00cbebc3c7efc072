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
    """Pick one of a few values (a county). Dismisses with the value or None."""

    DEFAULT_CSS = (
        MODAL_CSS.format(name="ChoiceScreen")
        + "ChoiceScreen OptionList { height: auto; max-height: 16; }"
    )
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str]], current: str) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title")
            yield OptionList(*(Option(label, id=value) for value, label in self.choices))
            yield Label("↑↓ choose · enter select · esc cancel", classes="hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        values = [value for value, _ in self.choices]
        options.highlighted = values.index(self.current) if self.current in values else 0
        options.focus()

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
