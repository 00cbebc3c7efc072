"""A small hand-made region for the dashboard tests, and checks of the
drilldown questions the panes add (queries/*.sql) against figures worked out
by hand.

Three counties have activity: 25 Modoc, 48 Solano, 12 Humboldt. Eligibility
runs 2024-05 .. 2025-03, claims are known up to 2025-04-10 (the default as-of).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from queries.engine import Engine, Settings
from queries.privacy import mask_member_id
from tests.extract_builder import write_extracts
from tui.clipboard import osc52

AS_OF = date(2025, 4, 10)
LAST_MONTH = date(2025, 3, 1)

# member -> (county, zip, plan member, fmap group, first month, last month)
MEMBERS = {
    "91234567A": ("25", "96101", True, "EXPANSION", date(2024, 5, 1), LAST_MONTH),
    "91234568B": ("25", "96101", False, "STANDARD", date(2025, 1, 1), LAST_MONTH),
    "92345678C": ("48", "94533", True, "EXPANSION", date(2024, 5, 1), LAST_MONTH),
    "92345679D": ("48", "94590", True, "STANDARD", date(2025, 1, 1), LAST_MONTH),
    "93456789E": ("12", "95501", True, "EXPANSION", date(2025, 1, 1), LAST_MONTH),
    "93456780F": ("12", "99999", True, "EXPANSION", LAST_MONTH, LAST_MONTH),  # ZIP unknown
}

PROVIDERS = [
    # id, name, county, zip, lat, lon, credential_expires, levels
    ("1000000001", "Alturas Outpatient", "25", "96101", 41.49, -120.54, date(2025, 5, 1),
     ["1.0", "2.1", "RS"]),
    ("1000000002", "Solano Recovery Center", "48", "94533", 38.25, -122.04, date(2026, 12, 31),
     ["1.0", "2.1", "OTP", "3.1", "3.2-WM"]),
    ("1000000003", "Eureka Outpatient", "12", "95501", 40.80, -124.16, date(2026, 1, 1),
     ["1.0", "2.1", "CM"]),
    ("1000000004", "Redding OTP", "45", "96001", 40.58, -122.39, date(2026, 6, 30), ["OTP"]),
]  # fmt: skip

# claim id, member, provider, service date, paid date, level, paid, status, original
CLAIMS = [
    ("C01", "91234567A", "1000000001", date(2024, 5, 6), date(2024, 5, 20), "1.0", "120.00"),
    ("C02", "91234567A", "1000000001", date(2024, 6, 3), date(2024, 6, 17), "1.0", "120.00"),
    ("C03", "91234567A", "1000000001", date(2025, 1, 6), date(2025, 1, 20), "1.0", "120.00"),
    ("C04", "91234567A", "1000000001", date(2025, 1, 13), date(2025, 1, 27), "1.0", "120.00"),
    ("C05", "91234567A", "1000000004", date(2025, 2, 3), date(2025, 2, 17), "OTP", "300.00"),
    ("C06", "91234567A", "1000000001", date(2025, 3, 3), date(2025, 3, 17), "2.1", "250.00"),
    ("C07", "91234568B", "1000000001", date(2025, 1, 8), date(2025, 1, 22), "RS", "80.00"),
    ("C08", "91234568B", "1000000001", date(2025, 2, 5), date(2025, 2, 19), "1.0", "150.00"),
    ("C09", "91234568B", "1000000001", date(2025, 2, 5), date(2025, 3, 3), "1.0", "-150.00",
     "REVERSED", "C08"),
    ("C10", "91234568B", "1000000001", date(2025, 3, 10), date(2025, 3, 24), "1.0", "95.50"),
    ("C11", "92345678C", "1000000002", date(2024, 5, 7), date(2024, 5, 21), "1.0", "200.00"),
    ("C12", "92345678C", "1000000002", date(2024, 6, 4), date(2024, 6, 18), "1.0", "200.00"),
    ("C13", "92345678C", "1000000002", date(2025, 1, 7), date(2025, 1, 21), "OTP", "410.25"),
    ("C14", "92345678C", "1000000002", date(2025, 2, 4), date(2025, 2, 18), "OTP", "410.25"),
    ("C15", "92345678C", "1000000002", date(2025, 3, 4), date(2025, 3, 18), "OTP", "410.25"),
    ("C16", "92345678C", "1000000002", date(2025, 3, 11), date(2025, 3, 25), "1.0", "0.00",
     "DENIED"),
    ("C17", "92345679D", "1000000002", date(2025, 1, 9), date(2025, 1, 23), "3.1", "3150.00"),
    ("C18", "92345679D", "1000000002", date(2025, 2, 10), date(2025, 2, 24), "3.2-WM",
     "1200.00"),
    ("C19", "92345679D", "1000000002", date(2025, 3, 12), date(2025, 3, 26), "1.0", "140.00"),
    ("C20", "93456789E", "1000000003", date(2025, 1, 14), date(2025, 1, 28), "1.0", "110.00"),
    ("C21", "93456789E", "1000000003", date(2025, 2, 11), date(2025, 4, 5), "1.0", "110.00"),
    ("C22", "93456789E", "1000000003", date(2025, 3, 5), date(2025, 3, 19), "CM", "60.00"),
    ("C23", "93456780F", "1000000003", date(2025, 3, 6), date(2025, 3, 20), "1.0", "115.00"),
    ("C24", "94567890G", "1000000001", date(2025, 2, 12), date(2025, 2, 26), "1.0", "100.00"),
    ("C25", "92345679D", "1000000002", date(2025, 3, 13), AS_OF, "1.0", "140.00"),
]  # fmt: skip

RATES = {  # (county, fiscal year) -> (pupm, admin)
    ("25", 2024): ("430.00", "1000.00"), ("25", 2025): ("450.00", "1000.00"),
    ("48", 2024): ("360.00", "5000.00"), ("48", 2025): ("380.00", "5000.00"),
    ("12", 2024): ("400.00", "2000.00"), ("12", 2025): ("410.00", "2000.00"),
}  # fmt: skip

# invoice id, county, month, type, issued, users, total (None: users x rate + admin)
INVOICES = [
    ("I-25-2405", "25", date(2024, 5, 1), "ORIGINAL", date(2024, 6, 10), 1, None),
    ("I-25-2406", "25", date(2024, 6, 1), "ORIGINAL", date(2024, 7, 10), 1, None),
    ("I-25-2501", "25", date(2025, 1, 1), "ORIGINAL", date(2025, 2, 10), 2, None),
    ("I-25-2502", "25", date(2025, 2, 1), "ORIGINAL", date(2025, 3, 10), 2, None),
    ("I-25-2503", "25", date(2025, 3, 1), "ORIGINAL", date(2025, 4, 8), 2, None),
    ("I-48-2405", "48", date(2024, 5, 1), "ORIGINAL", date(2024, 6, 10), 1, None),
    ("I-48-2406", "48", date(2024, 6, 1), "ORIGINAL", date(2024, 7, 10), 1, None),
    ("I-48-2501", "48", date(2025, 1, 1), "ORIGINAL", date(2025, 2, 10), 2, None),
    ("I-48-2502", "48", date(2025, 2, 1), "ORIGINAL", date(2025, 3, 10), 1, None),
    ("S-48-2502", "48", date(2025, 2, 1), "SUPPLEMENTAL", date(2025, 4, 9), 1, None),
    ("I-12-2501", "12", date(2025, 1, 1), "ORIGINAL", date(2025, 2, 10), 1, None),
    ("I-12-2502", "12", date(2025, 2, 1), "ORIGINAL", date(2025, 3, 10), 0, None),
    ("I-12-2503", "12", date(2025, 3, 1), "ORIGINAL", date(2025, 4, 8), 2, "2830.00"),
]

PAYMENTS = [
    ("P01", "I-25-2405", "25", date(2024, 7, 1), "1430.00"),
    ("P02", "I-25-2406", "25", date(2024, 8, 1), "1430.00"),
    ("P03", "I-25-2501", "25", date(2025, 3, 1), "1900.00"),
    ("P04", "I-25-2502", "25", date(2025, 4, 1), "1000.00"),
    ("P05", "I-48-2405", "48", date(2024, 7, 1), "5360.00"),
    ("P06", "I-48-2406", "48", date(2024, 8, 1), "5360.00"),
    ("P07", "I-48-2501", "48", date(2025, 3, 5), "5760.00"),
    ("P08", "I-12-2501", "12", date(2025, 3, 5), "2410.00"),
]

REFERRALS = [
    ("R1", "91234567A", "25", date(2025, 3, 3), "1.0", date(2025, 3, 10)),  # 5 days: timely
    ("R2", "91234568B", "25", date(2025, 3, 3), "OTP", date(2025, 3, 10)),  # 5 > 3: untimely
    ("R3", "92345678C", "48", date(2025, 3, 5), "OTP", date(2025, 3, 6)),  # timely
    ("R4", "92345679D", "48", date(2025, 3, 28), "1.0", None),  # pending on 2025-04-10
    ("R5", "93456789E", "12", date(2025, 3, 12), "2.1", date(2025, 4, 1)),  # untimely
]


def months(first: date, last: date) -> list[date]:
    out, day = [], first
    while day <= last:
        out.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return out


def build_region(folder: Path) -> Path:
    """Write the hand-made region's extracts into `folder`."""
    eligibility = [
        {"member_id": member, "month": month, "county_code": county, "zip": zip_code,
         "plan_member": plan, "fmap_group": fmap}
        for member, (county, zip_code, plan, fmap, first, last) in MEMBERS.items()
        for month in months(first, last)
    ]  # fmt: skip
    claims = [
        {"claim_id": c[0], "line_no": 1, "member_id": c[1], "provider_id": c[2],
         "service_date": c[3], "paid_date": c[4], "level_of_care": c[5],
         "procedure_code": "H0020" if c[5] == "OTP" else "H0004", "units": "1.00",
         "billed_amount": c[6].lstrip("-") if c[6] != "0.00" else "90.00", "paid_amount": c[6],
         "status": c[7] if len(c) > 7 else "PAID",
         "original_claim_id": c[8] if len(c) > 8 else None}
        for c in CLAIMS
    ]  # fmt: skip
    providers = [
        {"provider_id": p[0], "provider_name": p[1], "county_code": p[2], "zip": p[3],
         "latitude": p[4], "longitude": p[5], "contract_start": date(2020, 1, 1),
         "contract_end": None, "credential_expires": p[6]}
        for p in PROVIDERS
    ]  # fmt: skip
    services = [
        {"provider_id": p[0], "level_of_care": level, "capacity": None}
        for p in PROVIDERS
        for level in p[7]
    ]
    zips = [
        {"zip": "96101", "county_code": "25", "latitude": 41.487, "longitude": -120.542},
        {"zip": "94533", "county_code": "48", "latitude": 38.250, "longitude": -122.040},
        {"zip": "94590", "county_code": "48", "latitude": 38.104, "longitude": -122.256},
        {"zip": "95501", "county_code": "12", "latitude": 40.802, "longitude": -124.163},
        {"zip": "96001", "county_code": "45", "latitude": 40.586, "longitude": -122.392},
    ]
    rates = [
        {"county_code": county, "fiscal_year": fy, "pupm_rate": pupm, "admin_qa_monthly": admin}
        for (county, fy), (pupm, admin) in RATES.items()
    ]
    invoices = []
    for invoice_id, county, month, kind, issued, users, total in INVOICES:
        fy = month.year + (1 if month.month >= 7 else 0)
        pupm, admin = (Decimal(v) for v in RATES[(county, fy)])
        admin = admin if kind == "ORIGINAL" else Decimal("0.00")
        pupm_amount = users * pupm
        invoices.append({
            "invoice_id": invoice_id, "county_code": county, "service_month": month,
            "invoice_type": kind, "issued_date": issued, "user_count": users,
            "pupm_rate": pupm, "pupm_amount": pupm_amount, "admin_qa_amount": admin,
            "total_amount": Decimal(total) if total else pupm_amount + admin,
        })  # fmt: skip
    payments = [
        {
            "payment_id": p[0],
            "invoice_id": p[1],
            "county_code": p[2],
            "received_date": p[3],
            "amount": p[4],
        }
        for p in PAYMENTS
    ]
    referrals = [
        {"referral_id": r[0], "member_id": r[1], "county_code": r[2], "request_date": r[3],
         "level_of_care": r[4], "source": "ACCESS_LINE", "first_offered_date": r[5],
         "first_service_date": r[5]}
        for r in REFERRALS
    ]  # fmt: skip
    return write_extracts(
        folder, eligibility=eligibility, claims=claims, providers=providers,
        provider_services=services, zips=zips, pupm_rates=rates, invoices=invoices,
        payments=payments, referrals=referrals,
    )  # fmt: skip


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    engine = Engine(Settings(build_region(tmp_path_factory.mktemp("region"))))
    yield engine
    engine.close()


