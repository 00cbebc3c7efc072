"""The command palette (ctrl+p) and the `?` key list, both built from the
bindings declared on the app and the panes, so neither can miss an action."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider

from queries.reference import COUNTIES

if TYPE_CHECKING:
    from tui.app import WrpApp

TABLE_KEYS = [
    ("↑ ↓ ← →", "Move the cursor (PgUp PgDn Home End)"),
    ("enter", "Drill into the row or cell"),
]


def describe(binding: Binding) -> str:
    return binding.description + (f": {binding.tooltip}" if binding.tooltip else "")


def key_groups(app: WrpApp) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every key, grouped as the `?` screen shows them: read from the
    bindings of the app, the pane base, every pane in the registry and the
    console's widgets, so that a key added anywhere is listed."""
    from tui.panes import PANES
    from tui.panes.base import Pane
    from tui.panes.console import ConsolePane, ResultsTable, SchemaTree, SqlEditor

    def keys(bindings) -> list[tuple[str, str]]:
        return [(app.get_key_display(b), describe(b)) for b in bindings
                if isinstance(b, Binding)]  # fmt: skip

    app_bindings = [b for b in app.BINDINGS if isinstance(b, Binding)]
    panes = [b for b in app_bindings if b.action.startswith("pane(")]
    rest = [b for b in app_bindings if not b.action.startswith("pane(")]
    groups = [
        ("Panes", keys(panes)),
        ("Context (every pane follows)", keys(rest)),
        ("Table", TABLE_KEYS + keys(Pane.BINDINGS)),
    ]
    for pane in PANES:
        own = list(vars(pane).get("BINDINGS", []))
        if pane is ConsolePane:
            own += [*SqlEditor.BINDINGS, *ResultsTable.BINDINGS, *SchemaTree.BINDINGS]
        if own:
            action = f"pane('{pane.title.lower()}')"  # the app's id for the pane
            number = next((b.key for b in panes if b.action == action), "")
            groups.append((f"{pane.title} ({number})" if number else pane.title, keys(own)))
    groups.append(("Anywhere", [("ctrl+p", "Command palette: every action by name")]))
    return groups


class CommandList(Provider):
    """A palette provider over a list of (name, help, callback) commands."""

    def commands(self) -> Iterator[tuple[str, str, object]]:
        """Subclasses list their commands here."""
        return iter(())

    async def discover(self) -> Hits:
        for name, help_text, command in self.commands():
            yield DiscoveryHit(name, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, command in self.commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), command, help=help_text)


class DashboardCommands(CommandList):
    """Every dashboard action by name, plus a command per county."""

    def commands(self) -> Iterator[tuple[str, str, object]]:
        from tui.panes.base import Pane

        app: WrpApp = self.app  # type: ignore[assignment]
        for binding in app.BINDINGS:
            if isinstance(binding, Binding) and binding.action != "quit":
                yield (binding.description, describe(binding) + f"  [{binding.key}]",
                       partial(app.run_action, binding.action))  # fmt: skip
        pane = app.active_pane
        own = vars(type(pane)).get("BINDINGS", []) if type(pane) is not Pane else []
        for binding in [*Pane.BINDINGS, *own]:
            shown = pane is not None and pane.check_action(binding.action.split("(")[0], ())
            if isinstance(binding, Binding) and shown is not False:
                yield (binding.description, describe(binding) + f"  [{binding.key}]",
                       partial(app.run_action, binding.action, pane))  # fmt: skip
        yield ("County: all", "Show every county", partial(app.set_county, None))
        for county in COUNTIES:
            yield (f"County: {county.code} {county.name}", f"Only {county.name} County",
                   partial(app.set_county, county.code))  # fmt: skip
