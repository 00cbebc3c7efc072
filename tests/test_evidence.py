"""The evidence pack on the rules fixture (closing 2024-07 as of 2024-09-15):
reproducible, self-checking with the stdlib alone, masked unless revealed
(audited), suppressed in its public form."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from queries.notes import NotesStore
from queries.signoff import check_subject
from tests.rules_fixture import build_rules_extracts
from wrp_tui import cli

JULY = date(2024, 7, 1)
CIN = re.compile(r"\b\d{8}[A-Z]\b")
SCREENS = {"overview", "invoices", "reconciliation", "close"}


def run_cli(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env={"COLUMNS": "200"} | (env or {}))


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    return build_rules_extracts(tmp_path_factory.mktemp("evidence") / "rules")


@pytest.fixture(scope="module")
def store(tmp_path_factory, rules):
    path = tmp_path_factory.mktemp("evidence-store") / "notes.sqlite"
    notes = NotesStore(path)
    notes.add_note(check_subject("missing_rate", JULY), "accepted",
                   "Shasta FY25 rate letter signed; loads next extract", author="ana")  # fmt: skip
    signed = run_cli("signoff", "--month", "2024-07", "--data", rules, "--store", path)
    assert signed.exit_code == 0, signed.output
    return path


@pytest.fixture(scope="module")
def two_packs(tmp_path_factory, rules, store):
    folder = tmp_path_factory.mktemp("packs")
    for name in ("first", "second"):
        result = run_cli("evidence", "--month", "2024-07", "--data", rules, "--store", store,
                         folder / name)  # fmt: skip
        assert result.exit_code == 0, result.output
    return folder / "first", folder / "second"


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_running_twice_gives_the_same_files_but_the_timestamp(two_packs):
    first, second = (files_of(f) for f in two_packs)
    assert first.keys() == second.keys()
    differ = {name for name in first if first[name] != second[name]}
    assert differ <= {"generated_at.txt"}
    with zipfile.ZipFile(f"{two_packs[0]}.zip") as a, zipfile.ZipFile(f"{two_packs[1]}.zip") as b:
        names = a.namelist()
        assert names == sorted(names) and all(n.startswith("first/") for n in names)
        assert {i.date_time for i in a.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        for entry in names:
            if not entry.endswith("generated_at.txt"):
                assert a.read(entry) == b.read(entry.replace("first/", "second/", 1))


def test_the_zip_checks_itself_with_the_stdlib_alone(two_packs):
    with zipfile.ZipFile(f"{two_packs[0]}.zip") as pack:
        content = {n.removeprefix("first/"): pack.read(n) for n in pack.namelist()}
    listed = {}
    for row in content["SHA256SUMS"].decode().splitlines():
        digest, name = row.split("  ", 1)
        listed[name] = digest
    assert set(listed) == set(content) - {"SHA256SUMS", "generated_at.txt"}
    for name, digest in listed.items():
        assert hashlib.sha256(content[name]).hexdigest() == digest, name
    for name in ("reports/invoices.csv", "reports/invoices.json", "sql/invoices.sql",
                 "sql/parameters.json", "close/checklist.csv", "close/notes.json",
                 "close/signoff.json", "extracts/manifest.csv", "tool.json", "pack.json"):
        assert name in content, name  # fmt: skip
    assert {n.removeprefix("screens/").removesuffix(".svg")
            for n in content if n.startswith("screens/")} == SCREENS  # fmt: skip
    assert all(content[f"screens/{s}.svg"].startswith(b"<svg") for s in SCREENS)


def test_the_pack_holds_what_the_cli_reports_and_the_close(two_packs, rules):
    pack = two_packs[0]
    report = run_cli("report", "invoices", "--data", rules, "--fiscal-year", "2025",
                     "--as-of", "2024-09-15", "--format", "json")  # fmt: skip
    assert json.loads((pack / "reports/invoices.json").read_text()) == json.loads(report.output)
    exceptions = run_cli("report", "exceptions", "--data", rules, "--month", "2024-07",
                         "--format", "csv")  # fmt: skip
    assert (pack / "reports/exceptions.csv").read_text() == exceptions.output
    sql = (pack / "sql/invoices.sql").read_text()
    assert "--   $as_of = 2024-09-15" in sql and "--   $fiscal_year = 2025" in sql
    assert "FROM invoice_drift(CAST($as_of AS DATE))" in sql

    checklist = {r["check"]: r for r in json.loads((pack / "close/checklist.json").read_text())}
    assert checklist["missing_rate"]["count"] == 1
    readiness = json.loads((pack / "close/readiness.json").read_text())
    readiness = {r["county_code"]: r for r in readiness}
    assert (readiness["48"]["verdict"], readiness["48"]["expected_total"]) == ("ready", "2000.00")
    assert checklist["missing_rate"]["note_status"] == "accepted"
    assert checklist["missing_rate"]["note"].startswith("Shasta FY25 rate letter")
    signed = json.loads((pack / "close/signoff.json").read_text())
    assert signed["signed_off"] and signed["changed_since"] is False
    assert signed["sign_off"]["as_of"] == "2024-09-15"

    manifest = (pack / "extracts/manifest.csv").read_text().splitlines()
    assert manifest[0] == "name,size,sha256"
    claims = next(r for r in manifest if r.startswith("claims.parquet,")).split(",")
    data = (rules / "claims.parquet").read_bytes()
    assert claims == ["claims.parquet", str(len(data)), hashlib.sha256(data).hexdigest()]
    assert json.loads((pack / "tool.json").read_text())["wrp-tui"] == "0.1.0"

    # member IDs masked everywhere; the rows behind the checks keep a masked one
    assert not any(CIN.search(c.decode("utf-8", "replace")) for c in files_of(pack).values())
    assert "1•••••03C" in (pack / "close/check_rows.csv").read_text()


def test_reveal_is_audited_first_and_public_is_suppressed(rules, store, tmp_path):
    (tmp_path / "no-such").mkdir()
    (tmp_path / "no-such" / "x").write_text("a file where a folder should be")
    refused = run_cli("evidence", "--month", "2024-07", "--data", rules, "--store", store,
                      "--reveal-phi", "--audit-log", tmp_path / "no-such" / "x" / "audit.log",
                      tmp_path / "refused")  # fmt: skip
    assert refused.exit_code == 1 and "Not revealed" in refused.output
    assert not (tmp_path / "refused").exists()  # no record, no pack

    public = run_cli("evidence", "--month", "2024-07", "--data", rules, "--store", store,
                     "--public", tmp_path / "public")  # fmt: skip
    assert public.exit_code == 0, public.output
    pack = tmp_path / "public"
    described = json.loads((pack / "pack.json").read_text())
    assert described["form"].startswith("public")
    assert {"supplementals", "late-changes", "projection", "claims-lag", "screens",
            "close/check_rows"} <= set(described["left_out"])  # fmt: skip
    assert not (pack / "screens").exists() and not (pack / "close/check_rows.csv").exists()
    assert not (pack / "close/readiness.csv").exists()  # users per county: no policy
    users = json.loads((pack / "reports/users.json").read_text())
    assert users and all(r["users"] is None or r["users"] == 0 or r["users"] > 10 for r in users)
    checklist = json.loads((pack / "close/checklist.json").read_text())
    assert all(r["note"] is None for r in checklist)  # free text stays inside the team

    again = run_cli("evidence", "--month", "2024-07", "--data", rules, "--public",
                    tmp_path / "public")  # fmt: skip
    assert again.exit_code == 2 and "--overwrite" in again.output
    inside = run_cli("evidence", "--month", "2024-07", "--data", rules, "--public",
                     rules / "pack")  # fmt: skip
    assert inside.exit_code == 2 and "never written to" in inside.output


def test_a_revealed_pack_is_recorded_in_the_audit_log(rules, store, tmp_path):
    log = tmp_path / "audit.log"
    result = run_cli("evidence", "--month", "2024-07", "--data", rules, "--store", store,
                     "--reveal-phi", "--audit-log", log, tmp_path / "revealed")  # fmt: skip
    assert result.exit_code == 0, result.output
    (entry,) = [json.loads(line) for line in log.read_text().splitlines()]
    assert entry["action"] == "evidence --reveal-phi" and "month=2024-07" in entry["scope"]
    assert "10000003C" in (tmp_path / "revealed/close/check_rows.csv").read_text()
    assert json.loads((tmp_path / "revealed/pack.json").read_text())["member_ids"].startswith(
        "revealed"
    )