def test_mask_member_id():
    assert mask_member_id("91234567A") == "9•••••67A"
    assert mask_member_id("ABC") == "•••"
    assert mask_member_id(None) == "—"


def test_region_defaults(engine):
    assert engine.default_as_of() == AS_OF
    assert engine.last_eligibility_month() == LAST_MONTH


def test_level_mix_of_a_county_month(engine):
    mix = engine.run("users_level_mix", as_of=AS_OF, county="25", month=date(2025, 1, 1))
    rows = {r["level_of_care"]: r for r in mix.iter_rows(named=True)}
    assert set(rows) == {"1.0", "RS"}
    assert (rows["1.0"]["users"], rows["1.0"]["services"]) == (1, 2)
    assert rows["1.0"]["services_paid"] == Decimal("240.00")
    assert (rows["RS"]["plan_member_users"], rows["RS"]["non_plan_users"]) == (0, 1)


def test_members_of_a_county_month_leave_out_reversed_services(engine):
    members = engine.run("county_month_members", as_of=AS_OF, county="25", month=date(2025, 2, 1))
    assert members["member_id"].to_list() == ["91234567A"]  # 91234568B's line was reversed
    only_otp = engine.run(
        "county_month_members", as_of=AS_OF, county="48", month=date(2025, 3, 1), level="OTP"
    )
    assert only_otp["member_id"].to_list() == ["92345678C"]


