"""Signing off a month from the command line on the rules fixture (as of
2024-09-15, closing 2024-07; missing_rate blocks: Shasta has no FY2024-25
rate), and what `close` says when a later extract moves a signed-off figure."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from typer.testing import CliRunner

from queries.engine import Engine, Settings
from queries.notes import NotesStore
from queries.signoff import changes, close_snapshot, extract_version_of
from tests.rules_fixture import CLAIMS, P_SOL, G, build_rules_extracts, line
from wrp_tui import cli

AS_OF, JULY = date(2024, 9, 15), date(2024, 7, 1)
CIN = re.compile(r"\b\d{8}[A-Z]\b")
# G (Solano, eligible in July) gets a July service paid on Sep 1: Solano's July
# users go 0 -> 1 and its expected 0 x 410 + 2,000 -> 1 x 410 + 2,000, and the
# month, with users and no ORIGINAL invoice, joins month_not_invoiced (1 -> 2).
LATE_SOLANO = line("C10", G, P_SOL, date(2024, 7, 12), date(2024, 9, 1), "60.00")


def run_cli(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], env={"COLUMNS": "200"})


@pytest.fixture
def rules(tmp_path):
    return build_rules_extracts(tmp_path / "rules")


def test_the_snapshot_holds_counts_verdicts_and_money_never_a_member_id(rules):
    engine = Engine(Settings(rules))
    try:
        snapshot = close_snapshot(engine, JULY, AS_OF)
        version = extract_version_of(engine)
    finally:
        engine.close()
    checks = {c["check"]: c for c in snapshot["checks"]}
    assert checks["missing_rate"] == {"check": "missing_rate", "severity": "blocking", "count": 1}
    assert checks["unattributed_services"]["count"] == 1  # C's July line
    counties = {c["county_code"]: c for c in snapshot["counties"]}
    assert counties["48"] == {"county_code": "48", "verdict": "ready",
                              "reason": "rate and users known; no blocking check open", "users": 0,
                              "expected_total": "2000.00", "billed_total": "0.00"}  # fmt: skip
    assert counties["25"]["verdict"] == "invoiced" and counties["45"]["verdict"] == "blocked"
    assert snapshot["blocking_open"] == 1
    assert not CIN.search(json.dumps(snapshot))
    assert len(version) == 20 and changes(snapshot, snapshot) == []


def test_sign_off_waits_for_a_note_on_each_blocking_check(rules, tmp_path):
    store = tmp_path / "notes.sqlite"
    refused = run_cli("signoff", "--month", "2024-07", "--data", rules, "--store", store)
    assert refused.exit_code == 1
    assert "Not signed off" in refused.output and "missing_rate" in refused.output

    opened = run_cli("note", "add", "--check", "missing_rate", "--month", "2024-07",
                     "Shasta FY25 rate letter not loaded", "--store", store)  # fmt: skip
    assert opened.exit_code == 0, opened.output
    still = run_cli("signoff", "--month", "2024-07", "--data", rules, "--store", store)
    assert still.exit_code == 1  # an open note does not settle a blocking check

    accepted = run_cli("note", "add", "--check", "missing_rate", "--month", "2024-07",
                       "--status", "accepted", "Rate letter signed; loads next extract",
                       "--store", store)  # fmt: skip
    assert accepted.exit_code == 0
    signed = run_cli("signoff", "--month", "2024-07", "--data", rules, "--store", store)
    assert signed.exit_code == 0, signed.output
    assert "Signed off 2024-07 as of 2024-09-15" in signed.output

    listed = run_cli("note", "list", "--month", "2024-07", "--format", "json", "--store", store)
    (current,) = json.loads(listed.output)
    assert (current["status"], current["text"]) == ("accepted",
                                                    "Rate letter signed; loads next extract")
    history = run_cli("note", "list", "--history", "--format", "json", "--store", store)
    assert [n["status"] for n in json.loads(history.output)] == ["open", "accepted"]

    closed = run_cli("close", "--data", rules, "--month", "2024-07", "--store", store)
    assert "Rate letter signed" in closed.output
    assert "the extracts are unchanged since" in closed.output
    (signoff,) = NotesStore(store).sign_offs(JULY)
    assert signoff.snapshot["notes"][0]["status"] == "accepted"

    # a later extract adds a July service: close names each figure that moved
    build_rules_extracts(rules, claims=[*CLAIMS, LATE_SOLANO])
    moved = run_cli("close", "--data", rules, "--month", "2024-07", "--store", store)
    assert "CHANGED SINCE" in moved.output
    assert "moved: 48 users: 0 → 1" in moved.output
    assert "moved: 48 expected_total: 2000.00 → 2410.00" in moved.output
    # Solano's July now has a user and no ORIGINAL invoice; the rest stood still
    assert "moved: check month_not_invoiced: 1 → 2" in moved.output
    assert moved.output.count("moved:") == 3
    # asked at another as-of, the comparison is still at the signed as-of
    later = run_cli("close", "--data", rules, "--month", "2024-07", "--as-of", "2024-09-30",
                    "--store", store)  # fmt: skip
    assert later.output.count("moved:") == moved.output.count("moved:")


def test_note_subjects_and_a_store_that_cannot_be_read(rules, tmp_path):
    store = tmp_path / "notes.sqlite"
    for args, message in (
        (("--check", "nonsense"), "Unknown check"),
        (("--county", "Modoc"), "What is the note on?"),
        (("--check", "missing_rate", "--county", "25"), "One subject"),
        (("--county", "Atlantis", "--month", "2024-07"), "not a WRP county"),
    ):
        result = run_cli("note", "add", *args, "text", "--store", store)
        assert result.exit_code == 2 and message in result.output, result.output
    recon = run_cli("note", "add", "--county", "Modoc", "--fiscal-year", "2025", "--status",
                    "explained", "Rate rise mid-year", "--store", store)  # fmt: skip
    assert "Noted on county 25 FY2024-25: explained" in recon.output

    store.write_bytes(b"garbage" * 200)
    listed = run_cli("note", "list", "--store", store)
    assert listed.exit_code == 1 and "Notes store unreadable" in listed.output
    closed = run_cli("close", "--data", rules, "--month", "2024-07", "--store", store)
    assert closed.exit_code == 1  # the blocking check, as before: the checklist still prints
    assert "missing_rate" in closed.output and "notes and sign-off not shown" in closed.output
