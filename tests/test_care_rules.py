"""Care transitions, access, penetration and the lapsed-credential check
(contract v1.1) on the hand-built fixture of care_fixture.py.

Expected figures are worked out by hand from the fixture's stories.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from queries.engine import Engine, Settings
from queries.reports import REPORTS, Filters, records, run_report
from tests.care_fixture import S5, S7, build_care_extracts
from wrp_tui import cli


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return build_care_extracts(tmp_path_factory.mktemp("care"))


@pytest.fixture(scope="module", params=[True, False], ids=["cached", "on-the-fly"])
def engine(data_dir, request):
    engine = Engine(Settings(data_dir, use_cache=request.param))
    yield engine
    engine.close()


def report(engine, name, **filters):
    return records(run_report(engine, name, Filters(**filters)))


def pick(rows, name):
    return [tuple(row[f] for f in REPORTS[name].fields) for row in rows]


def test_as_of_is_the_latest_paid_date(engine):
    assert engine.default_as_of() == date(2025, 3, 31)


def test_care_transitions(engine):
    assert pick(report(engine, "care"), "care") == [
        # S1 stays end Jan 3 and Jan 5 (a 2-day gap splits them; 1-day steps
        # across 3.1 and 3.3 do not); outpatient Jan 12 is day 7 after Jan 5
        # and day 9 after Jan 3; S2's follow-up is on day 8.
        ("25", "2025-01", 3, 3, 1, 33.33, 3, 3, 100.0, 0, 0, 0, None),
        # S3 followed up on day 30, S4 on day 31 (its day-7 one reversed).
        ("25", "2025-02", 2, 2, 0, 0.0, 2, 1, 50.0, 0, 0, 0, None),
        # S5 (Mar 28) not yet eligible; S6 followed up on day 7; S7 not.
        ("25", "2025-03", 3, 2, 1, 50.0, 0, 0, None, 0, 0, 0, None),
        # W1's episodes ending Jan 2 and Jan 4, readmitted at end + 2 and + 30.
        ("48", "2025-01", 0, 0, 0, None, 0, 0, None, 2, 2, 2, 100.0),
        # The mover's stay ends Feb 1 in Solano; W1's Feb 3 episode, next at + 31.
        ("48", "2025-02", 1, 1, 1, 100.0, 1, 1, 100.0, 1, 1, 0, 0.0),
        ("48", "2025-03", 0, 0, 0, None, 0, 0, None, 1, 0, 0, None),
    ]


def test_care_as_of_earlier(engine):
    # On Jan 31 no 30-day window has closed and the mover's January days
    # (paid Feb 1 and 2) are not known yet.
    assert pick(report(engine, "care", as_of=date(2025, 1, 31)), "care") == [
        ("25", "2025-01", 3, 3, 1, 33.33, 0, 0, None, 0, 0, 0, None),
        ("48", "2025-01", 0, 0, 0, None, 0, 0, None, 2, 0, 0, None),
    ]


def test_care_filters(engine):
    rows = report(engine, "care", county="48", month=date(2025, 2, 1))
    assert [(r["county_code"], r["month"]) for r in rows] == [("48", "2025-02")]
    assert report(engine, "care", fiscal_year=2024) == []


def test_access(engine):
    assert pick(report(engine, "access"), "access") == [
        ("25", "2025-01", 4, 3, 2.0, 3, 2, 14.0),
        ("25", "2025-02", 5, 4, 1.5, 2, 2, 3.5),
        ("48", "2025-03", 1, 1, 0.0, 1, 1, 2.0),
    ]


def test_access_as_of_earlier(engine):
    # On Feb 5: A5 and A6 are requested; A6's offer (Feb 6) is not yet made.
    rows = report(engine, "access", as_of=date(2025, 2, 5), month=date(2025, 2, 1))
    assert pick(rows, "access") == [("25", "2025-02", 2, 1, 0.0, 1, 1, 1.0)]


def test_penetration(engine):
    assert pick(report(engine, "penetration"), "penetration") == [
        ("25", 2024, 2, 1, 50.0),  # one of last year's two members: reversed
        ("25", 2025, 9, 8, 88.89),  # the mover counts in Modoc and in Solano
        ("48", 2025, 2, 2, 100.0),
    ]


def test_penetration_has_no_as_of_cut_on_eligibility(engine):
    rows = report(engine, "penetration", as_of=date(2024, 6, 30))
    assert pick(rows, "penetration") == [
        ("25", 2024, 2, 2, 100.0),  # the reversal (Jul 1) not yet known
        ("25", 2025, 9, 0, 0.0),
        ("48", 2025, 2, 0, 0.0),
    ]
    assert pick(report(engine, "penetration", county="48", fiscal_year=2025), "penetration") == [
        ("48", 2025, 2, 2, 100.0)
    ]


def test_lapsed_credential_open_contract(engine):
    rows = {r["check"]: r for r in report(engine, "exceptions")}
    assert rows["lapsed_credential_open_contract"]["count"] == 2
    assert rows["lapsed_credential_open_contract"]["severity"] == "warning"
    lines = engine.run(
        "exception_lines", as_of=date(2025, 3, 31), month=date(2025, 3, 1),
        check="lapsed_credential_open_contract",
    )  # fmt: skip
    assert lines["reference"].to_list() == ["2000000001", "2000000004"]
    lapsed = engine.run("lapsed_credentials", as_of=date(2025, 3, 31))
    assert lapsed.select("provider_id", "days_lapsed").rows() == [
        ("2000000004", 89),  # expired Jan 1, contract ends today
        ("2000000001", 1),
    ]
    # A day earlier the first site's credential was still good, and the
    # contract ending Mar 30 was still open.
    earlier = engine.run(
        "exception_lines", as_of=date(2025, 3, 30), month=date(2025, 3, 1),
        check="lapsed_credential_open_contract",
    )  # fmt: skip
    assert earlier["reference"].to_list() == ["2000000003", "2000000004"]


def test_worklist(engine):
    assert engine.run("care_worklist", as_of=date(2025, 3, 31))["member_id"].to_list() == [S5]
    on_30th = engine.run("care_worklist", as_of=date(2025, 3, 30))
    assert on_30th.select("member_id", "discharged", "days_since_discharge").rows() == [
        (S7, date(2025, 3, 24), 6),
        (S5, date(2025, 3, 28), 2),
    ]


def test_reports_json_form(data_dir):
    result = CliRunner().invoke(
        cli, ["report", "access", "--data", str(data_dir), "--format", "json", "--county",
              "Modoc", "--month", "2025-02"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert row == {
        **row, "county_code": "25", "month": "2025-02", "referrals": 5, "offered": 4,
        "median_business_days_to_offer": 1.5, "served": 2, "served_within_14": 2,
        "median_days_to_service": 3.5,
    }  # fmt: skip
    for name in ("care", "penetration"):
        result = CliRunner().invoke(cli, ["report", name, "--data", str(data_dir), "-f", "json"])
        assert result.exit_code == 0, result.output
        assert set(REPORTS[name].fields) <= set(json.loads(result.stdout)[0])


@pytest.mark.parametrize("as_of", [None, date(2025, 1, 31), date(2025, 3, 30)])
@pytest.mark.parametrize("name", ["care", "access", "penetration", "exceptions"])
def test_independent_oracle_agrees(data_dir, engine, name, as_of):
    from tests import oracle

    theirs = getattr(oracle, name)(data_dir, as_of=as_of)
    ours = report(engine, name, as_of=as_of)
    if name == "exceptions":  # the oracle leaves severity and detail to the project
        theirs = [(r["check"], r["count"]) for r in theirs]
        ours = [(r["check"], r["count"]) for r in ours]
    else:
        ours = [{k: r[k] for k in REPORTS[name].fields} for r in ours]
    assert ours == theirs


def test_close_checklist_lists_the_lapsed_credentials(data_dir):
    result = CliRunner().invoke(cli, ["close", "--data", str(data_dir)], env={"COLUMNS": "160"})
    assert "Traceback" not in result.output
    (row,) = [ln for ln in result.stdout.splitlines() if "lapsed_credential_open_contract" in ln]
    assert " 2 " in row
    shown = CliRunner().invoke(
        cli, ["close", "--data", str(data_dir), "--show", "lapsed_credential_open_contract"],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    assert "Lapsed yesterday: credential expired 2025-03-30, contract still open" in shown.stdout


def test_narrowed_care_rules_agree_with_the_whole_on_the_demo():
    """The pane's narrowed questions (one county, one fiscal year or month)
    give exactly the rows of the whole answer."""
    from wrp_tui import DEMO_DATA

    demo = Engine(Settings(DEMO_DATA))
    as_of = demo.default_as_of()
    whole = demo.run_sql(
        "SELECT * FROM county_month_care($as_of) ORDER BY ALL", {"as_of": as_of}
    )  # fmt: skip
    narrowed = demo.run_sql(
        """SELECT n.* FROM ref_counties c, range(2024, 2028) y(fy),
                  county_month_care($as_of, county := c.county_code,
                                    first_day := make_date(CAST(y.fy AS INTEGER) - 1, 7, 1),
                                    last_day := make_date(CAST(y.fy AS INTEGER), 6, 30)) n
           ORDER BY ALL""",
        {"as_of": as_of},
    )
    assert whole.height > 50
    assert narrowed.equals(whole)