def test_member_claim_lines_show_every_status(engine):
    lines = engine.run(
        "member_claim_lines", as_of=AS_OF, member_id="91234568B", month=date(2025, 2, 1)
    )
    assert lines["status"].to_list() == ["PAID", "REVERSED"]
    assert lines["is_service"].to_list() == [False, False]
    assert lines["is_cost"].to_list() == [True, True]


def test_invoices_of_a_month_and_their_payments(engine):
    invoices = engine.run("county_month_invoices", as_of=AS_OF, county="48", month=date(2025, 2, 1))
    assert invoices["invoice_id"].to_list() == ["I-48-2502", "S-48-2502"]
    assert invoices["outstanding"].to_list() == [Decimal("5380.00"), Decimal("380.00")]
    paid = engine.run("invoice_payment_lines", as_of=AS_OF, invoice_id="I-25-2502")
    assert paid["amount"].to_list() == [Decimal("1000.00")]
    assert engine.run(
        "invoice_payment_lines", as_of=date(2025, 3, 31), invoice_id="I-25-2502"
    ).is_empty()


def test_invoice_aging(engine):
    aging = engine.run("invoice_aging", as_of=AS_OF, fiscal_year=2025)
    rows = {r["county_code"]: r for r in aging.iter_rows(named=True)}
    # Modoc: I-25-2502 900.00 left (31 days), I-25-2503 1900.00 (2 days)
    assert rows["25"]["days_0_30"] == Decimal("1900.00")
    assert rows["25"]["days_31_60"] == Decimal("900.00")
    assert rows["12"]["outstanding"] == Decimal("4830.00")  # 2000.00 + 2830.00


