"""A small program, built by hand, that exercises every business rule.

The expected figures in the tests were worked out on paper from the rows here;
the story of each row says which rule it exercises.

Default as-of date = latest paid_date = 2024-09-15 (claim C8, a late claim).
Last eligibility month (adequacy M) = 2024-07.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.extract_builder import write_extracts

A, B, C, D = "10000001A", "10000002B", "10000003C", "10000004D"
E, F, G = "10000005E", "10000006F", "10000007G"

P_MOD, P_SOL, P_SHA_LAPSED, P_SHA_ENDING = "1000000001", "1000000002", "1000000003", "1000000004"

ALTURAS = (41.4871, -120.5424)
FAIRFIELD = (38.2494, -122.0400)
REDDING = (40.5865, -122.3917)
# Due north of the Modoc site: 0.8683 deg of latitude = 59.995 miles (inside
# Modoc's 60-mile standard), 0.8685 deg = 60.009 miles (just outside).
JUST_INSIDE = (ALTURAS[0] + 0.8683, ALTURAS[1])
JUST_OUTSIDE = (ALTURAS[0] + 0.8685, ALTURAS[1])

JUN, JUL = date(2024, 6, 1), date(2024, 7, 1)


def elig(member, month, county, zip_code, plan=True, fmap="EXPANSION"):
    return dict(
        member_id=member, month=month, county_code=county, zip=zip_code,
        plan_member=plan, fmap_group=fmap,
    )  # fmt: skip


def line(claim, member, provider, service, paid, amount, status="PAID", level="1.0",
         original=None, line_no=1):  # fmt: skip
    return dict(
        claim_id=claim, line_no=line_no, member_id=member, provider_id=provider,
        service_date=service, paid_date=paid, level_of_care=level, procedure_code="H0004",
        units="1.00", billed_amount="500.00", paid_amount=amount, status=status,
        original_claim_id=original,
    )  # fmt: skip


ELIGIBILITY = [
    elig(A, JUN, "25", "96101"),
    elig(A, JUL, "25", "96101"),
    # B moves from Solano to Shasta; not yet a plan member in June.
    elig(B, JUN, "48", "94533", plan=False, fmap="STANDARD"),
    elig(B, JUL, "45", "96001", fmap="STANDARD"),
    elig(C, JUN, "48", "94533"),  # no July row: C's July service is unattributed
    elig(D, JUL, "25", "99999"),  # ZIP not in zips: not located
    elig(E, JUL, "25", "96104"),  # just inside 60 miles of the Modoc site
    elig(F, JUL, "25", "96108"),  # just outside
    elig(G, JUL, "48", "94533"),
]

CLAIMS = [
    # A, a Modoc resident, served at a Solano site on June 28: Modoc pays, FY2023-24.
    line("C1", A, P_SOL, date(2024, 6, 28), date(2024, 7, 10), "100.00"),
    # July 1 is the next fiscal year (FY2024-25). The row appears twice, identical:
    # one line, paid once.
    line("C2", A, P_MOD, date(2024, 7, 1), date(2024, 7, 15), "200.00"),
    line("C2", A, P_MOD, date(2024, 7, 1), date(2024, 7, 15), "200.00"),
    # D's only service is reversed on Aug 10, for 70.00 against 75.00 (mismatch):
    # D stops being a July user; cost keeps the 5.00 that moved.
    line("C4", D, P_MOD, date(2024, 7, 5), date(2024, 7, 20), "75.00"),
    line("R4", D, P_MOD, date(2024, 7, 5), date(2024, 8, 10), "-70.00", "REVERSED", original="C4"),
    # A reversal of a claim that does not exist: still money that moved.
    line("R9", A, P_MOD, date(2024, 7, 8), date(2024, 8, 1), "-10.00", "REVERSED", original="C404"),
    # A denial is never a service: B is not a June user from it.
    line("C5", B, P_SOL, date(2024, 6, 15), date(2024, 6, 30), "0.00", "DENIED"),
    # B after the move: Shasta pays. The site is unknown, still a service and cost.
    line("C6", B, "9999999999", date(2024, 7, 10), date(2024, 7, 25), "300.00"),
    # C has no July eligibility: unattributed.
    line("C7", C, P_SOL, date(2024, 7, 3), date(2024, 7, 20), "40.00"),
    # B's late June claim (paid Sep 15) with an unknown level of care.
    line("C8", B, P_SOL, date(2024, 6, 20), date(2024, 9, 15), "120.00", level="4.0"),
]

PROVIDERS = [
    dict(provider_id=P_MOD, provider_name="Alturas Outpatient", county_code="25", zip="96101",
         latitude=ALTURAS[0], longitude=ALTURAS[1], contract_start=date(2020, 1, 1),
         credential_expires=date(2024, 11, 14)),  # as-of + 60 days: expiring
    dict(provider_id=P_SOL, provider_name="Fairfield Recovery", county_code="48", zip="94533",
         latitude=FAIRFIELD[0], longitude=FAIRFIELD[1], contract_start=date(2020, 1, 1),
         credential_expires=date(2024, 11, 15)),  # as-of + 61 days: not yet
    dict(provider_id=P_SHA_LAPSED, provider_name="Redding OTP", county_code="45", zip="96001",
         latitude=REDDING[0], longitude=REDDING[1], contract_start=date(2020, 1, 1),
         credential_expires=date(2024, 7, 30)),  # lapsed the day before July 31
    dict(provider_id=P_SHA_ENDING, provider_name="Redding Outpatient", county_code="45",
         zip="96001", latitude=REDDING[0], longitude=REDDING[1],
         contract_start=date(2020, 1, 1), contract_end=date(2024, 7, 31),
         credential_expires=date(2026, 1, 1)),  # contract ends on July 31: still active then
]  # fmt: skip

PROVIDER_SERVICES = [
    dict(provider_id=P_MOD, level_of_care="1.0"),
    dict(provider_id=P_SOL, level_of_care="1.0"),
    dict(provider_id=P_SOL, level_of_care="2.1", capacity=20),
    dict(provider_id=P_SOL, level_of_care="OTP", capacity=150),
    dict(provider_id=P_SHA_LAPSED, level_of_care="OTP", capacity=200),
    dict(provider_id=P_SHA_ENDING, level_of_care="1.0"),
]

ZIPS = [
    dict(zip="96101", county_code="25", latitude=ALTURAS[0], longitude=ALTURAS[1]),
    dict(zip="96104", county_code="25", latitude=JUST_INSIDE[0], longitude=JUST_INSIDE[1]),
    dict(zip="96108", county_code="25", latitude=JUST_OUTSIDE[0], longitude=JUST_OUTSIDE[1]),
    dict(zip="94533", county_code="48", latitude=FAIRFIELD[0], longitude=FAIRFIELD[1]),
    dict(zip="96001", county_code="45", latitude=REDDING[0], longitude=REDDING[1]),
]

# Shasta (45) has no FY2024-25 rate: missing_rate.
PUPM_RATES = [
    dict(county_code="25", fiscal_year=2024, pupm_rate="500.00", admin_qa_monthly="1000.00"),
    dict(county_code="25", fiscal_year=2025, pupm_rate="520.00", admin_qa_monthly="1000.00"),
    dict(county_code="48", fiscal_year=2024, pupm_rate="400.00", admin_qa_monthly="2000.00"),
    dict(county_code="48", fiscal_year=2025, pupm_rate="410.00", admin_qa_monthly="2000.00"),
]


def invoice(inv, county, month, kind, issued, users, rate, pupm, admin, total):
    return dict(
        invoice_id=inv, county_code=county, service_month=month, invoice_type=kind,
        issued_date=issued, user_count=users, pupm_rate=rate, pupm_amount=pupm,
        admin_qa_amount=admin, total_amount=total,
    )  # fmt: skip


INVOICES = [
    invoice("I-25-06", "25", JUN, "ORIGINAL", date(2024, 7, 15), 1,
            "500.00", "500.00", "1000.00", "1500.00"),
    # Billed before the late claim C8 was paid: no users yet.
    invoice("I-48-06", "48", JUN, "ORIGINAL", date(2024, 7, 15), 0,
            "400.00", "0.00", "2000.00", "2000.00"),
    # Issued after the default as-of date: not billed yet on Sep 15.
    invoice("I-48-06-S1", "48", JUN, "SUPPLEMENTAL", date(2024, 9, 30), 1,
            "400.00", "400.00", "0.00", "400.00"),
    # Billed A and D; D's service was reversed later.
    invoice("I-25-07", "25", JUL, "ORIGINAL", date(2024, 8, 15), 2,
            "520.00", "1040.00", "1000.00", "2040.00"),
    # A supplemental alone: Shasta July is "not invoiced". Its total is wrong.
    invoice("I-45-07-S1", "45", JUL, "SUPPLEMENTAL", date(2024, 8, 20), 1,
            "450.00", "450.00", "0.00", "400.00"),
]  # fmt: skip

PAYMENTS = [
    dict(payment_id="PAY1", invoice_id="I-25-06", county_code="25",
         received_date=date(2024, 8, 1), amount="1500.00"),
    dict(payment_id="PAY2", invoice_id="I-48-06", county_code="48",
         received_date=date(2024, 8, 10), amount="1000.00"),  # partial
    dict(payment_id="PAY3", invoice_id="I-25-07", county_code="25",
         received_date=date(2024, 9, 20), amount="2040.00"),  # after the as-of date
]  # fmt: skip


def referral(rid, member, county, requested, level, offered=None):
    return dict(
        referral_id=rid, member_id=member, county_code=county, request_date=requested,
        level_of_care=level, source="ACCESS_LINE", first_offered_date=offered,
    )  # fmt: skip


REFERRALS = [
    # Fri Jul 5 -> Wed Jul 10: Mon, Tue, Wed = 3 business days, OTP standard 3: timely.
    referral("R1", A, "25", date(2024, 7, 5), "OTP", date(2024, 7, 10)),
    # Sat Jul 6 -> Thu Jul 11: Mon..Thu = 4 business days: untimely.
    referral("R2", E, "25", date(2024, 7, 6), "OTP", date(2024, 7, 11)),
    # Mon Jul 29, no offer: pending until 10 business days have passed (Aug 12).
    referral("R3", F, "25", date(2024, 7, 29), "1.0"),
    # Offered the same day: 0 business days.
    referral("R4", G, "48", date(2024, 7, 17), "1.0", date(2024, 7, 17)),
    # Offer dated after the as-of date: not yet made, and too late by then.
    referral("R5", B, "45", date(2024, 7, 31), "1.0", date(2024, 9, 20)),
    referral("R6", A, "25", date(2024, 8, 1), "1.0", date(2024, 8, 2)),  # not in July
    referral("R7", A, "25", date(2024, 7, 22), "3.1", date(2024, 7, 23)),  # no standard
]


def build_rules_extracts(folder: Path, **overrides: list[dict]) -> Path:
    """Write the fixture; `overrides` replace whole tables (e.g. claims=[...])."""
    tables = dict(
        eligibility=ELIGIBILITY,
        claims=CLAIMS,
        providers=PROVIDERS,
        provider_services=PROVIDER_SERVICES,
        zips=ZIPS,
        pupm_rates=PUPM_RATES,
        invoices=INVOICES,
        payments=PAYMENTS,
        referrals=REFERRALS,
    )
    return write_extracts(folder, **(tables | overrides))
