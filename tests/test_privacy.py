"""Adversarial: no member ID (CIN) of the extracts leaves wrp-tui without an
audit record, whatever SQL, format, export or error path is tried.

CINs are detected by the actual set of member_ids in the fixture's extracts,
and by the shapes an expression could turn them into (lower case, reversed,
hex, base64, the digits alone), never by a regex alone. Every red-team step
of issue 11 is a regression test here.
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from queries.privacy import pseudonym, pseudonym_key
from tests.rules_fixture import CLAIMS, build_rules_extracts, line
from wrp_tui import DEMO_DATA, cli

MALFORMED = ("91765177l", "091765177L")  # a lower-case letter, a leading zero


# -- finding CINs ------------------------------------------------------------------------
def member_ids(data_dir: Path) -> set[str]:
    """Every member_id in the extracts of `data_dir`."""
    found: set[str] = set()
    for table in ("claims", "eligibility", "referrals"):
        frame = pl.read_parquet(data_dir / f"{table}.parquet", columns=["member_id"])
        found |= set(frame["member_id"].drop_nulls())
    return found


def detector(cins: set[str]) -> re.Pattern:
    """A pattern matching any CIN in any of the shapes SQL can give it."""
    needles: set[str] = set()
    for cin in cins:
        for shape in (cin, cin[::-1]):
            needles |= {shape, shape.lower(), shape.upper()}
            needles |= {shape.encode().hex(), shape.encode().hex().upper()}
            needles.add(base64.b64encode(shape.encode()).decode())
    words = "|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True))
    digits = "|".join(sorted({re.escape(re.sub(r"\D", "", c)) for c in cins if len(c) > 6}))
    return re.compile(f"(?:{words})|(?<![0-9])(?:{digits})(?![0-9])")


def file_text(path: Path) -> str:
    """What a file says: parquet and Excel decoded, anything else as bytes."""
    if path.suffix == ".parquet":  # DuckDB: cached rows may hold DATE 'infinity'
        rows = duckdb.execute("SELECT to_json(t) FROM read_parquet(?) t", [str(path)])
        return "\n".join(row[0] for row in rows.fetchall())
    if path.suffix == ".xlsx":
        return pl.read_excel(path).write_csv()
    return path.read_bytes().decode("latin-1")


def folder_text(folder: Path) -> str:
    return "\n".join(file_text(p) for p in sorted(folder.rglob("*")) if p.is_file())


def assert_no_cin(found: re.Pattern, text: str, where: str) -> None:
    match = found.search(text)
    assert match is None, f"{where}: {match.group()!r} in {text[:300]!r}"


def run(*args, **env):
    return CliRunner().invoke(cli, [str(a) for a in args], env={"COLUMNS": "250", **env})


# -- fixtures -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """The rules fixture, and two members whose IDs break the contract's shape."""
    extra = [line(f"CX{i}", cin, "1000000001", date(2024, 6, 3), date(2024, 6, 20), "10.00")
             for i, cin in enumerate(MALFORMED)]  # fmt: skip
    return build_rules_extracts(tmp_path_factory.mktemp("privacy"), claims=CLAIMS + extra)


@pytest.fixture(scope="module")
def cins(data_dir):
    found = member_ids(data_dir)
    assert set(MALFORMED) <= found and len(found) >= 9
    return found


@pytest.fixture(scope="module")
def found(cins):
    return detector(cins)


def test_the_detector_finds_every_shape(found):
    for text in ("10000001A", "10000001a", "A10000001", "a10000001", "313030303030303141",
                 "10000001", base64.b64encode(b"10000001A").decode(), "x 091765177L"):  # fmt: skip
        assert found.search(text), text
    assert not found.search("M-0a1b2c3d4e5f 100000011 9•••••01A")


# -- 1. the ad-hoc surface never sees a CIN ---------------------------------------------------
MEMBER_TABLES = ("claims", "eligibility", "referrals", "services($as_of)",
                 "attributed_lines($as_of)", "claim_facts", "exception_lines",
                 "repeated_claim_keys")  # fmt: skip