def test_adequacy_gaps_name_the_nearest_site(engine):
    gaps = engine.run("adequacy_gaps", month=LAST_MONTH, county="25", level="OTP")
    row = gaps.row(0, named=True)
    assert (row["zip"], row["members"], row["nearest_site"]) == ("96101", 2, "1000000004")
    assert 100 < row["nearest_miles"] < 130
    not_located = engine.run("adequacy_gaps", month=LAST_MONTH, county="12", level="1.0")
    assert not_located["zip"].to_list() == ["99999"]
    assert not_located["located"].to_list() == [False]


def test_expiring_credentials(engine):
    expiring = engine.run("expiring_credentials", as_of=AS_OF)
    assert expiring["provider_id"].to_list() == ["1000000001"]
    assert expiring["days_left"].to_list() == [21]


def test_reconciliation_months_run_the_variance(engine):
    months_25 = engine.run("reconciliation_months", as_of=AS_OF, county="25", fiscal_year=2025)
    assert [m.month for m in months_25["month"]] == [1, 2, 3]
    # Jan: billed 900.00, cost 320.00; Feb: 900.00 - 300.00 (150 - 150 nets out)
    assert months_25["running_variance"].to_list()[:2] == [Decimal("580.00"), Decimal("1180.00")]


def test_osc52_is_plain_even_inside_tmux(monkeypatch):
    monkeypatch.setenv("TMUX", "/tmp/tmux-0/default,1,0")
    assert osc52("hi") == "\x1b]52;c;aGk=\a"  # no DCS passthrough, which tmux 3.3 drops
