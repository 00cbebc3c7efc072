"""Member identifiers (42 CFR Part 2: minimum necessary).

Two protections, both decided by the column, never by the value's shape:
- masking for the screen and files (`mask_member_id`, `mask_members`): every
  column named in MEMBER_COLUMNS is masked whatever its values look like;
- pseudonyms for the ad-hoc surface (`pseudonym`): HMAC-SHA-256 of the ID
  under a per-installation secret, `M-` + 12 hex, stable within an
  installation (joins and distinct counts work) and useless outside it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

import polars as pl

BULLET = "•"
# Columns that hold a member's identity, in every table, view and report.
MEMBER_COLUMNS = frozenset({"member_id"})
PSEUDONYM_HEX = 12
KEY_BYTES = 32


def mask_member_id(member_id: str | None) -> str:
    """`91234567A` -> `9•••••67A`: the first digit, bullets, the last two digits
    and the letter. Other shapes keep their first and last three characters;
    IDs too short to mask that way are all bullets."""
    if member_id is None:
        return "—"
    member_id = str(member_id)
    if len(member_id) <= 4:
        return BULLET * len(member_id)
    return member_id[0] + BULLET * (len(member_id) - 4) + member_id[-3:]


def is_member_column(name: str) -> bool:
    return name.lower() in MEMBER_COLUMNS


def mask_members(frame: pl.DataFrame) -> pl.DataFrame:
    """Every member column masked, whatever its values look like (a malformed
    ID such as `091765177L` is masked like a good one)."""
    return frame.with_columns(
        pl.col(name).cast(pl.String).map_elements(mask_member_id, return_dtype=pl.String)
        for name in frame.columns
        if is_member_column(name)
    )


# A CIN anywhere in a text value: 8 digits then a letter. Only a second belt
# for free text (a DuckDB error quoting a value); never the protection itself.
CIN_PATTERN = r"\b(\d)\d{5}(\d{2}[A-Za-z])\b"
_CIN = re.compile(CIN_PATTERN)


def mask_text(text: str) -> str:
    """Every CIN-shaped word in a message masked (errors, log lines)."""
    return _CIN.sub(lambda m: m.group(1) + BULLET * 5 + m.group(2), text)


# -- the per-installation secret and the pseudonyms ---------------------------------------------
def state_folder() -> Path:
    """$XDG_STATE_HOME/wrp-tui (~/.local/state/wrp-tui), created 0700."""
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    folder = Path(base) / "wrp-tui"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


class SecretError(Exception):
    """The pseudonym secret cannot be read or made safely."""


def pseudonym_key(folder: Path | None = None) -> bytes:
    """The installation's secret (32 random bytes in `pseudonym.key`, 0600),
    made on first use. A key readable by others, or not the user's, is refused:
    whoever holds it can test a guessed CIN against a pseudonym."""
    path = (folder or state_folder()) / "pseudonym.key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        pass
    except OSError as exc:
        raise SecretError(f"cannot create {path}: {exc.strerror}") from None
    else:
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(KEY_BYTES))
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        raise SecretError(f"cannot read {path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as source:
        stat = os.fstat(source.fileno())
        if stat.st_uid != os.getuid() or stat.st_mode & 0o077:
            raise SecretError(f"{path} must be yours and private (chmod 600)")
        key = source.read()
    if len(key) != KEY_BYTES:
        raise SecretError(f"{path} is not a pseudonym key ({len(key)} bytes); remove it")
    return key


def pseudonym(key: bytes, member_id: str | None) -> str | None:
    """`M-` + the first 12 hex of HMAC-SHA-256(key, member_id)."""
    if member_id is None:
        return None
    digest = hmac.digest(key, member_id.encode(), hashlib.sha256)
    return "M-" + digest.hex()[:PSEUDONYM_HEX]


def pseudonym_macro(key: bytes, name: str = "pseudonym", *, temp: bool = True) -> str:
    """A DuckDB macro computing `pseudonym(key, m)` (HMAC written out with
    sha256, so 5M lines are pseudonymised in the database, in parallel). Only
    a build defines it, and drops it after: the key never reaches user SQL."""
    padded = key.ljust(64, b"\0")
    inner = bytes(b ^ 0x36 for b in padded).hex()
    outer = bytes(b ^ 0x5C for b in padded).hex()
    return (
        f"CREATE OR REPLACE {'TEMP ' if temp else ''}MACRO {name}(m) AS CASE WHEN m IS NULL "
        "THEN NULL ELSE "
        f"'M-' || sha256(unhex('{outer}') || unhex(sha256(unhex('{inner}') || encode(m))))"
        f"[1:{PSEUDONYM_HEX}] END"
    )


def key_id(key: bytes) -> str:
    """A name for the key that says nothing about it (folders built with it)."""
    return hashlib.sha256(b"wrp-tui key id\0" + key).hexdigest()[:10]
