"""Copying over SSH: OSC 52 asks the user's own terminal to set its clipboard."""

from __future__ import annotations

import base64


def osc52(text: str) -> str:
    """The plain escape sequence that puts `text` on the terminal's clipboard.

    Never wrapped in tmux's DCS passthrough: tmux 3.3 drops passthrough by
    default (allow-passthrough off), while a plain OSC 52 is what its
    set-clipboard option handles and forwards to the outer terminal.
    """
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f"\x1b]52;c;{payload}\a"
