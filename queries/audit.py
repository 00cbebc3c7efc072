"""The disclosure audit log (42 CFR Part 2: every disclosure accountable).

Revealing member IDs writes exactly one JSON line per action to an
append-only file, before anything is revealed: when, which OS user, what
action, over what scope, and for ad-hoc SQL the statement as typed. Every
value is plain text (never a Python repr). The scope is described, never
copied: any CIN-shaped word in it is masked; only the statement of the reveal
itself is kept verbatim (it says what was disclosed).
"""

from __future__ import annotations

import getpass
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from queries.privacy import mask_text


def default_audit_log() -> Path:
    """$WRP_TUI_AUDIT_LOG, else $XDG_STATE_HOME/wrp-tui/audit.log (~/.local/state)."""
    if explicit := os.environ.get("WRP_TUI_AUDIT_LOG"):
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "wrp-tui" / "audit.log"


class AuditError(Exception):
    """The audit record could not be written: the reveal must not happen."""


def record_disclosure(
    action: str, scope: str, log: Path | None = None, *, statement: str | None = None
) -> dict[str, str]:
    """Append one record; raise AuditError (and reveal nothing) if it fails."""
    entry = {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "user": getpass.getuser(),
        "action": str(action),
        "scope": mask_text(str(scope)),
    }
    if statement is not None:
        entry["statement"] = str(statement)
    path = log or default_audit_log()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # O_APPEND: records are only ever added; 0600: the log is itself
        # sensitive; O_NOFOLLOW: a planted link cannot redirect it.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as out:
            out.write(json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise AuditError(f"cannot write the audit log {path}: {exc.strerror}") from None
    return entry
