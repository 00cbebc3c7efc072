"""The outer guard: an unexpected error is one short message, a non-zero exit
and a crash file (0600 in a 0700 folder, no locals, member IDs masked)."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import queries.reports
from queries.crash import resource_advice, short_message
from wrp_tui import cli

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "wrp-tui" / "crash"


def run_cli(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], env={"COLUMNS": "200"})


def broken_report(*_args, **_kwargs):
    row_of_extract = "member 10000001A localvalue"  # a local: never in the crash file
    raise RuntimeError(f"bug while formatting {row_of_extract[:16]}")


def rust_panic(*_args, **_kwargs):
    """A real polars panic (a BaseException): an infinite date to Python."""
    duckdb.execute("SELECT 'infinity'::DATE AS d").pl().rows()


def test_an_unexpected_error_is_one_message_and_a_crash_file(state, monkeypatch):
    monkeypatch.setattr(queries.reports, "run_report", broken_report)
    result = run_cli("report", "users")
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    (crash,) = state.iterdir()
    message = " ".join(result.stderr.split())
    assert message == (
        "wrp-tui stopped on an unexpected error (RuntimeError: bug while formatting member "
        f"1•••••01A). The extracts were not changed; details in {crash}."
    )
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert stat.S_IMODE(crash.stat().st_mode) == 0o600
    text = crash.read_text()
    assert "Traceback (most recent call last)" in text and "broken_report" in text
    assert "10000001A" not in text and "1•••••01A" in text
    assert "'member 10000001A localvalue'" not in text  # the local's value is not dumped


def test_a_rust_panic_is_caught_too(state, monkeypatch):
    monkeypatch.setattr(queries.reports, "run_report", rust_panic)
    result = run_cli("report", "users")
    assert result.exit_code == 1
    assert "wrp-tui stopped on an unexpected error (PanicException: out-of-range date)" in (
        " ".join(result.stderr.split())
    )
    assert len(list(state.iterdir())) == 1


@pytest.mark.parametrize(
    ("error", "advice"),
    [
        (RuntimeError("could not spawn threads: Resource temporarily unavailable (os error 11)"),
         "fewer, e.g. --threads 2"),
        (RuntimeError("can't start new thread"), "fewer, e.g. --threads 2"),
        (MemoryError(), "lower --memory-limit"),
        (duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate data"),
         "lower --memory-limit"),
    ],
)  # fmt: skip
def test_resource_errors_say_what_to_change(error, advice):
    assert advice in resource_advice(error)
    assert short_message(error, None).startswith("wrp-tui stopped: the machine")
    assert resource_advice(RuntimeError("division by zero")) is None


def test_thread_exhaustion_in_a_report_names_the_option(state, monkeypatch):
    def no_threads(*_args, **_kwargs):
        raise RuntimeError("could not spawn threads: Resource temporarily unavailable")

    monkeypatch.setattr(queries.reports, "run_report", no_threads)
    result = run_cli("report", "users")
    assert result.exit_code == 1
    assert "run again with fewer, e.g. --threads 2" in result.stderr


def test_no_crash_file_folder_still_gives_the_message(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))  # a file: no folder can go there
    monkeypatch.setattr(queries.reports, "run_report", broken_report)
    result = run_cli("report", "users")
    assert result.exit_code == 1
    assert "no crash file could be written" in result.stderr


def test_the_console_script_is_guarded(tmp_path):
    """main() catches what goes wrong before any command runs."""
    script = (
        "import sys, wrp_tui\n"
        "def boom(): raise RuntimeError('at start-up')\n"
        "wrp_tui.cli = boom\n"
        "wrp_tui.main()\n"
    )
    env = {"XDG_STATE_HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 1
    assert "wrp-tui stopped on an unexpected error (RuntimeError: at start-up)" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(list((tmp_path / "wrp-tui" / "crash").iterdir())) == 1
