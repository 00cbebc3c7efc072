"""Claim-line references in natural order: line 2 before line 10 (issue 14)."""

from __future__ import annotations

from datetime import date

import polars as pl

from queries.engine import Engine, Settings
from tests.extract_builder import write_extracts
from tui.presenting import natural_key, sorted_frame


def test_natural_key_reads_digit_runs_as_numbers():
    refs = ["C01/10", "C01/2", "C01/1", "C02/1", "c01/3"]
    assert sorted(refs, key=natural_key) == ["C01/1", "C01/2", "c01/3", "C01/10", "C02/1"]
    frame = pl.DataFrame({"reference": ["C01/10", None, "C01/2"], "n": [1, 2, 3]})
    assert sorted_frame(frame, "reference", False)["n"].to_list() == [3, 1, 2]
    assert sorted_frame(frame, "reference", True)["n"].to_list() == [1, 3, 2]  # nulls last
    assert sorted_frame(frame, "n", True)["n"].to_list() == [3, 2, 1]


def test_check_rows_list_claim_lines_in_natural_order(tmp_path):
    lines = [
        {"claim_id": "X1", "line_no": n, "member_id": "91234567A", "provider_id": "9999999999",
         "service_date": date(2024, 7, 8), "paid_date": date(2024, 7, 20),
         "level_of_care": "1.0", "procedure_code": "H0004", "units": "1.00",
         "billed_amount": "10.00", "paid_amount": "10.00", "status": "PAID"}
        for n in (10, 2, 1, 11)
    ]  # fmt: skip
    # The figures need eligibility and rates rows (an empty table blocks them).
    eligibility = [{"member_id": "91234567A", "month": date(2024, 7, 1), "county_code": "25",
                    "zip": "96101", "plan_member": True, "fmap_group": "STANDARD"}]
    rates = [{"county_code": "25", "fiscal_year": 2025, "pupm_rate": "100.00",
              "admin_qa_monthly": "10.00"}]
    folder = write_extracts(tmp_path / "x", claims=lines, eligibility=eligibility,
                            pupm_rates=rates)
    engine = Engine(Settings(folder))
    try:
        found = engine.run("exception_lines", as_of=date(2024, 9, 15), month=date(2024, 7, 1),
                           check="unknown_provider")  # fmt: skip
    finally:
        engine.close()
    assert found["reference"].to_list() == ["X1/1", "X1/2", "X1/10", "X1/11"]
