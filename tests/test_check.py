"""`wrp-tui check` and how every command reacts to extracts that break the contract."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from tests.rules_fixture import build_rules_extracts
from wrp_tui import cli


def run_cli(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], env={"COLUMNS": "160"})


@pytest.fixture
def extracts(tmp_path):
    return build_rules_extracts(tmp_path / "extracts")


def replace_column(folder, table, column, values, arrow_type):
    path = folder / f"{table}.parquet"
    data = pq.read_table(path)
    index = data.schema.get_field_index(column)
    data = data.set_column(index, column, pa.array(values, type=arrow_type))
    pq.write_table(data, path)


def test_check_passes_on_valid_extracts(extracts):
    result = run_cli("check", extracts)
    assert result.exit_code == 0, result.output
    assert "all 9 tables follow the contract" in result.stdout


def test_check_missing_table(extracts):
    (extracts / "payments.parquet").unlink()
    result = run_cli("check", extracts)
    assert result.exit_code == 1
    assert "payments: missing: no payments.parquet or payments/ folder" in result.stdout


def test_check_missing_column(extracts):
    data = pq.read_table(extracts / "providers.parquet").drop_columns(["credential_expires"])
    pq.write_table(data, extracts / "providers.parquet")
    result = run_cli("check", extracts)
    assert result.exit_code == 1
    assert "providers.credential_expires: missing column" in result.stdout


def test_check_money_as_float_and_dates_as_text(extracts):
    rows = pq.read_table(extracts / "claims.parquet").num_rows
    replace_column(extracts, "claims", "paid_amount", [1.5] * rows, pa.float64())
    replace_column(extracts, "claims", "service_date", ["2024-07-01"] * rows, pa.string())
    result = run_cli("check", extracts)
    assert result.exit_code == 1
    assert (
        "claims.paid_amount: type DOUBLE, the contract says DECIMAL with scale 2" in result.stdout
    )
    assert "claims.service_date: type VARCHAR, the contract says DATE" in result.stdout


def test_check_extra_columns_are_fine(extracts):
    data = pq.read_table(extracts / "zips.parquet")
    data = data.append_column("city", pa.array(["x"] * data.num_rows))
    pq.write_table(data, extracts / "zips.parquet")
    assert run_cli("check", extracts).exit_code == 0


def test_check_corrupt_file(extracts):
    path = extracts / "invoices.parquet"
    path.write_bytes(path.read_bytes()[:200])  # truncated
    result = run_cli("check", extracts)
    assert result.exit_code == 1
    assert "invoices: unreadable parquet" in result.stdout
    assert "Traceback" not in result.output


def test_check_empty_table_is_a_warning(extracts):
    data = pq.read_table(extracts / "payments.parquet").slice(0, 0)
    pq.write_table(data, extracts / "payments.parquet")
    result = run_cli("check", extracts)
    assert result.exit_code == 0, result.output
    assert "! payments: empty: no rows" in result.stdout


def test_check_blocks_on_empty_tables_the_figures_need(tmp_path):
    from tests.extract_builder import write_extracts

    folder = write_extracts(tmp_path / "empty")
    result = run_cli("check", folder)
    assert result.exit_code == 1
    for table in ("claims", "eligibility", "pupm_rates"):
        assert f"✗ {table}: empty: no rows, and the figures need them" in result.stdout
    assert "! payments: empty: no rows" in result.stdout


def test_check_not_a_folder(tmp_path):
    result = run_cli("check", tmp_path / "nowhere")
    assert result.exit_code == 1
    assert "is not a folder" in " ".join(result.output.replace("│", " ").split())


def test_check_refuses_an_empty_path():
    result = run_cli("check", "")
    assert result.exit_code == 2
    assert "an empty path is not a folder" in result.output


def test_check_hive_partitioned_claims(extracts):
    claims = pq.read_table(extracts / "claims.parquet")
    (extracts / "claims.parquet").unlink()
    pq.write_to_dataset(
        claims.append_column(
            "service_month",
            pa.array([d.strftime("%Y-%m") for d in claims["service_date"].to_pylist()]),
        ),
        extracts / "claims",
        partition_cols=["service_month"],
    )
    assert run_cli("check", extracts).exit_code == 0
    result = run_cli("report", "users", "--data", extracts, "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:] == [
        "25,2024-06,1,2024,1,0",
        "25,2024-07,1,2025,1,0",
        "45,2024-07,1,2025,1,0",
        "48,2024-06,1,2024,0,1",
    ]


def test_report_on_broken_table_names_the_problem(extracts):
    rows = pq.read_table(extracts / "claims.parquet").num_rows
    replace_column(extracts, "claims", "paid_amount", [1.5] * rows, pa.float64())
    result = run_cli("report", "users", "--data", extracts)
    assert result.exit_code == 1
    assert "Extract 'claims' is unusable" in result.output
    assert "paid_amount: type DOUBLE" in result.output
    assert "Traceback" not in result.output


def test_report_that_does_not_need_a_broken_table_still_works(extracts):
    (extracts / "claims.parquet").unlink()
    result = run_cli("report", "adequacy", "--data", extracts, "--county", "48",
                     "--month", "2024-07", "--as-of", "2024-09-15", "--format", "csv")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].startswith("48,1.0,30,1,1,100.0,0,1,1,0,100.0")


def test_check_warns_about_rows_with_examples_masked(tmp_path):
    from datetime import date

    from tests.rules_fixture import ELIGIBILITY, REFERRALS, elig

    folder = build_rules_extracts(
        tmp_path / "x",
        eligibility=ELIGIBILITY
        + [
            elig("10000001A", date(2024, 6, 1), "25", "96101"),  # duplicate key
            elig(None, date(2024, 6, 1), "25", "96101"),  # null key
            elig("1234", date(2024, 6, 1), "99", "96101", fmap="OTHER"),  # bad shapes and codes
        ],
        referrals=REFERRALS
        + [dict(referral_id="R99", member_id="10000001A", county_code="25",
                request_date=date(2999, 1, 1), level_of_care="1.0", source="SELF")],
    )  # fmt: skip
    result = run_cli("check", folder)
    assert result.exit_code == 0  # warnings: the extracts are still used
    out = result.stdout
    assert "eligibility: 1 rows with a null key member_id/month" in out
    assert "eligibility: 1 duplicate keys member_id/month (e.g. 1•••••01A/2024-06-01)" in out
    assert "eligibility.county_code: 1 values outside the contract's codes (e.g. 99)" in out
    assert "eligibility.fmap_group: 1 values outside the contract's codes (e.g. OTHER)" in out
    assert "eligibility.member_id: 1 values not shaped like the contract says (e.g. ••••)" in out
    assert (  # a referral date is no invoice figure: a warning, the row left out
        "! referrals.request_date: 1 row with a date outside 1900-01-01..2100-12-31, "
        "left out of the figures (e.g. R99: 2999-01-01)" in out
    )
    assert "warning(s) above" in out
    assert "10000001A" not in out
