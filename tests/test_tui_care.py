"""Pane 8 (care transitions and access) driven from the keyboard at 80x24 on
the hand-built care fixture: the figures are those worked out by hand in
test_care_rules.py."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.care_fixture import S1, S5, build_care_extracts
from tests.test_tui_pilot import CIN, cells, crumbs, labels, make_app, notes, press, settle

pytestmark = pytest.mark.asyncio
SIZE = (80, 24)


@pytest.fixture(scope="module")
def care_data(tmp_path_factory) -> Path:
    return build_care_extracts(tmp_path_factory.mktemp("care") / "extract")


def column(app, label: str) -> list[str]:
    index = labels(app).index(label)
    return [row[index] for row in cells(app)]


async def test_care_pane_per_county_for_the_fiscal_year(care_data, tmp_path):
    app = make_app(care_data, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "8")
        assert crumbs(app) == ["Care transitions and access FY2024-25"]
        rows = {row[0]: row for row in cells(app)}
        assert set(rows) == {"12 Humboldt", "18 Lassen", "23 Mendocino", "25 Modoc",
                             "45 Shasta", "47 Siskiyou", "48 Solano"}  # fmt: skip
        modoc = dict(zip(labels(app), rows["25 Modoc"], strict=True))
        # 8 discharges; 7-day: 2 of 7 closed windows; 30-day: 4 of 5; 9
        # referrals, 4 served within 14 days; median of 1, 6, 7, 14, 15 days.
        assert modoc["Discharges"] == "8"
        assert modoc["7-day f/u"] == "28.57%"
        assert modoc["30-day f/u"] == "80.00%"
        assert modoc["Median to svc"] == "7.0 d"
        assert modoc["Served ≤14 d"] == "44.44%"
        assert (modoc["Eligible"], modoc["Users"], modoc["Penetration"]) == ("9", "8", "88.89%")
        solano = dict(zip(labels(app), rows["48 Solano"], strict=True))
        assert (solano["WM eps"], solano["WM readmit"]) == ("4", "66.67%")  # 2 of 3 closed
        # The 7-day trend, July to March: nothing until January's 33.33%,
        # February's 0% and March's 50%.
        raw = app.active_pane.figures.raw
        modoc_trend = raw.filter(raw["county_code"] == "25")["trend_7"].item()
        assert modoc_trend == "      ▆▁█"
        assert "Worklist 1 discharge(s)" in notes(app)


async def test_care_drill_to_the_member_around_the_stay(care_data, tmp_path):
    app = make_app(care_data, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "8")
        modoc = [row[0] for row in cells(app)].index("25 Modoc")
        for _ in range(modoc):
            await pilot.press("down")
        await press(pilot, "enter")
        assert column(app, "Month") == ["2025-01", "2025-02", "2025-03"]
        assert column(app, "7-day %") == ["33.33%", "0.00%", "50.00%"]
        await press(pilot, "enter")  # January: S1's first stay and S2's
        assert crumbs(app)[-1] == "2025-01 discharges without 7-day follow-up"
        assert column(app, "Discharged") == ["2025-01-03", "2025-01-10"]
        assert column(app, "First f/u ≤30 d") == ["2025-01-12", "2025-01-18"]
        shown = " ".join(column(app, "Member"))
        assert S1 not in shown and not CIN.search(shown)
        await press(pilot, "enter")
        assert column(app, "Service") == [
            "2025-01-01", "2025-01-02", "2025-01-03", "2025-01-05", "2025-01-12",
        ]  # fmt: skip
        assert column(app, "Counts as") == [
            "residential", "residential", "residential", "residential", "follow_up",
        ]  # fmt: skip
        assert column(app, "Day") == ["-2", "-1", "0", "+2", "+9"]
        await press(pilot, "escape", "escape", "escape")
        assert len(crumbs(app)) == 1


async def test_worklist_oldest_first_and_exported_masked(care_data, tmp_path):
    app = make_app(care_data, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "8", "w")
        assert crumbs(app)[-1] == (
            "Worklist 2025-03-31: discharged in the last 7 days, no follow-up yet"
        )
        assert column(app, "Discharged") == ["2025-03-28"]
        assert column(app, "Follow-up due") == ["2025-04-04"]
        assert not CIN.search(" ".join(column(app, "Member")))
        await press(pilot, "e")
        await settle(pilot)
        exported = app.last_export
        assert exported is not None and exported.is_file()
        rows = list(csv.reader(exported.open()))
        header = rows[0]
        assert header[:2] == ["member_id", "county_code"]
        (row,) = rows[1:]
        assert row[header.index("discharged")] == "2025-03-28"
        assert S5 not in row[0] and not CIN.search(",".join(row))
        await press(pilot, "escape")
        assert crumbs(app) == ["Care transitions and access FY2024-25"]
        # `?` and the palette read the bindings: pane 8 and its worklist are there.
        from tui.commands import key_groups

        groups = dict(key_groups(app))
        assert ("8", "Care: Follow-up, readmissions, access, worklist") in groups["Panes"]
        assert [key for key, _ in groups["Care (8)"]] == ["w"]


async def test_adequacy_days_to_service_and_the_referrals_behind_it(care_data, tmp_path):
    from datetime import date

    app = make_app(care_data, tmp_path, month=date(2025, 2, 1))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "4")
        rows = [tuple(r[:2]) for r in cells(app)]
        modoc_outpatient = rows.index(("25 Modoc", "1.0"))
        record = dict(zip(labels(app), cells(app)[modoc_outpatient], strict=True))
        # A5-A9: 5 referrals, A5 and A6 served after 1 and 6 days.
        assert (record["Referrals"], record["Served"], record["Median to svc"]) == (
            "5", "2", "3.5 d"
        )  # fmt: skip
        text = notes(app)
        # Feb 28: two 3.1 sites active; the as-of date (Mar 31): two sites
        # under open contract with lapsed credentials.
        assert "Sites active region:  1.0 0  2.1 0  3.1 2" in text
        assert "Credential lapsed, contract open 2" in text
        for _ in range(modoc_outpatient):
            await pilot.press("down")
        for _ in range(labels(app).index("Median to svc")):
            await pilot.press("right")
        await press(pilot, "enter")
        assert crumbs(app)[-1] == "25 Modoc 1.0: referrals of 2025-02"
        assert column(app, "Referral") == ["A5", "A6", "A7", "A8", "A9"]
        assert column(app, "Source") == ["ACCESS_LINE"] * 5
        assert column(app, "Bus. days") == ["0", "2", "5", "—", "1"]
        assert column(app, "Served") == ["2025-02-04", "2025-02-10", "—", "—", "—"]
        assert column(app, "Offer") == ["timely", "timely", "timely", "untimely", "timely"]
        assert not CIN.search(" ".join(column(app, "Member")))
