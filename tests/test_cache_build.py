"""The nightly cache build (issue 13): its progress events, its stop, the
default memory limit, and `wrp-tui cache build|status|prune`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import duckdb
import pytest
from typer.testing import CliRunner

from queries import engine as engine_module
from queries.cache import CACHED_VIEWS, MONTHLY_VIEWS
from queries.cache_admin import cached_versions, prune
from queries.engine import Engine, Settings, default_memory_limit
from tests.rules_fixture import CLAIMS, build_rules_extracts
from wrp_tui import cli

SLOW_STEP = "SELECT sum(i % 7) FROM range(10000000000) t(i)"  # 10 s of work unless stopped


@pytest.fixture
def data(tmp_path):
    return build_rules_extracts(tmp_path / "data")


@pytest.fixture
def cache_root(tmp_path, monkeypatch):
    root = tmp_path / "cache"
    monkeypatch.setenv("WRP_TUI_CACHE", str(root))
    return root


def version_folders(root):
    return sorted(p.name for p in root.glob("*/*") if p.is_dir())


# -- progress ------------------------------------------------------------------------
def test_progress_events_arrive_in_order(data, tmp_path):
    steps = []
    engine = Engine(Settings(data, cache_dir=tmp_path / "cache"), steps.append)
    assert engine.cache_built and engine.cache is not None
    # One event before each step, counted from 0, and a last one when all are done.
    assert [s.done for s in steps] == list(range(len(steps)))
    assert steps[0].stage == "counting claim lines by service month"
    total = steps[1].total
    assert all(s.total == total for s in steps[1:]) and steps[-1] == steps[-1].__class__(
        "done", total, total
    )
    # Every cached view is built; the fixture's claims make one chunk of months and the undated.
    stages = [s.stage for s in steps[1:-1]]
    assert set(stages) == set(CACHED_VIEWS)
    assert stages.count("claim_facts") == 2 and total == 1 + len(CACHED_VIEWS) + len(MONTHLY_VIEWS)
    # The fixture's services are in June and July 2024.
    months = [s.months for s in steps if s.stage == "claim_facts"]
    assert months == ["2024-06 to 2024-07", "undated lines"]
    assert all(s.months is None for s in steps[:7])  # the whole views: every month at once
    # Opening it again builds nothing and says nothing.
    again = []
    reopened = Engine(Settings(data, cache_dir=tmp_path / "cache"), again.append)
    assert again == [] and not reopened.cache_built


def test_a_listener_that_raises_stops_the_build_and_leaves_nothing(data, tmp_path):
    class Quit(Exception):
        pass

    def stop_at_facts(step):
        if step.stage == "claim_facts":
            raise Quit

    with pytest.raises(Quit):
        Engine(Settings(data, cache_dir=tmp_path / "cache"), stop_at_facts)
    assert version_folders(tmp_path / "cache") == []
    assert not list((tmp_path / "cache").glob("*/*.partial"))
    assert Engine(Settings(data, cache_dir=tmp_path / "cache")).cache_built  # built whole next time


def test_interrupting_a_step_leaves_no_version(data, tmp_path, monkeypatch):
    """The dashboard's ctrl+q interrupts the step running: the staging folder goes."""
    from queries.cache import FactCache

    write = FactCache._write

    def interrupted(connection, source, order, target):
        if "claim_facts" in str(target):  # a step that runs until interrupted
            stopped = threading.Event()

            def interrupt():  # from another thread, until the step has stopped
                while not stopped.wait(0.02):
                    connection.interrupt()

            threading.Thread(target=interrupt, daemon=True).start()
            try:
                connection.execute(SLOW_STEP)
            finally:
                stopped.set()
        write(connection, source, order, target)

    monkeypatch.setattr(FactCache, "_write", staticmethod(interrupted))
    engine = Engine(Settings(data, cache_dir=tmp_path / "cache"))
    assert engine.cache is None and "cache unavailable" in engine.cache_note
    assert version_folders(tmp_path / "cache") == []
    assert not list((tmp_path / "cache").glob("*/*.partial"))


# -- the default memory limit ------------------------------------------------------------
def duckdb_says(limit: str) -> str:
    """How DuckDB reports `limit` as its memory_limit setting."""
    connection = duckdb.connect(config={"memory_limit": limit})
    try:
        return connection.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    finally:
        connection.close()


def memory_limit_of(engine: Engine) -> str:
    return engine.connection.execute("SELECT current_setting('memory_limit')").fetchone()[0]


