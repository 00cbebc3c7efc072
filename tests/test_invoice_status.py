"""Contract v1.1 invoice status: `invoiced` on invoices, and the
reconciliation through the last invoiced month. Figures worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from queries.billing import invoice_totals
from queries.engine import Engine, Settings
from queries.reports import Filters, records, run_report
from tests import oracle
from tests.extract_builder import write_extracts
from tests.rules_fixture import build_rules_extracts, elig, invoice, line

A, E = "10000001A", "10000005E"
SITE = "1000000001"
JUL, AUG = date(2024, 7, 1), date(2024, 8, 1)


def status_extracts(folder):
    """Modoc FY2024-25 (rate 520.00, admin 1000.00): July invoiced; August has
    users and only a supplemental (so it is still "to invoice").
      A  Jul 5  paid Jul 20  100.00
      A  Aug 3  paid Aug 20  250.00
      E  Aug 10 paid Sep 5    40.00
    I-07 ORIGINAL July, issued Aug 15: 1 user, 520.00 + 1000.00 = 1520.00.
    I-08-S SUPPLEMENTAL August, issued Sep 10: 1 user, 520.00."""
    return write_extracts(
        folder,
        eligibility=[elig(A, JUL, "25", "96101"), elig(A, AUG, "25", "96101"),
                     elig(E, AUG, "25", "96101")],
        claims=[line("C1", A, SITE, date(2024, 7, 5), date(2024, 7, 20), "100.00"),
                line("C2", A, SITE, date(2024, 8, 3), date(2024, 8, 20), "250.00"),
                line("C3", E, SITE, date(2024, 8, 10), date(2024, 9, 5), "40.00")],
        pupm_rates=[dict(county_code="25", fiscal_year=2025, pupm_rate="520.00",
                         admin_qa_monthly="1000.00")],
        invoices=[invoice("I-07", "25", JUL, "ORIGINAL", date(2024, 8, 15), 1,
                          "520.00", "520.00", "1000.00", "1520.00"),
                  invoice("I-08-S", "25", AUG, "SUPPLEMENTAL", date(2024, 9, 10), 1,
                          "520.00", "520.00", "0.00", "520.00")],
    )  # fmt: skip


@pytest.fixture(scope="module")
def status_dir(tmp_path_factory):
    return status_extracts(tmp_path_factory.mktemp("status"))


@pytest.fixture(scope="module")
def rules_dir(tmp_path_factory):
    return build_rules_extracts(tmp_path_factory.mktemp("rules"))


def report(folder, name, **filters):
    return records(run_report(Engine(Settings(folder)), name, Filters(**filters)))


def test_invoiced_and_to_invoice(status_dir):
    rows = {r["month"]: r for r in report(status_dir, "invoices", as_of=date(2024, 9, 15))}
    july, august = rows["2024-07"], rows["2024-08"]
    assert july["invoiced"] is True and july["to_invoice"] is None
    assert july["drift_amount"] == "0.00"
    # August: A and E are users, billed one on a supplemental: not invoiced.
    assert august["invoiced"] is False
    assert august["computed_users"] == 2 and august["billed_users"] == 1
    assert august["expected_total"] == "2040.00"  # 2 x 520 + 1000
    assert august["to_invoice"] == "2040.00"
    assert august["drift_amount"] == "1520.00"  # v1 meaning unchanged: 2040 - 520


def test_totals_leave_the_month_to_invoice_out_of_drift(status_dir):
    engine = Engine(Settings(status_dir))
    sums = invoice_totals(run_report(engine, "invoices", Filters(as_of=date(2024, 9, 15))))
    assert sums.drift == Decimal("0.00")  # July ties; August is to invoice
    assert sums.to_invoice == Decimal("2040.00") and sums.to_invoice_months == 1
    assert sums.billed == Decimal("2040.00")  # 1520 + 520


def test_reconciliation_through_the_last_invoiced_month(status_dir):
    (row,) = report(status_dir, "reconciliation", as_of=date(2024, 9, 15))
    assert row["pupm_billed"] == "1040.00"  # 520 (July) + 520 (August supplemental)
    assert row["actual_claims_cost"] == "390.00"  # 100 + 250 + 40
    assert row["variance"] == "650.00"
    assert row["invoiced_through"] == "2024-07"
    assert row["cost_through_invoiced"] == "100.00"  # July's cost only
    assert row["variance_through_invoiced"] == "940.00"  # 1040 - 100


def test_reconciliation_before_any_original(status_dir):
    # On Aug 14 nothing is issued: null month, "0.00" cost, variance = 0 - 0.
    (row,) = report(status_dir, "reconciliation", as_of=date(2024, 8, 14))
    assert row["invoiced_through"] is None
    assert row["cost_through_invoiced"] == "0.00"
    assert row["variance_through_invoiced"] == "0.00"
    assert row["actual_claims_cost"] == "100.00"


def test_rules_fixture_by_hand(rules_dir):
    rows = {(r["county_code"], r["fiscal_year"]): r for r in report(rules_dir, "reconciliation")}
    # Modoc FY2023-24: June invoiced (500.00 PUPM), C1 100.00.
    assert (
        rows[("25", 2024)]["invoiced_through"],
        rows[("25", 2024)]["cost_through_invoiced"],
        rows[("25", 2024)]["variance_through_invoiced"],
    ) == ("2024-06", "100.00", "400.00")
    # Modoc FY2024-25: July invoiced (1040.00); cost 200 + 75 - 70 - 10 = 195.
    assert rows[("25", 2025)]["variance_through_invoiced"] == "845.00"
    # Solano FY2023-24: June's ORIGINAL billed 0 users; B's late C8 120.00.
    assert rows[("48", 2024)]["variance_through_invoiced"] == "-120.00"
    # Shasta FY2024-25: a supplemental alone is not invoiced.
    shasta = rows[("45", 2025)]
    assert shasta["invoiced_through"] is None and shasta["cost_through_invoiced"] == "0.00"
    assert shasta["variance_through_invoiced"] == "450.00" and shasta["variance"] == "150.00"
    invoices = report(rules_dir, "invoices")
    invoiced = {(r["county_code"], r["month"]): r["invoiced"] for r in invoices}
    assert invoiced == {("25", "2024-06"): True, ("48", "2024-06"): True,
                        ("25", "2024-07"): True, ("45", "2024-07"): False}  # fmt: skip


@pytest.mark.parametrize("as_of", [date(2024, 8, 14), date(2024, 8, 16), date(2024, 9, 15)])
@pytest.mark.parametrize("name", ["invoices", "reconciliation"])
def test_oracle_agrees(status_dir, name, as_of):
    ours = {tuple(r.values())[:2]: r for r in report(status_dir, name, as_of=as_of)}
    theirs = {tuple(r.values())[:2]: r for r in getattr(oracle, name)(status_dir, as_of=as_of)}
    assert ours.keys() == theirs.keys()
    for key, expected in theirs.items():
        assert {k: ours[key][k] for k in expected} == expected


def test_cli_json_and_csv_carry_the_fields(status_dir):
    from typer.testing import CliRunner

    from wrp_tui import cli

    runner = CliRunner()
    out = runner.invoke(cli, ["report", "reconciliation", "--data", str(status_dir),
                              "--as-of", "2024-09-15", "--format", "csv"])  # fmt: skip
    assert out.exit_code == 0
    header, row = out.stdout.splitlines()[:2]
    assert "invoiced_through,cost_through_invoiced,variance_through_invoiced" in header
    assert ",2024-07,100.00,940.00" in row
    table = runner.invoke(cli, ["report", "invoices", "--data", str(status_dir),
                                "--as-of", "2024-09-15"], env={"COLUMNS": "200"})  # fmt: skip
    assert "invoiced" in table.stdout and " no " in table.stdout