SCALARS = (
    "{c}", "lower({c})", "upper({c})", "{c} || 'x'", "'x' || {c}", "reverse({c})",
    "lower(reverse({c}))", "struct_pack(m := {c})", "{{'m': {c}}}", "[{c}]", "map([{c}], [1])",
    "substr({c}, 1, 5)", "substr({c}, 4)", "{c}[2:]", "left({c}, 8)", "right({c}, 6)",
    "hex({c})", "to_base64(encode({c}))", "CAST({c} AS BLOB)", "encode({c})",
    "format('{{}}', {c})", "printf('%s', {c})", "concat({c}, '')", "concat_ws('-', {c}, {c})",
    "repeat({c}, 2)", "lpad({c}, 12, '0')", "trim({c})", "CAST({c} AS VARCHAR(20))",
    "regexp_extract({c}, '[0-9]+')", "string_split({c}, '')", "to_json({c})",
    "json_object('m', {c})", "translate({c}, 'ABC', 'abc')", "coalesce({c}, '')",
    "CASE WHEN true THEN {c} END", "ascii({c})", "md5({c})", "{c} COLLATE NOCASE",
)  # fmt: skip
AGGREGATES = (
    "list({c})", "string_agg({c}, ',')", "histogram({c})", "min({c})", "max({c})",
    "arg_max({c}, 1)", "first({c})", "any_value({c})", "mode({c})", "list_distinct(list({c}))",
    "array_agg({c} ORDER BY {c})", "count(DISTINCT {c})", "string_agg(reverse({c}), '')",
)  # fmt: skip
ERRORS = (
    "error({c})", "error(lower({c}))", "error(reverse({c}))", "CAST({c} AS INTEGER)",
    "CAST({c} AS DATE)", "strptime({c}, '%Y')", "json_extract({c}, '$.x')",
    "CAST(lower({c}) AS DOUBLE)",
)  # fmt: skip


def test_at_least_forty_expressions():
    assert len(SCALARS) + len(AGGREGATES) + len(ERRORS) >= 40


def select(expressions, table: str, column: str = "member_id") -> str:
    listed = ", ".join(f"{e.format(c=column)} AS e{i}" for i, e in enumerate(expressions))
    return f"SELECT {listed} FROM {table}"


FORMATS = ("table", "csv", "json")


@pytest.mark.parametrize("table", MEMBER_TABLES)
@pytest.mark.parametrize("expressions", [SCALARS, AGGREGATES], ids=["scalar", "aggregate"])
def test_sql_prints_no_cin_in_any_format(data_dir, found, table, expressions, tmp_path):
    query = select(expressions, table)
    for fmt in FORMATS:
        result = run("sql", query, "--data", data_dir, "--format", fmt, "--limit", 1000)
        assert result.exit_code == 0, result.output
        assert "M-" in result.stdout  # pseudonyms came through
        assert_no_cin(found, result.output + result.stderr, f"{fmt} {table}")
    for fmt in ("csv", "json", "parquet"):
        out = tmp_path / f"out.{fmt}"
        result = run("sql", query, "--data", data_dir, "--format", fmt, "--output", out)
        assert result.exit_code == 0, result.output
        assert_no_cin(found, result.output + file_text(out), f"--output {fmt} {table}")


@pytest.mark.parametrize("expression", ERRORS)
def test_errors_carry_no_cin(data_dir, found, expression):
    result = run("sql", select([expression], "claims"), "--data", data_dir)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert_no_cin(found, result.output + result.stderr, expression)