@pytest.mark.parametrize(
    ("ram_gib", "expected"), [(64, "4096MiB"), (8, "2048MiB"), (2, "512MiB"), (0.5, "256MiB")]
)
def test_default_limit_is_a_quarter_of_ram_capped(monkeypatch, ram_gib, expected):
    pages = {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": int(ram_gib * 2**30 / 4096)}
    monkeypatch.setattr(engine_module.os, "sysconf", pages.__getitem__)
    assert default_memory_limit() == expected


def test_every_engine_has_the_default_limit_unless_told(data, tmp_path):
    engine = Engine(Settings(data, cache_dir=tmp_path / "cache"))
    assert memory_limit_of(engine) == duckdb_says(default_memory_limit())
    plain = duckdb.connect()  # DuckDB's own default: 80% of RAM
    duckdb_default = plain.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert memory_limit_of(engine) != duckdb_default
    told = Engine(Settings(data, memory_limit="300MiB", cache_dir=tmp_path / "cache"))
    assert memory_limit_of(told) == duckdb_says("300MiB")


def test_sql_command_runs_under_the_limit(data, cache_root):
    query = "SELECT current_setting('memory_limit') AS m"
    for extra, limit in (([], default_memory_limit()), (["--memory-limit", "700MiB"], "700MiB")):
        result = CliRunner().invoke(cli, ["sql", query, "--data", str(data), "--format", "json",
                                          *extra])  # fmt: skip
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == [{"m": duckdb_says(limit)}]


# -- wrp-tui cache build | status | prune ---------------------------------------------------
def invoke(*args):
    return CliRunner().invoke(cli, ["cache", *args], env={"COLUMNS": "200"})


def test_cache_build_then_already_current(data, cache_root):
    built = invoke("build", "--data", str(data))
    assert built.exit_code == 0, built.output
    assert "Built the cache of" in built.stdout
    # Not a terminal (a cron log): one line per step on stderr, the last one "done".
    log = built.stderr.strip().splitlines()
    assert "counting claim lines" in log[0] and log[-1].endswith("done (24/24 done)")
    again = invoke("build", "--data", str(data))
    assert again.exit_code == 0 and "already current" in again.stdout
    assert again.stderr == ""
    assert len(version_folders(cache_root)) == 1


def test_cache_build_fails_with_a_message(tmp_path, cache_root):
    data = build_rules_extracts(tmp_path / "data")
    (data / "claims.parquet").write_bytes(b"not parquet")
    result = invoke("build", "--data", str(data))
    assert result.exit_code == 1
    assert "No cache built" in result.stderr and "claims" in result.stderr
    assert "Traceback" not in result.output
    assert version_folders(cache_root) == []


def test_cache_build_exit_code_from_a_cron_job(data, cache_root):
    """As the nightly job runs it: a process, its exit code, nothing on a terminal."""
    env = {**os.environ, "WRP_TUI_CACHE": str(cache_root)}
    done = subprocess.run([sys.executable, "wrp_tui.py", "cache", "build", "--data", str(data)],
                          capture_output=True, text=True, env=env, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert version_folders(cache_root) != []


def test_status_and_prune(tmp_path, cache_root):
    data = build_rules_extracts(tmp_path / "data")
    other = build_rules_extracts(tmp_path / "other")
    assert invoke("build", "--data", str(data)).exit_code == 0
    old = version_folders(cache_root)
    # Tonight's extract: one more claim line, so a new version of the same folder.
    build_rules_extracts(data, claims=CLAIMS + [dict(CLAIMS[0], line_no=99)])
    assert invoke("build", "--data", str(data)).exit_code == 0
    assert invoke("build", "--data", str(other)).exit_code == 0
    family = next(p.parent for p in cache_root.glob("*/*") if p.name == old[0])
    building = family / f"0123abcd.{os.getpid()}.partial"  # this process: alive
    building.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    abandoned = family / f"4567cdef.{dead}.partial"
    abandoned.mkdir()

    states = {(v.extracts, v.version): v.state for v in cached_versions(cache_root)}
    assert states[(data.resolve(), old[0])] == "stale"
    assert sorted(states.values()) == ["abandoned", "building", "current", "current", "stale"]
    status = invoke("status")
    assert status.exit_code == 0
    assert str(data.resolve()) in status.stdout and str(other.resolve()) in status.stdout
    assert status.stdout.count("current") == 2 and "stale" in status.stdout

    result = invoke("prune")
    assert result.exit_code == 0 and "Pruned 2 version(s)" in result.stdout
    left = {v.state for v in cached_versions(cache_root)}
    assert left == {"current", "building"}
    assert building.is_dir() and not abandoned.exists()
    assert not (family / f"{old[0]}.lock").exists()
    assert prune(cache_root) == []  # nothing more to remove


def test_status_of_an_empty_cache(cache_root):
    result = invoke("status")
    assert result.exit_code == 0 and "No cached versions" in result.stdout
