"""Copying over SSH: OSC 52 asks the user's own terminal to set its clipboard."""

from __future__ import annotations

import base64


def osc52(text: str, *, tmux: bool = False) -> str:
    """The escape sequence that puts `text` on the terminal's clipboard.

    Inside tmux the sequence is wrapped in a DCS passthrough (ESCs doubled) so
    tmux hands it to the outer terminal instead of swallowing it.
    """
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    sequence = f"\x1b]52;c;{payload}\a"
    if tmux:
        return "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    return sequence
