"""Extracts at the edges: dates the rules cannot use, empty tables the figures
need, corrupt pages. Every command says which table (and row or file)."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from tests.edge_extracts import corrupt_middle, empty_table, set_date
from tests.rules_fixture import build_rules_extracts
from wrp_tui import cli

RANGE = "outside 1900-01-01..2100-12-31"


def run_cli(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], env={"COLUMNS": "200"})


@pytest.fixture
def extracts(tmp_path):
    return build_rules_extracts(tmp_path / "extracts")


@pytest.mark.parametrize("value", ["10000-01-01", "infinity", "-infinity", "1850-03-01"])
def test_a_paid_date_the_rules_cannot_use_is_left_out_with_a_warning(extracts, value):
    # C1: member A's June service (Modoc, $100.00), the only Modoc user in June.
    set_date(extracts, "claims", "paid_date", "claim_id = 'C1'", value)
    warning = (
        f"claims.paid_date: 1 row with a date {RANGE}, left out of the figures (e.g. C1/1: {value})"
    )

    users = run_cli("report", "users", "--data", extracts, "--format", "csv")
    assert users.exit_code == 0, users.output
    assert warning in users.stderr
    assert users.stdout.splitlines()[1:] == [  # Modoc June is gone; the as-of still 2024-09-15
        "25,2024-07,1,2025,1,0", "45,2024-07,1,2025,1,0", "48,2024-06,1,2024,0,1",
    ]  # fmt: skip

    adequacy = run_cli("report", "adequacy", "--data", extracts, "--format", "csv")
    assert adequacy.exit_code == 0, adequacy.output

    check = run_cli("check", extracts)
    assert check.exit_code == 1
    assert f"✗ {warning}" in check.stdout  # an invoice turns on it: blocking

    close = run_cli("close", "--data", extracts, "--month", "2024-07")
    assert close.exit_code == 1
    assert "dates_out_of_range" in close.stdout
    assert "Traceback" not in close.output


def test_a_date_no_invoice_turns_on_is_a_warning(extracts):
    set_date(extracts, "providers", "credential_expires", "provider_id = '1000000001'", "infinity")
    check = run_cli("check", extracts)
    assert check.exit_code == 0, check.output
    assert (
        f"! providers.credential_expires: 1 row with a date {RANGE}, left out of the figures "
        "(e.g. 1000000001: infinity)" in check.stdout
    )
    report = run_cli("report", "exceptions", "--data", extracts, "--format", "csv")
    assert report.exit_code == 0, report.output
    assert "providers.credential_expires: 1 row" in report.stderr
    # The Modoc site, left out, no longer expires within 60 days.
    assert "expiring_credentials,info,0," in report.stdout


def test_an_eligibility_example_names_the_member_masked(extracts):
    set_date(extracts, "eligibility", "month", "member_id = '10000004D'", "10000-07-01")
    check = run_cli("check", extracts)
    assert "✗ eligibility.month: 1 row" in check.stdout
    assert "(e.g. 1•••••04D/10000-07-01: 10000-07-01)" in check.stdout
    assert "10000004D" not in check.output


NEEDED_BY = {  # the reports that read each table
    "claims": ("users", "invoices", "reconciliation", "exceptions", "supplementals"),
    "eligibility": ("users", "invoices", "reconciliation", "adequacy"),
    "pupm_rates": ("invoices", "supplementals"),
}


@pytest.mark.parametrize("table", sorted(NEEDED_BY))
def test_an_empty_table_the_figures_need_blocks_every_report(extracts, table):
    empty_table(extracts, table)
    message = f"{table}: empty: no rows, and the figures need them"
    for report in NEEDED_BY[table]:
        result = run_cli("report", report, "--data", extracts, "--format", "json")
        assert result.exit_code == 1, (report, result.output)
        assert f"Extract '{table}' is unusable" in result.stderr
        assert message in result.stderr
        assert result.stdout == ""
    check = run_cli("check", extracts)
    assert check.exit_code == 1
    assert f"✗ {message}" in check.stdout
    close = run_cli("close", "--data", extracts, "--month", "2024-07")
    assert close.exit_code == 1
    listed = "extracts needed to invoice that are missing or break the contract:"
    assert f"{listed} {table}" in " ".join(close.stdout.split())


def test_a_corrupt_page_is_named_by_table_and_file(extracts):
    corrupt_middle(extracts / "invoices.parquet", seed=1)
    report = run_cli("report", "invoices", "--data", extracts)
    assert report.exit_code == 1
    assert "Extract 'invoices' is unreadable" in report.stderr
    assert "invoices: unreadable data in invoices.parquet (" in report.stderr
    check = run_cli("check", extracts)
    assert check.exit_code == 1
    assert "✗ invoices: unreadable data in invoices.parquet (" in check.stdout
    users = run_cli("report", "users", "--data", extracts)  # needs no invoice
    assert users.exit_code == 0, users.output


def test_a_corrupt_footer_is_named_by_table_and_file(extracts):
    corrupt_middle(extracts / "invoices.parquet", at=0.5, size=1024, seed=1)
    report = run_cli("report", "invoices", "--data", extracts)
    assert report.exit_code == 1
    assert "Extract 'invoices' is unusable" in report.stderr
    assert "invoices: unreadable parquet in invoices.parquet (" in report.stderr
    check = run_cli("check", extracts)
    assert check.exit_code == 1
    assert "✗ invoices: unreadable parquet in invoices.parquet (" in check.stdout


def test_a_corrupt_partition_is_named_by_its_file(extracts):
    claims = pq.read_table(extracts / "claims.parquet")
    (extracts / "claims.parquet").unlink()
    folder = extracts / "claims" / "service_month=2024-07"
    folder.mkdir(parents=True)
    pq.write_table(claims, folder / "part-0.parquet")
    corrupt_middle(folder / "part-0.parquet", seed=1)
    report = run_cli("report", "users", "--data", extracts)
    assert report.exit_code == 1
    assert "Extract 'claims' is unreadable" in report.stderr
    assert "unreadable data in claims/service_month=2024-07/part-0.parquet" in report.stderr
