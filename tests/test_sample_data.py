"""The sample-data generator writes contract-shaped, deterministic extracts."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from queries.contract import TABLES
from queries.reference import COUNTIES, LEVELS_OF_CARE
from sample_data.generator import generate

DUCK_TYPES = {
    "text": "VARCHAR",
    "date": "DATE",
    "bool": "BOOLEAN",
    "int": "INTEGER",
    "money": "DECIMAL(12,2)",
    "decimal": "DECIMAL(10,2)",
    "float": "DOUBLE",
}
# short run (Jul 2023 - Jun 2024) keeps the second generation fast
END = date(2024, 6, 1)


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    return con.execute(sql, params or []).fetchone()[0]


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("demo") / "extract"
    return folder, generate(folder, "demo", seed=1)


@pytest.fixture(scope="module")
def con(demo) -> duckdb.DuckDBPyConnection:
    folder, _ = demo
    connection = duckdb.connect()
    for table in TABLES:
        path = str(folder / f"{table}.parquet").replace("'", "''")
        connection.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
    return connection


def test_every_table_has_exactly_the_contract_columns_and_types(demo, con):
    _, counts = demo
    assert set(counts) == set(TABLES)
    for table, columns in TABLES.items():
        described = con.execute(f"DESCRIBE SELECT * FROM {table}").fetchall()
        found = {name: duck_type for name, duck_type, *_ in described}
        assert found == {c: DUCK_TYPES[kind] for c, kind in columns.items()}, table
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == counts[table] > 0


def test_same_seed_gives_identical_rows(demo, tmp_path):
    folder, counts = demo
    assert generate(tmp_path / "again", "demo", seed=1) == counts
    for table in TABLES:
        first = pl.read_parquet(folder / f"{table}.parquet")
        again = pl.read_parquet(tmp_path / "again" / f"{table}.parquet")
        assert first.equals(again), table


@pytest.fixture(scope="module")
def short_run(tmp_path_factory) -> Path:
    """Seed 1 for July 2023 - June 2024 only: quick to compare against."""
    folder = tmp_path_factory.mktemp("short") / "extract"
    generate(folder, "demo", seed=1, end_month=END)
    return folder


def test_another_seed_gives_other_rows(short_run, tmp_path):
    generate(tmp_path, "demo", seed=2, end_month=END)
    first = pl.read_parquet(short_run / "claims.parquet")
    assert not first.equals(pl.read_parquet(tmp_path / "claims.parquet"))


def test_partitioned_output_holds_the_same_rows(short_run, tmp_path):
    generate(tmp_path, "demo", seed=1, end_month=END, partitioned=True)
    months = sorted(p.name for p in (tmp_path / "claims").iterdir())
    assert months[0] == "service_month=2023-07" and len(months) == 12
    for table in ("claims", "eligibility"):
        flat = pl.read_parquet(short_run / f"{table}.parquet")
        hive = pl.read_parquet(tmp_path / table / "*" / "*.parquet", hive_partitioning=False)
        assert flat.equals(hive), table


def test_refuses_a_folder_with_files_unless_overwriting(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError, match="not empty"):
        generate(tmp_path, "demo", end_month=END)
    generate(tmp_path, "demo", end_month=END, overwrite=True)
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    assert (tmp_path / "claims.parquet").is_file()


def test_members_look_like_the_region(con):
    assert scalar(con, "SELECT count(*) FROM eligibility WHERE NOT regexp_full_match(member_id, ?)",
                  [r"\d{8}[A-Z]"]) == 0  # fmt: skip
    counties = con.execute("SELECT DISTINCT county_code FROM eligibility").fetchall()
    assert {c for (c,) in counties} == {c.code for c in COUNTIES}
    per_month, first, last = con.execute(
        "SELECT count(*) / count(DISTINCT month), min(month), max(month) FROM eligibility"
    ).fetchone()
    assert 2_000 < per_month < 3_000
    assert (first, last) == (date(2023, 7, 1), date(2026, 10, 1))
    assert scalar(con, "SELECT count(*) - count(DISTINCT (member_id, month)) FROM eligibility") == 0
    assert 0.03 < scalar(con, "SELECT avg((NOT plan_member)::INT) FROM eligibility") < 0.12
    not_located = (
        "SELECT count(DISTINCT member_id) FROM eligibility WHERE zip NOT IN (FROM zips SELECT zip)"
    )
    assert scalar(con, not_located) > 0


# REVERSED lines that do not cancel an earlier PAID line exactly
BAD_REVERSALS = """
    SELECT p.claim_id IS NULL AS orphan
    FROM claims r
    LEFT JOIN claims p
      ON p.claim_id = r.original_claim_id AND p.line_no = r.line_no AND p.status = 'PAID'
    WHERE r.status = 'REVERSED'
      AND (p.claim_id IS NULL OR r.paid_amount <> -p.paid_amount OR r.paid_date < p.paid_date)