def test_pseudonyms_keep_joins_and_counts(data_dir, cins):
    """Stable within the installation: joins, distinct counts and a member's
    own pseudonym (computed from the key here) all agree."""
    key = pseudonym_key()
    query = ("SELECT count(DISTINCT c.member_id) AS joined FROM claims c "
             "JOIN eligibility e ON e.member_id = c.member_id")  # fmt: skip
    result = run("sql", query, "--data", data_dir, "--format", "json")
    raw = run("sql", query, "--data", data_dir, "--format", "json", "--reveal-phi",
              "--audit-log", data_dir.parent / "joins-audit.log")  # fmt: skip
    assert json.loads(result.stdout) == json.loads(raw.stdout)
    listed = run("sql", "SELECT DISTINCT member_id FROM claims", "--data", data_dir,
                 "--format", "json")  # fmt: skip
    shown = {r["member_id"] for r in json.loads(listed.stdout)}
    claimed = set(pl.read_parquet(data_dir / "claims.parquet")["member_id"])
    assert shown == {pseudonym(key, m) for m in claimed}
    assert all(re.fullmatch(r"M-[0-9a-f]{12}", s) for s in shown)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM read_parquet('{data}/claims.parquet')",
        "SELECT * FROM read_parquet('{data}/*.parquet')",
        "SELECT * FROM parquet_scan('{data}/eligibility.parquet')",
        "SELECT * FROM glob('{data}/*')",
        "SELECT * FROM read_text('{data}/claims.parquet')",
        "SELECT * FROM read_blob('{data}/referrals.parquet')",
        "SELECT * FROM read_parquet('{cache}/**/*.parquet')",
        "SELECT * FROM glob('{cache}/**')",
        "SELECT * FROM read_csv('/etc/passwd')",
    ],
)
def test_the_raw_extracts_and_cache_cannot_be_read(data_dir, found, query):
    cache = os.environ["WRP_TUI_CACHE"]
    result = run("sql", query.format(data=data_dir, cache=cache), "--data", data_dir)
    assert result.exit_code == 1
    assert "Read-only" in result.output
    assert_no_cin(found, result.output, query)


def test_reveal_writes_one_record_per_reveal_first(data_dir, cins, tmp_path):
    log = tmp_path / "audit.log"
    queries = ["SELECT member_id FROM claims", "SELECT lower(member_id) FROM eligibility",
               "SELECT error(member_id) FROM referrals"]  # fmt: skip
    outputs = [run("sql", q, "--data", data_dir, "--reveal-phi", "--audit-log", log,
                   "--format", "csv") for q in queries]  # fmt: skip
    assert any(c in outputs[0].stdout for c in cins)  # revealed: the raw IDs
    records = [json.loads(x) for x in log.read_text().splitlines()]
    assert [r["statement"] for r in records] == queries  # one each, even the failing one
    assert {r["action"] for r in records} == {"sql --reveal-phi"}
    assert all(r["user"] and r["time"] for r in records)


