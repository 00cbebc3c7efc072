"""The footer, redrawn only when the keys it lists change.

Textual's Footer rebuilds all its key widgets whenever the focus or any
binding changes, which is on every pane switch; that restyling took a large
share of the UI thread's time. The keys rarely differ between panes, so it
compares them first."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyBar(Footer):
    _shown: tuple | None = None

    def bindings_changed(self, screen: Screen) -> None:
        shown = tuple(
            (binding.key, binding.description, enabled)
            for _node, binding, enabled, _tooltip in screen.active_bindings.values()
            if binding.show
        )
        if shown != self._shown or not self._bindings_ready:
            super().bindings_changed(screen)
            if screen.app.app_focus:  # else the Footer did not redraw
                self._shown = shown
