"""Trust: member identity, disclosure audit, small-cell suppression, resources."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from queries.engine import DataError, Engine, Settings
from queries.reports import REPORTS, Filters, run_report
from tests.rules_fixture import build_rules_extracts
from wrp_tui import DEMO_DATA, cli

CIN = re.compile(r"\b\d{8}[A-Z]\b")


def run_cli(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], env={"COLUMNS": "200"})


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return build_rules_extracts(tmp_path_factory.mktemp("trust"))


# -- no full CIN anywhere without --reveal-phi ---------------------------------
CHECKS = [
    "unattributed_services", "duplicate_claim_line", "reversal_without_original",
    "reversal_amount_mismatch", "paid_line_negative_amount", "unknown_provider",
    "unknown_level_of_care", "zip_not_located",
]  # fmt: skip


def every_output(data: Path):
    for name in REPORTS:
        for fmt in ("table", "csv", "json"):
            yield ("report", name, "--data", data, "--format", fmt)
    yield ("close", "--data", data)
    for check in CHECKS:
        yield ("close", "--data", data, "--show", check)
    for table in ("eligibility", "claims", "referrals"):
        yield ("sql", f"SELECT * FROM {table}", "--data", data, "--format", "csv")
    yield ("sql", "SELECT * FROM services($as_of)", "--data", data, "--limit", "1000")
    yield ("sql", "SELECT CAST(member_id AS INTEGER) FROM claims", "--data", data)  # error text
    yield ("check", data)


@pytest.mark.parametrize("data", ["fixture", "demo"])
def test_no_command_prints_a_full_cin(data, data_dir):
    folder = data_dir if data == "fixture" else DEMO_DATA
    for args in every_output(folder):
        result = run_cli(*args)
        assert result.exception is None or isinstance(result.exception, SystemExit), args
        assert not CIN.search(result.output), (args, CIN.search(result.output))


def test_data_error_masks_cins():
    error = DataError("Query failed", "Could not convert string '91234567A' to INT32")
    assert "91234567A" not in str(error)
    assert "9•••••67A" in error.message


# -- revealing writes exactly one audit record per action -----------------------
def test_reveal_phi_writes_one_audit_record(data_dir, tmp_path):
    log = tmp_path / "audit.log"
    query = "SELECT member_id FROM eligibility WHERE member_id = '10000001A'"
    result = run_cli("sql", query, "--data", data_dir, "--reveal-phi", "--audit-log", log)
    assert result.exit_code == 0, result.output
    assert "10000001A" in result.stdout
    (record,) = [json.loads(line) for line in log.read_text().splitlines()]
    assert set(record) == {"time", "user", "action", "scope", "statement"}
    assert record["action"] == "sql --reveal-phi"
    # The record of a reveal says what was revealed: the statement as typed;
    # the scope holds no PHI.
    assert record["statement"] == query
    assert "10000001A" not in record["scope"]
    run_cli("close", "--data", data_dir, "--show", "zip_not_located", "--reveal-phi",
            "--audit-log", log)  # fmt: skip
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["action"] for r in records] == ["sql --reveal-phi", "close --show --reveal-phi"]
    assert log.stat().st_mode & 0o777 == 0o600


def test_no_audit_record_no_disclosure(data_dir, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")
    log = blocked / "audit.log"  # a file where a folder should be: cannot be written
    result = run_cli("sql", "SELECT member_id FROM eligibility", "--data", data_dir,
                     "--reveal-phi", "--audit-log", log)  # fmt: skip
    assert result.exit_code == 1
    assert "Not revealed" in result.output
    assert not CIN.search(result.output)


# -- --public passes an independent suppression checker -------------------------
# What each report's public form must protect, written here independently of
# queries/suppression.py: counts, the figures derived from them, parts of a
# shown whole, and the lines whose totals can be formed.
PROTECT = {
    "users": dict(
        counts=["users", "plan_member_users", "non_plan_users"],
        derived={},
        parts=[("plan_member_users", "users"), ("non_plan_users", "users")],
        lines=[("month",), ("county_code", "fiscal_year")],
    ),
    "invoices": dict(
        counts=["computed_users", "billed_users"],
        derived={"computed_users": ["expected_total", "drift_users", "drift_amount"],
                 "billed_users": ["billed_total", "paid", "outstanding", "drift_amount"]},
        parts=[],
        lines=[("month",)],
    ),
    "reconciliation": dict(
        counts=["user_months"],
        derived={"user_months": ["pupm_billed", "actual_claims_cost", "variance",
                                 "variance_pct", "indicated_pupm"]},
        parts=[],
        lines=[("fiscal_year",)],
    ),
    "adequacy": dict(
        counts=["members", "members_within", "members_not_located", "referrals",
                "referrals_timely", "referrals_pending"],
        derived={"members_within": ["pct_within"], "referrals_timely": ["pct_timely"]},
        parts=[("members_within", "members"), ("referrals_timely", "referrals")],
        lines=[("level_of_care",)],
    ),
}  # fmt: skip


def check_suppression(rows, counts, derived, parts, lines):
    for row in rows:
        for column in counts:
            assert row[column] is None or not 1 <= row[column] <= 10, (column, row)
        for column, targets in derived.items():
            if row[column] is None:
                assert all(row[t] is None for t in targets), (column, row)
        for part, whole in parts:
            if row[part] is not None and row[whole] is not None:
                assert not 1 <= row[whole] - row[part] <= 10, (part, whole, row)
    for column in counts:
        for key in lines:
            groups: dict[tuple, list] = {}
            for row in rows:
                groups.setdefault(tuple(row[k] for k in key), []).append(row)
            for group in groups.values():
                hidden = sum(r[column] is None for r in group)
                assert hidden != 1 or len(group) == 1, (column, key, group)


@pytest.mark.parametrize("name", sorted(PROTECT))
def test_public_reports_pass_the_suppression_checker(name):
    result = run_cli("report", name, "--public", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    check_suppression(rows, **PROTECT[name])
    assert any(r["suppressed"] for r in rows)  # the demo has small cells to hide
    assert any(not r["suppressed"] for r in rows)  # and figures that can be shown


def test_public_report_without_policy_is_refused():
    result = run_cli("report", "claims-lag", "--public")
    assert result.exit_code == 2
    assert "no suppression policy" in result.output


# -- resources -------------------------------------------------------------------
def test_out_of_memory_is_a_message_not_a_crash(data_dir):
    with pytest.raises(DataError) as caught:  # on opening, or at the first question
        engine = Engine(Settings(DEMO_DATA, memory_limit="1MB", use_cache=False))
        run_report(engine, "users", Filters())
    assert caught.value.title == "Out of memory"
    result = run_cli("report", "users", "--memory-limit", "1MB")
    assert result.exit_code == 1
    assert "Out of memory" in result.output and "--memory-limit" in result.output
    assert "Traceback" not in result.output