def test_no_audit_no_reveal(data_dir, found, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")
    result = run("sql", "SELECT member_id FROM claims", "--data", data_dir, "--reveal-phi",
                 "--audit-log", blocked / "audit.log")  # fmt: skip
    assert result.exit_code == 1 and "Not revealed" in result.output
    assert_no_cin(found, result.output, "refused reveal")


# -- 2. statements checked on a locked connection --------------------------------------------
def test_import_database_never_runs(data_dir, tmp_path):
    folder = tmp_path / "some" / "folder"
    folder.mkdir(parents=True)
    (folder / "schema.sql").write_text("SELECT 'pwned' AS owned;\n")
    (folder / "load.sql").write_text("SELECT 'pwned' AS owned;\n")
    for query in (f"IMPORT DATABASE '{folder}'", f"/* hi */ import database '{folder}'",
                  f"\n-- x\n  IMPORT DATABASE '{folder}'"):  # fmt: skip
        result = run("sql", query, "--data", data_dir)
        assert result.exit_code == 1 and "Read-only" in result.output
        assert "pwned" not in result.output


def test_locked_parser_reads_no_file(tmp_path):
    """Even past the keyword check, the parser runs on a connection that may
    read nothing (DuckDB's parser expands IMPORT by reading schema.sql)."""
    import duckdb

    from queries.adhoc import refuse_unless_select
    from queries.cache import LOCKED_CONFIG
    from queries.engine import DataError

    (tmp_path / "schema.sql").write_text("SELECT 'pwned';\n")
    locked = duckdb.connect(":memory:", config=dict(LOCKED_CONFIG))
    locked.execute("SET enable_external_access = false")
    with pytest.raises(duckdb.Error):
        locked.extract_statements(f"IMPORT DATABASE '{tmp_path}'")
    with pytest.raises(DataError):
        refuse_unless_select(f"IMPORT DATABASE '{tmp_path}'", locked)


def test_every_connection_is_locked(data_dir):
    from queries.adhoc import adhoc_engine
    from queries.engine import Engine, Settings

    engine = Engine(Settings(data_dir))
    for connection in (engine.connection, adhoc_engine(engine).connection):
        for setting in ("autoload_known_extensions", "autoinstall_known_extensions",
                        "enable_external_access"):  # fmt: skip
            value = connection.execute(f"SELECT current_setting('{setting}')").fetchone()[0]
            assert value is False, setting
        assert connection.execute("SELECT current_setting('lock_configuration')").fetchone()[0]
    # The console's engine lists only its pseudonymised copy and spill folder.
    allowed = adhoc_engine(engine).connection.execute(
        "SELECT current_setting('allowed_directories')"
    ).fetchone()[0]
    assert not any(str(engine.data_dir) in d for d in allowed)
    assert not any(str(engine.cache.folder) + "/" == d for d in allowed)


@pytest.mark.parametrize("query", ["PRAGMA tpch(1)", "CALL dbgen(sf := 0.01)", "INSTALL tpch",
                                   "LOAD tpch", "FORCE INSTALL httpfs",
                                   "SELECT * FROM tpch_queries()",
                                   "SELECT * FROM read_json('https://example.com/x.json')"])
def test_no_extension_is_fetched_or_loaded(data_dir, tmp_path, query):
    home = tmp_path / "home"
    home.mkdir()
    result = run("sql", query, "--data", data_dir, HOME=str(home))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert not (home / ".duckdb").exists()


# -- 3. the cache is private and verified ------------------------------------------------
def modes(folder: Path) -> set[tuple[str, int]]:
    return {("dir" if p.is_dir() else "file", p.stat().st_mode & 0o777)
            for p in folder.rglob("*") if not p.name.endswith(".lock")}  # fmt: skip


def open_engine(data_dir, cache):
    from queries.engine import Engine, Settings

    return Engine(Settings(data_dir, cache_dir=cache))


def users_total(engine) -> int:
    from queries.reports import Filters, run_report

    return int(run_report(engine, "users", Filters())["users"].sum())


def test_cache_files_are_private(data_dir, tmp_path):
    from queries.adhoc import run_adhoc

    engine = open_engine(data_dir, tmp_path / "cache")
    run_adhoc(engine, "SELECT 1")  # builds the pseudonymised copy too
    assert modes(tmp_path / "cache") <= {("dir", 0o700), ("file", 0o600)}
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize("problem", ["others-write", "group-write"])
def test_unsafe_cache_root_is_refused(data_dir, tmp_path, problem):
    root = tmp_path / "cache"
    root.mkdir()
    os.chmod(root, 0o777 if problem == "others-write" else 0o770)
    engine = open_engine(data_dir, root)
    assert engine.cache is None and "writable by group or others" in engine.cache_note
    assert users_total(engine) == users_total(open_engine(data_dir, tmp_path / "good"))


def test_dead_partial_builds_are_removed_whatever_their_age(data_dir, tmp_path):
    engine = open_engine(data_dir, tmp_path / "cache")
    family = engine.cache.family
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    partial = family / f"{engine.cache.folder.name}.{dead}.partial"
    partial.mkdir()
    (partial / "claim_facts.parquet").write_text("rows of a killed build")
    (engine.cache.folder / f"pseudonymised-x.{dead}.partial").mkdir()
    open_engine(data_dir, tmp_path / "cache")
    assert not partial.exists()
    from queries.adhoc import run_adhoc

    run_adhoc(open_engine(data_dir, tmp_path / "cache"), "SELECT 1")
    assert not (engine.cache.folder / f"pseudonymised-x.{dead}.partial").exists()


def test_lock_file_never_follows_a_planted_link(data_dir, tmp_path):
    from queries.engine import Engine, Settings

    probe = Engine(Settings(data_dir, use_cache=False))
    from queries.cache import FactCache, extract_version
    from queries.engine import _rules_sql
    from queries.privacy import key_id

    key = pseudonym_key()
    rules = "".join(_rules_sql()) + key_id(key)
    version = extract_version(probe.data_dir, probe.sources.values(), rules)
    cache = FactCache((tmp_path / "cache").resolve(), probe.data_dir, version, key)
    cache.family.mkdir(parents=True, mode=0o700)
    victim = tmp_path / "roots-file"
    victim.write_text("precious")
    (cache.family / f"{version}.lock").symlink_to(victim)
    engine = open_engine(data_dir, tmp_path / "cache")
    assert victim.read_text() == "precious"
    assert users_total(engine) == users_total(probe)


def test_a_tampered_cache_is_rebuilt_never_trusted(data_dir, tmp_path):
    engine = open_engine(data_dir, tmp_path / "cache")
    honest = users_total(engine)
    for path in (engine.cache.folder / "user_counts").glob("*.parquet"):
        frame = pl.read_parquet(path)
        frame.with_columns(pl.col("users") * 100).write_parquet(path)
    again = open_engine(data_dir, tmp_path / "cache")
    assert users_total(again) == honest
    planted = engine.cache.folder / "user_counts" / "zz-planted.parquet"
    pl.read_parquet(next((engine.cache.folder / "user_counts").glob("*.parquet"))).write_parquet(
        planted
    )
    assert users_total(open_engine(data_dir, tmp_path / "cache")) == honest


def test_the_check_command_passes_on_a_tampered_cache_no_more(data_dir, tmp_path):
    """`report users` after tampering gives the honest figures (it used to
    print 100 times as many while `check` passed)."""
    cache = tmp_path / "cache"
    before = run("report", "users", "--data", data_dir, "--format", "json",
                 WRP_TUI_CACHE=str(cache))  # fmt: skip
    for path in cache.rglob("user_counts/*.parquet"):
        pl.read_parquet(path).with_columns(pl.col("users") * 100).write_parquet(path)
    after = run("report", "users", "--data", data_dir, "--format", "json",
                WRP_TUI_CACHE=str(cache))  # fmt: skip
    assert json.loads(after.stdout) == json.loads(before.stdout)


# -- 5. --public holds under every filter ------------------------------------------------
@pytest.fixture(scope="module")
def demo_engine():
    from queries.engine import Engine, Settings

    return Engine(Settings(DEMO_DATA))


def test_the_differencing_attack_recovers_nothing(demo_engine):
    """County 23, FY2027: 2026-07 users (10 or fewer... or its complement) is
    suppressed; reconciliation publishes the year's user-months, the other
    months' runs must not publish the rest."""
    from queries.reports import Filters, run_public_report, run_report

    fy = Filters(county="23", fiscal_year=2027)
    user_months = run_public_report(demo_engine, "reconciliation", fy)["user_months"].item()
    assert user_months == run_report(demo_engine, "reconciliation", fy)["user_months"].item()
    months = run_report(demo_engine, "users", fy)["month"].to_list()
    known = 0
    hidden = 0
    for month in months:
        row = run_public_report(demo_engine, "users", Filters(county="23", month=month))
        value = row["users"].item()
        hidden += value is None
        known += value or 0
    assert hidden >= 2  # a lone hidden cell would be user_months - known
    true = run_report(demo_engine, "users", fy).filter(pl.col("month") == date(2026, 7, 1))
    assert true["users"].item() == 14
    assert user_months - known != 14 or hidden >= 2


@pytest.mark.parametrize("name", ["users", "invoices", "reconciliation", "adequacy"])
def test_every_filtered_public_run_is_rows_of_the_whole(demo_engine, name):
    """Every county x month x fiscal-year filter gives exactly rows of the
    unfiltered public table: so any pair (or set) of runs together publishes
    no more than the whole table, which passes the suppression checker."""
    from queries.reports import REPORTS, Filters, run_public_report
    from tests.test_trust import PROTECT, check_suppression

    whole = run_public_report(demo_engine, name, Filters())
    check_suppression(whole.to_dicts(), **PROTECT[name])
    keys = [c for c in ("county_code", "month", "fiscal_year", "level_of_care")
            if c in whole.columns]  # fmt: skip
    by_key = {tuple(r[k] for k in keys): r for r in whole.to_dicts()}
    counties = [None, *sorted(set(whole["county_code"]))]
    months = [None] + (sorted(set(whole["month"]))[:14] if "month" in whole.columns else [])
    years = [None, *sorted(set(whole["fiscal_year"]))] if "fiscal_year" in whole.columns else [None]
    report = REPORTS[name]
    for county in counties:
        for month in months if "month" in report.filters else [None]:
            for year in years if "fiscal_year" in report.filters else [None]:
                filters = Filters(county=county, month=month, fiscal_year=year)
                if "month" in report.computing and month is not None:
                    continue  # adequacy's month is what is computed: its own whole
                for row in run_public_report(demo_engine, name, filters).to_dicts():
                    assert row == by_key[tuple(row[k] for k in keys)], (filters, row)


def test_public_cli_run_filtered_by_month_hides_the_cell():
    result = run("report", "users", "--public", "--format", "json", "--county", "23",
                 "--month", "2026-07")  # fmt: skip
    (row,) = json.loads(result.stdout)
    assert row["users"] is None and "users" in row["suppressed"]


# -- 6. masking by column everywhere ---------------------------------------------------
def test_check_masks_malformed_ids(data_dir, found):
    result = run("check", data_dir)
    assert "values not shaped like the contract says" in result.output
    assert_no_cin(found, result.output, "check")


def test_close_show_masks_malformed_ids(data_dir, found, tmp_path):
    result = run("close", "--data", data_dir, "--month", "2024-06", "--show",
                 "unattributed_services")  # fmt: skip
    assert "CX0/1" in result.output  # the lines are listed…
    assert_no_cin(found, result.output, "close --show")  # …their members masked
    log = tmp_path / "audit.log"
    revealed = run("close", "--data", data_dir, "--month", "2024-06", "--show",
                   "unattributed_services", "--reveal-phi", "--audit-log", log)  # fmt: skip
    assert MALFORMED[0] in revealed.output
    (record,) = [json.loads(x) for x in log.read_text().splitlines()]
    assert record["action"] == "close --show --reveal-phi"
    assert_no_cin(found, json.dumps(record), "audit record")


def test_masking_is_by_column_not_shape():
    from queries.privacy import mask_members

    frame = pl.DataFrame({"member_id": ["91765177l", "091765177L", "x", None], "n": [1, 2, 3, 4]})
    masked = mask_members(frame)
    assert masked["member_id"].to_list() == ["9•••••77l", "0••••••77L", "•", None]
    assert masked["n"].to_list() == [1, 2, 3, 4]


# -- 4. one export path; temp folders ----------------------------------------------------------
def test_exports_default_outside_the_extracts(monkeypatch, data_dir, tmp_path):
    from tui.exporting import (
        ExportRefused,
        ExportRequest,
        ExportTable,
        default_export_dir,
        write_export,
    )

    monkeypatch.chdir(data_dir)  # started from inside the extracts folder
    folder = default_export_dir()
    assert folder == Path(os.environ["XDG_DATA_HOME"]) / "wrp-tui" / "exports"
    assert not folder.resolve().is_relative_to(data_dir.resolve())
    table = ExportTable(pl.DataFrame({"member_id": ["10000001A"], "paid": [Decimal("1.00")]}))
    with pytest.raises(ExportRefused):
        write_export(table, ExportRequest(Path("x.csv"), "csv"), data_dir)
    assert not (data_dir / "x.csv").exists()
    assert write_export(table, ExportRequest(tmp_path / "x.csv", "csv"), data_dir) == 1
    assert "10000001A" not in (tmp_path / "x.csv").read_text()


def test_spill_folders_go_on_sigterm_and_sighup(tmp_path):
    program = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})\n"
        "from queries.cache import private_temp_folder, remove_temp_folders_on_signals\n"
        "remove_temp_folders_on_signals()\n"
        "folder = private_temp_folder('wrp-tui-spill-')\n"
        "print(folder, oct(folder.stat().st_mode & 0o777), flush=True)\n"
        "sys.stdin.read()\n"
    )
    for signum in (signal.SIGTERM, signal.SIGHUP):
        child = subprocess.Popen([sys.executable, "-c", program], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)  # fmt: skip
        folder, mode = child.stdout.readline().split()
        assert Path(folder).is_dir() and mode == "0o700"
        child.send_signal(signum)
        assert child.wait(timeout=30) == -signum
        assert not Path(folder).exists()