"""


def test_claims_follow_the_contract_except_the_deliberate_noise(con):
    assert scalar(con, "SELECT count(DISTINCT claim_id) FROM claims") > 1_000
    statuses = dict(con.execute("SELECT status, count(*) FROM claims GROUP BY 1").fetchall())
    assert set(statuses) == {"PAID", "DENIED", "REVERSED"}
    assert 0.003 < statuses["REVERSED"] / statuses["PAID"] < 0.03
    assert (
        scalar(con, "FROM claims SELECT count(*) WHERE status = 'DENIED' AND paid_amount <> 0") == 0
    )
    assert (
        scalar(
            con,
            "FROM claims SELECT count(*) WHERE status <> 'REVERSED' AND original_claim_id <> ''",
        )
        == 0
    )
    # every reversal cancels a PAID line, but two: one keyed $12.50 short, one
    # voiding a claim purged from the extract
    assert sorted(orphan for (orphan,) in con.execute(BAD_REVERSALS).fetchall()) == [False, True]
    # the rest of the noise: two duplicated rows, negative paid lines, unknown codes
    assert scalar(con, "SELECT count(*) - count(DISTINCT (claim_id, line_no)) FROM claims") == 2
    assert (
        1
        <= scalar(con, "FROM claims SELECT count(*) WHERE status = 'PAID' AND paid_amount < 0")
        <= 2
    )
    unknown_level = "FROM claims SELECT count(*) WHERE level_of_care NOT IN ?"
    assert scalar(con, unknown_level, [list(LEVELS_OF_CARE)]) == 1
    unknown_site = (
        "FROM claims SELECT count(*) WHERE provider_id NOT IN (FROM providers SELECT provider_id)"
    )
    assert 1 <= scalar(con, unknown_site) <= 3
    latest_paid, latest_service = con.execute(
        "SELECT max(paid_date), max(service_date) FROM claims"
    ).fetchone()
    assert date(2026, 11, 1) < latest_paid <= date(2026, 11, 15)
    assert latest_service == date(2026, 10, 31)


def test_invoices_and_payments_tie_together(con):
    slips = """
        FROM invoices SELECT count(*)
        WHERE pupm_amount <> user_count * pupm_rate OR total_amount <> pupm_amount + admin_qa_amount
    """
    assert scalar(con, slips) == 2  # the deliberate keying slips
    supplemental_admin = (
        "FROM invoices SELECT count(*) WHERE invoice_type = 'SUPPLEMENTAL' AND admin_qa_amount <> 0"
    )
    assert scalar(con, supplemental_admin) == 0
    assert scalar(con, "SELECT count(DISTINCT invoice_id) = count(*) FROM invoices")
    assert scalar(con, "SELECT count(DISTINCT payment_id) = count(*) FROM payments")
    unknown_invoice = (
        "FROM payments SELECT count(*) WHERE invoice_id NOT IN (FROM invoices SELECT invoice_id)"
    )
    assert scalar(con, unknown_invoice) == 0
    rates = con.execute(
        "FROM pupm_rates SELECT count(*), min(fiscal_year), max(fiscal_year)"
    ).fetchone()
    assert rates == (28, 2024, 2027)


def test_money_columns_are_decimals_with_scale_two(con):
    for table, columns in TABLES.items():
        for column, kind in columns.items():
            if kind == "money":
                duck_type = scalar(con, f'SELECT typeof("{column}") FROM {table} LIMIT 1')
                assert re.fullmatch(r"DECIMAL\(\d+,2\)", duck_type), (table, column)
