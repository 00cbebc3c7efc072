"""Styles for figures that must stand out, with or without colour."""

from __future__ import annotations

import os

# Under NO_COLOR Textual paints in greys, where red turns to a dark grey that
# hides on a dark background: negatives are bold instead (the sign stays).
NO_COLOR = bool(os.environ.get("NO_COLOR"))
NEGATIVE_STYLE = "bold" if NO_COLOR else "red"
ALERT_STYLE = "bold underline" if NO_COLOR else "bold red"