# -- the dashboard: console, screen, exports, reveal -----------------------------------------
@pytest.mark.asyncio
async def test_console_screen_and_exports_carry_no_cin(data_dir, found, tmp_path):
    from tests.test_tui_console import console, run_sql, type_path
    from tests.test_tui_pilot import make_app, press, settle

    app = make_app(data_dir, tmp_path, audit_log=tmp_path / "audit.log")
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        for table in ("claims", "eligibility", "referrals", "services($as_of)"):
            await run_sql(pilot, select(SCALARS[:20], table))
            await settle(pilot)
            assert console(app).result is not None and console(app).result.total_rows
            assert_no_cin(found, app.export_screenshot(), f"screen {table}")
            rows = json.dumps(console(app).result.frame.to_dicts(), default=str)
            assert_no_cin(found, rows, f"result {table}")
        await run_sql(pilot, select(AGGREGATES, "claims"))
        await settle(pilot)
        assert_no_cin(found, app.export_screenshot(), "screen aggregates")
        for expression in ERRORS[:3]:
            await run_sql(pilot, select([expression], "claims"))
            await settle(pilot)
            assert_no_cin(found, app.export_screenshot(), f"screen {expression}")
        await run_sql(pilot, select(SCALARS, "claims"))
        await settle(pilot)
        await press(pilot, "escape", "e")
        await settle(pilot)
        exports = [app.last_export]
        for steps in (("ctrl+t",), ("ctrl+t", "ctrl+t")):  # parquet, excel
            await press(pilot, "E", *steps)
            suffix = ".parquet" if len(steps) == 1 else ".xlsx"
            await type_path(pilot, tmp_path / "mine" / f"query{suffix}")
            exports.append(app.last_export)
        assert [p.suffix for p in exports] == [".csv", ".parquet", ".xlsx"]
        for path in exports:
            assert "M-" in file_text(path)
            assert_no_cin(found, file_text(path), str(path))
    assert not (tmp_path / "audit.log").exists()  # nothing was revealed


