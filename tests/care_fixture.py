"""A small program, built by hand, for the v1.1 care, access and penetration
rules and the lapsed-credential check.

Default as-of date = latest paid_date = 2025-03-31 (S6's follow-up). Every
claim line is paid 2 days after its service. The expected figures in
tests/test_care_rules.py were worked out on paper from the stories below.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count
from pathlib import Path

from tests.extract_builder import write_extracts

S1, S2, S3, S4, S5, S6, S7 = (f"2000000{i}S" for i in range(1, 8))
W1, MOVER, NEVER = "20000011W", "20000012M", "20000013N"
SERVED_LAST_YEAR, REVERSED_LAST_YEAR = "20000014O", "20000015P"
UNKNOWN = "20000016U"  # no eligibility row: their residential day is unattributed

SITE = "2000000001"
_claim_numbers = count(1)


def day(month: int, dom: int, year: int = 2025) -> date:
    return date(year, month, dom)


def elig(member, month, county):
    return dict(
        member_id=member, month=month, county_code=county, zip="96101",
        plan_member=True, fmap_group="EXPANSION",
    )  # fmt: skip


def service(member, served, level, status="PAID", original=None, paid=None, claim=None):
    return dict(
        claim_id=claim or f"K{next(_claim_numbers):03d}", line_no=1, member_id=member,
        provider_id=SITE, service_date=served, paid_date=paid or served + timedelta(days=2),
        level_of_care=level, procedure_code="H0019", units="1.00", billed_amount="100.00",
        paid_amount="-100.00" if status == "REVERSED" else "100.00", status=status,
        original_claim_id=original,
    )  # fmt: skip


JAN, FEB, MAR = day(1, 1), day(2, 1), day(3, 1)

ELIGIBILITY = [
    elig(S1, JAN, "25"), elig(S2, JAN, "25"),
    elig(S3, FEB, "25"), elig(S3, MAR, "25"),
    elig(S4, FEB, "25"), elig(S4, MAR, "25"),
    elig(S5, MAR, "25"), elig(S6, MAR, "25"), elig(S7, MAR, "25"),
    elig(W1, JAN, "48"), elig(W1, FEB, "48"), elig(W1, MAR, "48"),
    # The mover: Modoc in January, Solano from February.
    elig(MOVER, JAN, "25"), elig(MOVER, FEB, "48"), elig(MOVER, MAR, "48"),
    elig(NEVER, day(12, 1, 2024), "25"),  # eligible, never served
    elig(SERVED_LAST_YEAR, day(6, 1, 2024), "25"),  # FY2023-24
    elig(REVERSED_LAST_YEAR, day(6, 1, 2024), "25"),
]  # fmt: skip

CLAIMS = [
    # S1: 3.1 on Jan 1 and 2, 3.3 on Jan 3 (1-day steps, any mix): stay A ends
    # Jan 3. 3.5 on Jan 5 is 2 days later: stay B, Jan 5 alone. Outpatient on
    # Jan 12 is day 7 after B (7-day follow-up) and day 9 after A (30 only).
    service(S1, day(1, 1), "3.1"), service(S1, day(1, 2), "3.1"),
    service(S1, day(1, 3), "3.3"), service(S1, day(1, 5), "3.5"),
    service(S1, day(1, 12), "1.0"),
    # S2: discharged Jan 10; recovery services on day 8 (30-day only). The
    # unknown level on Jan 11 is neither a stay nor a follow-up.
    service(S2, day(1, 10), "3.1"), service(S2, day(1, 11), "4.0"),
    service(S2, day(1, 18), "RS"),
    # S3: discharged Feb 1; intensive outpatient on day 30 (Mar 3).
    service(S3, day(2, 1), "3.1"), service(S3, day(3, 3), "2.1"),
    # S4: discharged Feb 3; a day-7 follow-up that was reversed, a denied one,
    # and outpatient on day 31 (Mar 6): no follow-up at all.
    service(S4, day(2, 3), "3.1"),
    service(S4, day(2, 10), "1.0", claim="K-S4-7"),
    service(S4, day(2, 10), "1.0", status="REVERSED", original="K-S4-7", paid=day(2, 20)),
    service(S4, day(2, 5), "1.0", status="DENIED"),
    service(S4, day(3, 6), "1.0"),
    # S5: discharged Mar 28, nothing since: on the worklist, not yet eligible.
    service(S5, day(3, 28), "3.1"),
    # S6: discharged Mar 22; outpatient on day 7 (Mar 29, paid Mar 31 = D).
    service(S6, day(3, 22), "3.1"), service(S6, day(3, 29), "1.0"),
    # S7: a two-day stay ending Mar 24 = D - 7, no follow-up: eligible for 7
    # days (Mar 31 <= D) and just outside the worklist's last 7 days.
    service(S7, day(3, 23), "3.5"), service(S7, day(3, 24), "3.5"),
    # W1 in Solano: WM Jan 1-2 (episode 1); Jan 4 = end + 2 (episode 2, a
    # readmission of 1); Feb 3 = Jan 4 + 30 (episode 3, a readmission of 2);
    # Mar 6 = Feb 3 + 31 (episode 4, not a readmission of 3; its own window
    # closes Apr 5, after D).
    service(W1, day(1, 1), "3.2-WM"), service(W1, day(1, 2), "3.2-WM"),
    service(W1, day(1, 4), "3.2-WM"), service(W1, day(2, 3), "3.2-WM"),
    service(W1, day(3, 6), "3.2-WM"),
    # The mover: residential Jan 30, 31 (Modoc) and Feb 1 (Solano): one stay,
    # counted in Solano, the county of its last day; care coordination on day 3.
    service(MOVER, day(1, 30), "3.1"), service(MOVER, day(1, 31), "3.1"),
    service(MOVER, day(2, 1), "3.1"), service(MOVER, day(2, 4), "CM"),
    # Unattributed residential day: not a stay.
    service(UNKNOWN, day(1, 15), "3.1"),
    # FY2023-24 penetration: one member served; the other's only service is
    # reversed on Jul 1 2024.
    service(SERVED_LAST_YEAR, day(6, 10, 2024), "1.0", paid=day(6, 20, 2024)),
    service(REVERSED_LAST_YEAR, day(6, 12, 2024), "1.0", paid=day(6, 20, 2024), claim="K-P"),
    service(REVERSED_LAST_YEAR, day(6, 12, 2024), "1.0", status="REVERSED", original="K-P",
            paid=day(7, 1, 2024)),
]  # fmt: skip


def site(provider_id, name, start, end, expires):
    return dict(
        provider_id=provider_id, provider_name=name, county_code="25", zip="96101",
        latitude=41.4871, longitude=-120.5424, contract_start=start, contract_end=end,
        credential_expires=expires,
    )  # fmt: skip


OPEN_SINCE = day(1, 1, 2020)
PROVIDERS = [
    site(SITE, "Lapsed yesterday", OPEN_SINCE, None, day(3, 30)),  # counted
    site("2000000002", "Expires today", OPEN_SINCE, None, day(3, 31)),  # good through D
    site("2000000003", "Contract ended", OPEN_SINCE, day(3, 30), day(1, 1)),  # closed
    site("2000000004", "Contract ends today", OPEN_SINCE, day(3, 31), day(1, 1)),  # counted
    site("2000000005", "No start", None, None, day(1, 1)),  # null start: not counted
    site("2000000006", "No credential date", OPEN_SINCE, None, None),  # not counted
    site("2000000007", "Starts later", day(4, 1), None, day(1, 1)),  # not active on D
]
PROVIDER_SERVICES = [dict(provider_id=p["provider_id"], level_of_care="3.1") for p in PROVIDERS]


def referral(rid, member, county, requested, offered=None, served=None, level="1.0"):
    return dict(
        referral_id=rid, member_id=member, county_code=county, request_date=requested,
        level_of_care=level, source="ACCESS_LINE", first_offered_date=offered,
        first_service_date=served,
    )  # fmt: skip


REFERRALS = [
    # Modoc, January: business days to offer 2, 1, 5 (odd: median 2.0); days
    # to service 7, 14, 15 (median 14.0; 14 is within 14, 15 is not).
    referral("A1", S1, "25", day(1, 6), day(1, 8), day(1, 13)),  # Mon -> Wed: 2
    referral("A2", S2, "25", day(1, 10), day(1, 13), day(1, 24)),  # Fri -> Mon: 1
    referral("A3", S3, "25", day(1, 11), day(1, 17), day(1, 26)),  # Sat -> Fri: 5
    referral("A4", S4, "25", day(1, 15)),  # nothing yet
    # Modoc, February: offers 0, 2, 5, 1 (even: median 1.5); services 1, 6
    # (even: median 3.5). A7's service and A8's offer come after D.
    referral("A5", S5, "25", day(2, 3), day(2, 3), day(2, 4)),  # same day: 0
    referral("A6", S6, "25", day(2, 4), day(2, 6), day(2, 10)),  # Tue -> Thu: 2
    referral("A7", S7, "25", day(2, 10), day(2, 17), day(4, 10)),  # Mon -> Mon: 5
    referral("A8", S1, "25", day(2, 11), day(4, 1)),
    referral("A9", S2, "25", day(2, 12), day(2, 13)),  # Wed -> Thu: 1
    # Solano, March: a residential referral (every level counts).
    referral("A10", MOVER, "48", day(3, 3), day(3, 3), day(3, 5), level="3.1"),
    referral("A11", MOVER, "48", day(4, 2)),  # requested after D: not known
]


# Rates play no part in the care rules; the figures need the table to have rows.
PUPM_RATES = [
    dict(county_code=county, fiscal_year=2025, pupm_rate="1000.00", admin_qa_monthly="100.00")
    for county in ("25", "48")
]


def build_care_extracts(folder: Path) -> Path:
    return write_extracts(
        folder, eligibility=ELIGIBILITY, claims=CLAIMS, providers=PROVIDERS,
        provider_services=PROVIDER_SERVICES, referrals=REFERRALS, pupm_rates=PUPM_RATES,
    )  # fmt: skip
