"""Running one benchmark step in a fresh process: wall time and peak memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Measured:
    """One child process: wall seconds from spawn to exit, its peak RSS, its output."""

    seconds: float
    peak_mb: float
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def json(self) -> dict:
        return json.loads(self.stdout)


class Child:
    """A started child process; `finish()` reaps it with its own rusage (wait4),
    so its peak RSS is never mixed up with another child's."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.started = time.perf_counter()
        # files, not pipes: a chatty child never blocks, and reaping stays ours
        self.out, self.err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
        self.process = subprocess.Popen(
            argv, cwd=REPO, env={**os.environ, **(env or {})}, text=True,
            stdout=self.out, stderr=self.err,
        )  # fmt: skip

    def finish(self) -> Measured:
        _pid, status, usage = os.wait4(self.process.pid, 0)
        seconds = time.perf_counter() - self.started
        self.process.returncode = os.waitstatus_to_exitcode(status)
        return Measured(seconds, usage.ru_maxrss / 1024, self.process.returncode,
                        _read(self.out), _read(self.err))  # fmt: skip


def _read(file) -> str:
    file.seek(0)
    text = file.read()
    file.close()
    return text


def python_module(module: str, *args: object) -> list[str]:
    return [sys.executable, "-m", module, *map(str, args)]


def run(argv: list[str], env: dict[str, str] | None = None) -> Measured:
    return Child(argv, env).finish()
