"""`wrp-tui sql`: ad-hoc read-only questions over the extracts and derived views."""

from __future__ import annotations

import json
import re

import polars as pl
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from queries.contract import TABLES
from tests.rules_fixture import build_rules_extracts
from wrp_tui import cli

CIN = re.compile(r"\b\d{8}[A-Z]\b")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return build_rules_extracts(tmp_path_factory.mktemp("adhoc"))


def sql(data_dir, query, *args):
    return CliRunner().invoke(
        cli, ["sql", query, "--data", str(data_dir), *map(str, args)], env={"COLUMNS": "160"}
    )


@pytest.mark.parametrize("table", sorted(TABLES))
def test_count_equals_parquet_rows(data_dir, table):
    result = sql(data_dir, f"SELECT count(*) AS n FROM {table}", "--format", "json")
    assert result.exit_code == 0, result.output
    expected = pq.ParquetFile(data_dir / f"{table}.parquet").metadata.num_rows
    assert json.loads(result.stdout) == [{"n": expected}]


def test_joins_derived_views_with_as_of(data_dir):
    query = (
        "SELECT u.county_code, u.users, c.claims_cost FROM county_month_users($as_of) u "
        "JOIN county_month_cost($as_of) c USING (county_code, month) "
        "WHERE u.month = DATE '2024-07-01' ORDER BY 1"
    )
    result = sql(data_dir, query, "--format", "json")
    assert json.loads(result.stdout) == [
        {"county_code": "25", "users": 1, "claims_cost": "195.00"},
        {"county_code": "45", "users": 1, "claims_cost": "300.00"},
    ]
    # On Jul 31, D's reversal is unknown: two Modoc users.
    earlier = sql(data_dir, query, "--format", "json", "--as-of", "2024-07-31")
    assert json.loads(earlier.stdout)[0]["users"] == 2


@pytest.mark.parametrize(
    "query, title",
    [
        ("COPY (SELECT 1) TO 'out.csv'", "Read-only"),
        ("INSERT INTO ref_levels VALUES ('X', 'x', 1, 1)", "Read-only"),
        ("CREATE TABLE t AS SELECT 1", "Read-only"),
        ("DROP VIEW claims", "Read-only"),
        ("ATTACH 'other.db'", "Read-only"),
        ("INSTALL httpfs", "Read-only"),
        ("LOAD httpfs", "Read-only"),
        ("SET threads = 1", "Read-only"),
        ("PRAGMA enable_profiling", "Read-only"),
        ("PRAGMA threads = 1", "Read-only"),
        ("EXPORT DATABASE 'dump'", "Read-only"),
        ("DETACH memory", "Read-only"),
        ("SELECT * FROM read_csv('/etc/passwd')", "Read-only"),
        ("SELECT * FROM read_parquet('/tmp/../etc/*.parquet')", "Read-only"),
        ("SELECT 1; SELECT 2", "One statement only"),
        ("SELEC 1", "SQL does not parse"),
    ],
)
def test_refused(data_dir, query, title):
    result = sql(data_dir, query)
    assert result.exit_code == 1
    assert title in result.output
    assert "Traceback" not in result.output


def test_output_inside_extracts_refused(data_dir):
    result = sql(data_dir, "SELECT 1", "--output", data_dir / "x.csv")
    assert result.exit_code == 1
    assert "never written to" in result.output
    assert not (data_dir / "x.csv").exists()


def test_member_ids_are_pseudonyms_however_named(data_dir):
    from queries.privacy import pseudonym, pseudonym_key
    from tests.rules_fixture import A

    result = sql(
        data_dir, "SELECT member_id AS who, 'CIN ' || member_id AS note FROM eligibility",
        "--format", "csv",
    )  # fmt: skip
    assert result.exit_code == 0
    alias = pseudonym(pseudonym_key(), A)
    assert re.fullmatch(r"M-[0-9a-f]{12}", alias)
    assert f"{alias},CIN {alias}" in result.stdout
    assert A not in result.stdout and not CIN.search(result.stdout)


def test_parquet_output_keeps_decimal(data_dir, tmp_path):
    out = tmp_path / "cost.parquet"
    result = sql(data_dir, "SELECT sum(paid_amount) AS paid FROM cost_lines($as_of)",
                 "--format", "parquet", "--output", out)  # fmt: skip
    assert result.exit_code == 0, result.output
    frame = pl.read_parquet(out)
    assert frame.schema["paid"] == pl.Decimal(38, 2)
    # Modoc 100.00 (FY2023-24) + 195.00 (FY2024-25), Shasta 300.00, Solano 120.00
    assert str(frame["paid"][0]) == "715.00"


def test_table_format_caps_rows(data_dir):
    result = sql(data_dir, "SELECT * FROM range(250)", "--limit", "20")
    assert result.exit_code == 0
    assert "20 of 250 rows" in result.stdout