def test_no_cin_in_the_cache_its_pseudonymised_copy_or_temp_folders(data_dir, found):
    import tempfile

    from queries.adhoc import adhoc_engine
    from queries.engine import Engine, Settings

    for settings in (Settings(data_dir), Settings(data_dir, use_cache=False)):
        engine = Engine(settings)
        adhoc = adhoc_engine(engine)
        text = folder_text(adhoc.folder)
        assert "M-" in text
        assert_no_cin(found, text, str(adhoc.folder))
    cached = folder_text(engine.cache.folder) if engine.cache else folder_text(
        Path(os.environ["WRP_TUI_CACHE"])
    )
    assert "M-" in cached  # the claim facts hold pseudonyms
    assert_no_cin(found, folder_text(Path(os.environ["WRP_TUI_CACHE"])), "the cache")
    for spill in Path(tempfile.gettempdir()).glob("wrp-tui-*"):
        assert_no_cin(found, folder_text(spill), str(spill))


@pytest.mark.asyncio
async def test_exporting_revealed_ids_asks_again_and_is_audited(tmp_path):
    from tests.test_tui_pilot import build_region, cells, make_app, press, settle

    region = build_region(tmp_path / "region")
    audit = tmp_path / "audit.log"
    app = make_app(region, tmp_path, audit_log=audit)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "1", "down", "down", "down", "enter", "enter")
        assert cells(app)[0][0] == "9•••••68B"
        await press(pilot, "e")  # masked on screen: no question, masked file
        await settle(pilot)
        assert "91234568B" not in app.last_export.read_text()
        assert "9•••••68B" in app.last_export.read_text()
        await press(pilot, "u", "up", "enter")  # reveal on screen: one record
        assert cells(app)[0][0] == "91234568B"
        await press(pilot, "e")
        await settle(pilot)
        assert type(app.screen).__name__ == "ChoiceScreen"  # asked again
        await press(pilot, "enter")  # the default: masked
        await settle(pilot)
        assert "91234568B" not in app.last_export.read_text()
        assert len(audit.read_text().splitlines()) == 1
        await press(pilot, "e", "down", "enter")  # the full IDs: audited first
        await settle(pilot)
        assert "91234568B" in app.last_export.read_text()
        records = [json.loads(x) for x in audit.read_text().splitlines()]
        assert [r["action"] for r in records] == ["dashboard reveal", "export revealed IDs"]
        assert "Context(" not in records[0]["scope"] and "county=" in records[0]["scope"]
        assert str(app.last_export) in records[1]["scope"]
        assert "91234568B" not in json.dumps(records)
        await press(pilot, "E")  # E goes the same way: asks, masked by default
        await settle(pilot)
        assert type(app.screen).__name__ == "ExportScreen"
        await press(pilot, "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "ChoiceScreen"
        await press(pilot, "enter")
        await settle(pilot)
        assert "91234568B" not in app.last_export.read_text()
