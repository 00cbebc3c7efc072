"""Every business rule of the contract, on the hand-built fixture of rules_fixture.py.

Expected figures are worked out by hand from the fixture's rows (see the
comments there), never by the code under test.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from queries.engine import Engine, Settings
from queries.reports import Filters, records, run_report
from tests.rules_fixture import build_rules_extracts
from wrp_tui import cli


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return build_rules_extracts(tmp_path_factory.mktemp("rules"))


@pytest.fixture(scope="module")
def engine(data_dir):
    engine = Engine(Settings(data_dir))
    yield engine
    engine.close()


def report(engine, name, **filters):
    return records(run_report(engine, name, Filters(**filters)))


def pick(rows, *fields):
    return [tuple(row[f] for f in fields) for row in rows]


def test_default_as_of_is_latest_paid_date(engine):
    assert engine.default_as_of() == date(2024, 9, 15)
    assert engine.last_eligibility_month() == date(2024, 7, 1)
    assert engine.problems == []


def test_monthly_users_follow_county_of_responsibility(engine):
    # C1: Modoc member served in Solano counts for Modoc; C2 duplicate counts once;
    # D reversed; C5 denied; B moved to Shasta in July; C unattributed.
    assert pick(report(engine, "users"), "county_code", "month", "users") == [
        ("25", "2024-06", 1),
        ("25", "2024-07", 1),
        ("45", "2024-07", 1),
        ("48", "2024-06", 1),
    ]


def test_users_as_of_before_late_claim_and_reversal(engine):
    # On Jul 31 D's reversal (Aug 10) and B's late claim (Sep 15) are unknown.
    rows = report(engine, "users", as_of=date(2024, 7, 31))
    assert pick(rows, "county_code", "month", "users") == [
        ("25", "2024-06", 1),
        ("25", "2024-07", 2),
        ("45", "2024-07", 1),
    ]


def test_users_filters(engine):
    assert pick(report(engine, "users", county="25"), "month") == [("2024-06",), ("2024-07",)]
    assert pick(report(engine, "users", fiscal_year=2025), "county_code") == [("25",), ("45",)]
    assert pick(report(engine, "users", month=date(2024, 6, 1)), "county_code") == [
        ("25",),
        ("48",),
    ]


def test_users_plan_members_split(engine):
    rows = {(r["county_code"], r["month"]): r for r in report(engine, "users")}
    # B was not yet a plan member in June: a user all the same.
    assert rows[("48", "2024-06")]["plan_member_users"] == 0
    assert rows[("48", "2024-06")]["non_plan_users"] == 1


INVOICE_FIELDS = (
    "county_code", "month", "computed_users", "billed_users", "expected_total",
    "billed_total", "drift_users", "drift_amount", "paid", "outstanding",
)  # fmt: skip


def test_invoices_expected_billed_drift_outstanding(engine):
    assert pick(report(engine, "invoices"), *INVOICE_FIELDS) == [
        ("25", "2024-06", 1, 1, "1500.00", "1500.00", 0, "0.00", "1500.00", "0.00"),
        # billed 2 users; D's service was reversed after the invoice.
        ("25", "2024-07", 1, 2, "1520.00", "2040.00", -1, "-520.00", "0.00", "2040.00"),
        # no FY2024-25 rate for Shasta: expected and drift amount unknown.
        ("45", "2024-07", 1, 1, None, "400.00", 0, None, "0.00", "400.00"),
        # late claim: one more user than billed; partial payment.
        ("48", "2024-06", 1, 0, "2400.00", "2000.00", 1, "400.00", "1000.00", "1000.00"),
    ]


def test_invoices_as_of_later_include_supplemental_and_payment(engine):
    rows = report(engine, "invoices", as_of=date(2024, 9, 30))
    by_key = {(r["county_code"], r["month"]): r for r in rows}
    assert by_key[("48", "2024-06")]["billed_users"] == 1
    assert by_key[("48", "2024-06")]["billed_total"] == "2400.00"
    assert by_key[("48", "2024-06")]["drift_amount"] == "0.00"
    assert by_key[("25", "2024-07")]["paid"] == "2040.00"
    assert by_key[("25", "2024-07")]["outstanding"] == "0.00"


def test_invoices_as_of_before_invoice_issued(engine):
    rows = report(engine, "invoices", as_of=date(2024, 7, 31), month=date(2024, 7, 1))
    assert pick(rows, *INVOICE_FIELDS) == [
        ("25", "2024-07", 2, 0, "2040.00", "0.00", 2, "2040.00", "0.00", "0.00"),
        ("45", "2024-07", 1, 0, None, "0.00", 1, None, "0.00", "0.00"),
    ]


RECON_FIELDS = (
    "county_code", "fiscal_year", "user_months", "pupm_billed", "actual_claims_cost",
    "variance", "variance_pct", "indicated_pupm", "federal_match",
)  # fmt: skip


def test_reconciliation(engine):
    assert pick(report(engine, "reconciliation"), *RECON_FIELDS) == [
        ("25", 2024, 1, "500.00", "100.00", "400.00", 400.0, "100.00", "90.00"),
        # 200 + 75 - 70 (mismatched reversal) - 10 (reversal without original) = 195;
        # 845 / 195 = 433.333...%; federal 0.9 x 195 = 175.50
        ("25", 2025, 1, "1040.00", "195.00", "845.00", 433.33, "195.00", "175.50"),
        ("45", 2025, 1, "450.00", "300.00", "150.00", 50.0, "300.00", "150.00"),
        ("48", 2024, 1, "0.00", "120.00", "-120.00", -100.0, "120.00", "60.00"),
    ]


def test_reconciliation_filters(engine):
    rows = report(engine, "reconciliation", county="25", fiscal_year=2025)
    assert pick(rows, "county_code", "fiscal_year") == [("25", 2025)]


ADEQUACY_FIELDS = (
    "county_code", "level_of_care", "max_miles", "members", "members_within", "pct_within",
    "members_not_located", "referrals", "referrals_timely", "referrals_pending", "pct_timely",
)  # fmt: skip


def test_adequacy(engine):
    rows = {(r["county_code"], r["level_of_care"]): r for r in report(engine, "adequacy")}
    assert len(rows) == 21
    got = [
        tuple(rows[k][f] for f in ADEQUACY_FIELDS)
        for k in sorted(rows)
        if k[0] in ("25", "45", "48")
    ]
    assert got == [
        # Modoc: A at the site, E 59.995 mi (in), F 60.009 mi (out), D not located.
        ("25", "1.0", 60, 4, 2, 50.0, 1, 1, 0, 0, 0.0),
        ("25", "2.1", 60, 4, 0, 0.0, 1, 0, 0, 0, None),
        # R1 timely (3 business days Fri->Wed), R2 untimely (4 from a Saturday).
        ("25", "OTP", 60, 4, 0, 0.0, 1, 2, 1, 0, 50.0),
        # Redding outpatient's contract ends on July 31: still active that day.
        ("45", "1.0", 60, 1, 1, 100.0, 0, 1, 0, 0, 0.0),
        ("45", "2.1", 60, 1, 0, 0.0, 0, 0, 0, 0, None),
        # Redding OTP's credential lapsed on July 30.
        ("45", "OTP", 60, 1, 0, 0.0, 0, 0, 0, 0, None),
        ("48", "1.0", 30, 1, 1, 100.0, 0, 1, 1, 0, 100.0),
        ("48", "2.1", 30, 1, 1, 100.0, 0, 0, 0, 0, None),
        ("48", "OTP", 30, 1, 1, 100.0, 0, 0, 0, 0, None),
    ]
    assert rows[("12", "1.0")]["members"] == 0
    assert rows[("12", "1.0")]["pct_within"] is None


def test_timely_access_pending_until_standard_passes(engine):
    def modoc_outpatient(as_of):
        rows = report(engine, "adequacy", as_of=as_of, county="25", month=date(2024, 7, 1))
        row = next(r for r in rows if r["level_of_care"] == "1.0")
        return (
            row["referrals"],
            row["referrals_timely"],
            row["referrals_pending"],
            row["pct_timely"],
        )

    # Mon Jul 29 -> Fri Aug 9: 9 business days, fewer than 10: pending.
    assert modoc_outpatient(date(2024, 8, 9)) == (1, 0, 1, None)
    # Mon Aug 12: exactly 10 business days and no offer: untimely.
    assert modoc_outpatient(date(2024, 8, 12)) == (1, 0, 0, 0.0)


def test_exceptions(engine):
    counts = {r["check"]: (r["severity"], r["count"]) for r in report(engine, "exceptions")}
    assert {k: v[1] for k, v in counts.items()} == {
        "unattributed_services": 1,  # C7
        "duplicate_claim_line": 1,  # C2 twice
        "reversal_without_original": 1,  # R9
        "reversal_amount_mismatch": 1,  # R4
        "paid_line_negative_amount": 0,
        "unknown_provider": 1,  # C6
        "unknown_level_of_care": 1,  # C8
        "missing_rate": 1,  # Shasta FY2024-25
        "month_not_invoiced": 1,  # Shasta July: a supplemental only
        "invoice_arithmetic": 1,  # I-45-07-S1 total
        "expiring_credentials": 1,  # Alturas: expires exactly as-of + 60
        "zip_not_located": 1,  # D
        "lapsed_credential_open_contract": 1,  # Redding OTP: lapsed Jul 30, contract open
    }
    assert counts["missing_rate"][0] == "blocking"


def test_exceptions_as_of_earlier(engine):
    counts = {r["check"]: r["count"] for r in report(engine, "exceptions", as_of=date(2024, 7, 31))}
    # Before Aug: no reversals, no late claim, no invoice for July yet.
    assert counts["reversal_without_original"] == 0
    assert counts["reversal_amount_mismatch"] == 0
    assert counts["unknown_level_of_care"] == 0
    assert counts["invoice_arithmetic"] == 0
    # Jul 31 + 60 = Sep 29: Alturas (Nov 14) not yet expiring.
    assert counts["expiring_credentials"] == 0


def test_arithmetic_rounds_half_up_exactly(engine):
    row = engine.run_sql(
        "SELECT from_cents(div_half_up(10001, 2)) AS a, from_cents(div_half_up(-10001, 2)) AS b,"
        " pct(1, 3) AS c, pct(2, 3) AS d, pct(1, 0) AS e,"
        " business_days(DATE '2024-07-05', DATE '2024-07-08') AS fri_mon,"
        " business_days(DATE '2024-07-06', DATE '2024-07-08') AS sat_mon,"
        " business_days(DATE '2024-07-08', DATE '2024-07-08') AS same_day"
    ).row(0, named=True)
    assert str(row["a"]) == "50.01" and str(row["b"]) == "-50.01"
    assert (row["c"], row["d"], row["e"]) == (33.33, 66.67, None)
    assert (row["fri_mon"], row["sat_mon"], row["same_day"]) == (1, 1, 0)


def run_cli(*args):
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "160"})


def test_report_json_shape(data_dir):
    result = run_cli("report", "invoices", "--data", str(data_dir), "--format", "json",
                     "--county", "48")  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows[0] == {
        **rows[0],
        "county_code": "48",
        "month": "2024-06",
        "computed_users": 1,
        "billed_users": 0,
        "expected_total": "2400.00",
        "billed_total": "2000.00",
        "drift_users": 1,
        "drift_amount": "400.00",
        "paid": "1000.00",
        "outstanding": "1000.00",
    }


def test_report_json_reconciliation_and_county_by_name(data_dir):
    result = run_cli("report", "reconciliation", "--data", str(data_dir), "--format", "json",
                     "--county", "modoc", "--fiscal-year", "2025")  # fmt: skip
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert row["variance_pct"] == 433.33
    assert row["indicated_pupm"] == "195.00"
    assert row["fiscal_year"] == 2025


def test_report_table_and_csv(data_dir):
    table = run_cli("report", "invoices", "--data", str(data_dir))
    assert table.exit_code == 0
    assert "$2,040.00" in table.stdout
    csv_out = run_cli("report", "users", "--data", str(data_dir), "--format", "csv")
    assert csv_out.stdout.splitlines()[:2] == [
        "county_code,month,users,fiscal_year,plan_member_users,non_plan_users",
        "25,2024-06,1,2024,1,0",
    ]


@pytest.mark.parametrize(
    "args, message",
    [
        (("--month", "2024-13"), "not a month"),
        (("--as-of", "yesterday"), "not a date"),
        (("--county", "Alameda"), "not a WRP county"),
        (("--fiscal-year", "24"), "not a fiscal year"),
    ],
)
def test_report_bad_options_are_explained(data_dir, args, message):
    result = run_cli("report", "users", "--data", str(data_dir), *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_exception_lines_name_the_offending_rows(engine):
    lines = engine.run("exception_lines", as_of=date(2024, 9, 15), month=date(2024, 7, 1))
    found = {(r["check"], r["reference"]) for r in lines.iter_rows(named=True)}
    assert found == {
        ("unattributed_services", "C7/1"),
        ("duplicate_claim_line", "C2/1"),
        ("reversal_without_original", "R9/1"),
        ("reversal_amount_mismatch", "R4/1"),
        ("unknown_provider", "C6/1"),
        ("unknown_level_of_care", "C8/1"),
        ("missing_rate", "FY2024-25"),
        ("month_not_invoiced", None),
        ("invoice_arithmetic", "I-45-07-S1"),
        ("expiring_credentials", "1000000001"),
        ("zip_not_located", "99999"),
        ("lapsed_credential_open_contract", "1000000003"),
    }
    arithmetic = engine.run(
        "exception_lines", as_of=date(2024, 9, 15), month=date(2024, 7, 1),
        check="invoice_arithmetic",
    )  # fmt: skip
    assert arithmetic["note"].to_list() == ["total_amount 400.00 but 450.00 + 0.00 = 450.00"]
