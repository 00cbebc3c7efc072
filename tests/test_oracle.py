"""The project's reports against an independent polars oracle (tests/oracle.py).

(a) the bundled demo extracts (skipped while sample_data/demo/ is absent;
    WRP_ORACLE_DEMO=DIR points it at another generated folder);
(b) an adversarial fixture hitting the contract's fine print (hive-partitioned);
(c) rounding ties (variance_pct, pct_within, pct_timely at x.xx5; indicated_pupm);
(d) further edges (reversal targets, timeliness corners, county outside the list);
(e) file-format edges (column order, extra columns, DECIMAL precision, hive keys);
(f) probes where the contract reads two ways - the current disagreements.

Comparisons are order-insensitive (rows keyed per report). Exceptions compare
check and count only: the contract does not define severity or detail values.
Comparisons that currently disagree are xfail(strict=True) with the reason.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from queries.engine import Engine, Settings
from queries.reports import Filters, records, run_report
from tests import oracle
from tests.extract_builder import write_extracts

# WRP_ORACLE_DEMO points the demo comparison at another generated folder
DEMO = Path(
    os.environ.get(
        "WRP_ORACLE_DEMO", Path(__file__).resolve().parent.parent / "sample_data" / "demo"
    )
)

KEYS = {
    "users": ("county_code", "month"),
    "invoices": ("county_code", "month"),
    "reconciliation": ("county_code", "fiscal_year"),
    "adequacy": ("county_code", "level_of_care"),
    "exceptions": ("check",),
    "care": ("county_code", "month"),
    "access": ("county_code", "month"),
    "penetration": ("county_code", "fiscal_year"),
}
# filters each report honours (contract, "Report filters")
HONOURS = {
    "users": ("as_of", "county", "fiscal_year", "month"),
    "invoices": ("as_of", "county", "fiscal_year", "month"),
    "reconciliation": ("as_of", "county", "fiscal_year"),
    "adequacy": ("as_of", "county", "month"),
    "exceptions": ("as_of", "month"),
    "care": ("as_of", "county", "fiscal_year", "month"),
    "access": ("as_of", "county", "fiscal_year", "month"),
    "penetration": ("as_of", "county", "fiscal_year"),
}
IGNORED_FIELDS = {"exceptions": {"severity", "detail"}}


_ENGINES: dict[Path, Engine] = {}


def project(folder: Path, name: str, **f) -> list[dict]:
    """The project's report as `wrp-tui report NAME --format json` gives it."""
    folder = Path(folder)
    if folder not in _ENGINES:  # one engine per fixture folder (folders are never rewritten)
        _ENGINES[folder] = Engine(Settings(folder))
    return records(run_report(_ENGINES[folder], name, Filters(**f)))


def differences(folder: Path, name: str, **filters) -> list[tuple]:
    f = {k: v for k, v in filters.items() if k in HONOURS[name] and v is not None}
    ours = getattr(oracle, name)(folder, **f)
    theirs = project(folder, name, **f)
    keys = KEYS[name]
    om = {tuple(r[k] for k in keys): r for r in ours}
    pm = {tuple(r[k] for k in keys): r for r in theirs}
    assert len(om) == len(ours), "oracle produced duplicate keys"
    assert len(pm) == len(theirs), f"project produced duplicate keys in {name}"
    out = []
    for key in sorted(set(om) | set(pm), key=str):
        if key not in om:
            out.append((name, key, "<row>", None, pm[key]))
            continue
        if key not in pm:
            out.append((name, key, "<row>", om[key], None))
            continue
        for field, value in om[key].items():
            if field in IGNORED_FIELDS.get(name, ()):
                continue
            if field not in pm[key] or pm[key][field] != value:
                out.append((name, key, field, value, pm[key].get(field, "<absent>")))
    return out


def assert_agree(folder: Path, name: str, **filters) -> None:
    diff = differences(folder, name, **filters)
    assert not diff, "oracle vs project (report, key, field, oracle, project):\n" + "\n".join(
        map(str, diff)
    )


def _distinct_cases(name: str, cases: dict[str, dict]) -> list[str]:
    """Case ids whose honoured filters differ (a report ignores filters it does not honour)."""
    seen, out = set(), []
    for fid, f in cases.items():
        key = tuple(sorted((k, v) for k, v in f.items() if k in HONOURS[name]))
        if key not in seen:
            seen.add(key)
            out.append(fid)
    return out


# ----------------------------------------------------------------------------
# (a) demo extracts
# ----------------------------------------------------------------------------
def oracle_files(folder: Path, table: str) -> list[str]:
    single = folder / f"{table}.parquet"
    return (
        [str(single)]
        if single.is_file()
        else [str(p) for p in sorted((folder / table).rglob("*.parquet"))]
    )


def _demo_filters() -> dict[str, dict]:
    """Default as-of, two earlier ones, and county / fiscal-year / month filters."""
    if not DEMO.is_dir():
        return {"default": {}}
    d = pl.read_parquet(oracle_files(DEMO, "claims"), columns=["paid_date"])["paid_date"].max()
    d_month = date(d.year, d.month, 1)
    return {
        "default": {},
        "as_of_75_days_earlier": {"as_of": d - timedelta(days=75)},
        "as_of_june30_prior_year": {"as_of": date(d.year - 1, 6, 30)},
        "county25_previous_fy": {"county": "25", "fiscal_year": oracle._fy_of(d) - 1},
        "mixed_as_of_county48_month": {
            "as_of": d - timedelta(days=75),
            "county": "48",
            "month": (d_month - timedelta(days=100)).replace(day=1),
        },
    }


DEMO_FILTERS = _demo_filters()


def _demo_params():
    for name in KEYS:
        for fid in _distinct_cases(name, DEMO_FILTERS):
            yield pytest.param(name, fid, id=f"{name}-{fid}")


@pytest.mark.skipif(
    not DEMO.is_dir(), reason=f"{DEMO} is absent (bundled demo extracts not generated yet)"
)
@pytest.mark.parametrize("name,fid", list(_demo_params()))
def test_demo(name, fid):
    assert_agree(DEMO, name, **DEMO_FILTERS[fid])


# ----------------------------------------------------------------------------
# (b) adversarial fixture
# ----------------------------------------------------------------------------
# ZIP centroids
Z12, Z48, Z25, Z18 = "95501", "94533", "96101", "96130"
ZIPS = [
    {"zip": Z12, "county_code": "12", "latitude": 40.80, "longitude": -124.16},
    {"zip": Z48, "county_code": "48", "latitude": 38.25, "longitude": -122.04},
    {"zip": Z25, "county_code": "25", "latitude": 41.50, "longitude": -120.54},
    {"zip": Z18, "county_code": "18", "latitude": 40.42, "longitude": -120.65},
]
# 59.99999999999972 miles due north of Z12 (the float closest to 60 from below)
AT_60 = 41.66838101717311
# 60.01 miles due north of Z12
BEYOND_60 = 41.66852574734264

M1, M2, M3, M4, M5, M6, M7, M8, M9, M10 = (f"1000000{i}{chr(64 + i)}" for i in range(1, 11))
M10 = "10000010J"
P_OK = "1000000001"


def _months(first: date, last: date):
    m = first
    while m <= last:
        yield m
        m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)


def _elig(member, county, zip_, first, last, fmap="STANDARD"):
    return [
        {
            "member_id": member,
            "month": m,
            "county_code": county,
            "zip": zip_,
            "plan_member": True,
            "fmap_group": fmap,
        }
        for m in _months(first, last)
    ]


def _claim(
    cid, member, svc, paid, amount, status="PAID", line=1, original=None, provider=P_OK, level="1.0"
):
    return {
        "claim_id": cid,
        "line_no": line,
        "member_id": member,
        "provider_id": provider,
        "service_date": svc,
        "paid_date": paid,
        "level_of_care": level,
        "procedure_code": "H0004",
        "units": "1.00",
        "billed_amount": "999.00",
        "paid_amount": amount,
        "status": status,
        "original_claim_id": original,
    }


def _invoice(iid, county, month, issued, users, rate, pupm, admin, total, kind="ORIGINAL"):
    return {
        "invoice_id": iid,
        "county_code": county,
        "service_month": month,
        "invoice_type": kind,
        "issued_date": issued,
        "user_count": users,
        "pupm_rate": rate,
        "pupm_amount": pupm,
        "admin_qa_amount": admin,
        "total_amount": total,
    }


def _site(pid, lat, lon, start=date(2020, 1, 1), end=None, cred=date(2030, 1, 1), county="12"):
    return {
        "provider_id": pid,
        "provider_name": f"Site {pid}",
        "county_code": county,
        "zip": None,
        "latitude": lat,
        "longitude": lon,
        "contract_start": start,
        "contract_end": end,
        "credential_expires": cred,
    }


def _ref(rid, county, level, request, offer=None, member=M1):
    return {
        "referral_id": rid,
        "member_id": member,
        "county_code": county,
        "request_date": request,
        "level_of_care": level,
        "source": "ACCESS_LINE",
        "first_offered_date": offer,
        "first_service_date": None,
    }


D_DEFAULT = date(2025, 3, 20)  # Thursday; the latest paid_date below


def adversarial_tables() -> dict[str, list[dict]]:
    d = date
    eligibility = (
        _elig(M1, "12", Z12, d(2024, 5, 1), d(2025, 3, 1))
        + _elig(M2, "12", Z12, d(2024, 7, 1), d(2024, 12, 1), "EXPANSION")  # county move
        + _elig(M2, "48", Z48, d(2025, 1, 1), d(2025, 3, 1), "EXPANSION")
        + _elig(M3, "48", Z48, d(2024, 6, 1), d(2024, 7, 1))  # June 30 / July 1
        + _elig(M4, "25", "99999", d(2025, 1, 1), d(2025, 3, 1))  # ZIP not in zips
        # M5: no eligibility at all (unattributed)
        + _elig(M6, "12", Z12, d(2025, 2, 1), d(2025, 3, 1))
        + _elig(M7, "48", Z48, d(2025, 3, 1), d(2025, 3, 1))
        + _elig(M8, "18", Z18, d(2025, 2, 1), d(2025, 3, 1))
        + _elig(M9, "25", None, d(2025, 3, 1), d(2025, 3, 1))  # NULL zip
        + _elig(M10, "23", Z48, d(2025, 3, 1), d(2025, 3, 1))  # lives in a Solano ZIP, county 23
    )
    claims = [
        # identical duplicate rows -> one line (100.00 once)
        _claim("C001", M1, d(2025, 1, 10), d(2025, 1, 20), "100.00"),
        _claim("C001", M1, d(2025, 1, 10), d(2025, 1, 20), "100.00"),
        # same key, differing rows -> both kept (50 + 60)
        _claim("C002", M1, d(2025, 1, 15), d(2025, 1, 25), "50.00"),
        _claim("C002", M1, d(2025, 1, 15), d(2025, 1, 25), "60.00"),
        # reversal of a missing target -> still cost
        _claim("R003", M1, d(2025, 1, 12), d(2025, 2, 1), "-40.00", "REVERSED", original="C999"),
        # reversal with a wrong amount: target no service, cost nets 200 - 150
        _claim("C004", M6, d(2025, 2, 3), d(2025, 2, 10), "200.00"),
        _claim("R004", M6, d(2025, 2, 3), d(2025, 2, 20), "-150.00", "REVERSED", original="C004"),
        # PAID negative amount: a service, its amount counts
        _claim("C005", M6, d(2025, 2, 5), d(2025, 2, 12), "-25.00"),
        # unknown provider / unknown level: services and cost
        _claim("C006", M1, d(2025, 2, 7), d(2025, 2, 14), "80.00", provider="9999999999"),
        _claim("C007", M7, d(2025, 3, 4), d(2025, 3, 6), "70.00", level="4.0"),
        # unattributed lines of every status (M5 has no eligibility)
        _claim("C008", M5, d(2025, 1, 5), d(2025, 1, 10), "300.00"),
        _claim("C009", M5, d(2025, 1, 6), d(2025, 1, 10), "0.00", "DENIED"),
        _claim("C011", M5, d(2025, 1, 7), d(2025, 1, 10), "35.00"),
        _claim("R011", M5, d(2025, 1, 7), d(2025, 1, 17), "-35.00", "REVERSED", original="C011"),
        # attributed DENIED line (never a service, no cost)
        _claim("C010", M8, d(2025, 2, 10), d(2025, 2, 15), "0.00", "DENIED"),
        # reversal attributed by its own service month (Jan, county 48) not its target's (Dec, 12)
        _claim("C012", M2, d(2024, 12, 10), d(2024, 12, 20), "120.00"),
        _claim("R012", M2, d(2025, 1, 10), d(2025, 1, 15), "-120.00", "REVERSED", original="C012"),
        # county move mid-year
        _claim("C013", M2, d(2024, 11, 5), d(2024, 11, 15), "90.00"),
        _claim("C014", M2, d(2025, 1, 20), d(2025, 1, 28), "70.00"),
        # June 30 / July 1 (county 48 has no FY2024 rate)
        _claim("C015", M3, d(2024, 6, 30), d(2024, 7, 10), "100.00"),
        _claim("C016", M3, d(2024, 7, 1), d(2024, 7, 15), "100.00"),
        # late claim (as-of before it: M1 is no Dec user)
        _claim("C017", M1, d(2024, 12, 15), d(2025, 3, 10), "55.55"),
        # as-of before a reversal: service on 2025-03-10, not by 2025-03-20
        _claim("C018", M6, d(2025, 3, 3), d(2025, 3, 5), "75.00"),
        _claim("R018", M6, d(2025, 3, 3), d(2025, 3, 18), "-75.00", "REVERSED", original="C018"),
        # M8 in county 18 (supplemental-only month)
        _claim("C019", M8, d(2025, 2, 11), d(2025, 2, 18), "42.42"),
        # the latest paid date (default as-of)
        _claim("C020", M1, d(2025, 3, 3), D_DEFAULT, "10.00"),
        # cost lines netting to zero with no user: county 23 FY2025 row from cost lines only
        _claim("C021", M10, d(2025, 3, 5), d(2025, 3, 7), "45.00"),
        _claim("R021", M10, d(2025, 3, 5), d(2025, 3, 9), "-45.00", "REVERSED", original="C021"),
    ]
    invoices = [
        _invoice(
            "I1", "12", d(2025, 1, 1), d(2025, 2, 5), 2, "500.00", "1000.00", "250.00", "1250.00"
        ),
        # arithmetic error: pupm_amount should be 500.00
        _invoice(
            "I2", "12", d(2025, 2, 1), d(2025, 3, 5), 1, "500.00", "600.00", "250.00", "850.00"
        ),
        _invoice(
            "I3", "12", d(2024, 12, 1), d(2025, 1, 5), 1, "500.00", "500.00", "250.00", "750.00"
        ),
        _invoice(
            "I3S",
            "12",
            d(2024, 12, 1),
            d(2025, 3, 15),
            1,
            "500.00",
            "500.00",
            "0.00",
            "500.00",
            "SUPPLEMENTAL",
        ),
        # issued after the default as-of
        _invoice(
            "I4", "48", d(2025, 1, 1), d(2025, 3, 25), 1, "400.00", "400.00", "300.00", "700.00"
        ),
        # invoice with no users
        _invoice(
            "I5", "25", d(2024, 10, 1), d(2024, 11, 5), 0, "300.00", "0.00", "100.00", "100.00"
        ),
        # supplemental only
        _invoice(
            "I6",
            "18",
            d(2025, 2, 1),
            d(2025, 3, 10),
            1,
            "350.00",
            "350.00",
            "0.00",
            "350.00",
            "SUPPLEMENTAL",
        ),
        _invoice(
            "I7", "48", d(2024, 7, 1), d(2024, 8, 5), 1, "400.00", "400.00", "300.00", "700.00"
        ),
        # June 2024, county 48, no FY2024 rate row
        _invoice(
            "I8", "48", d(2024, 6, 1), d(2024, 7, 20), 1, "380.00", "380.00", "300.00", "680.00"
        ),
    ]
    payments = [
        {
            "payment_id": "P1",
            "invoice_id": "I1",
            "county_code": "12",
            "received_date": d(2025, 2, 20),
            "amount": "1250.00",
        },
        {
            "payment_id": "P2",
            "invoice_id": "I2",
            "county_code": "12",
            "received_date": d(2025, 3, 25),
            "amount": "850.00",
        },
        # wrong county on the payment: links by invoice_id
        {
            "payment_id": "P3",
            "invoice_id": "I3",
            "county_code": "48",
            "received_date": d(2025, 2, 1),
            "amount": "300.01",
        },
        # received before D on an invoice issued after D
        {
            "payment_id": "P4",
            "invoice_id": "I4",
            "county_code": "48",
            "received_date": d(2025, 3, 10),
            "amount": "700.00",
        },
        {
            "payment_id": "P5",
            "invoice_id": "NOPE",
            "county_code": "12",
            "received_date": d(2025, 3, 1),
            "amount": "5.00",
        },
        {
            "payment_id": "P6",
            "invoice_id": "I8",
            "county_code": "48",
            "received_date": d(2024, 8, 1),
            "amount": "680.00",
        },
    ]
    rates = [
        {
            "county_code": "12",
            "fiscal_year": 2024,
            "pupm_rate": "450.00",
            "admin_qa_monthly": "200.00",
        },
        {
            "county_code": "12",
            "fiscal_year": 2025,
            "pupm_rate": "500.00",
            "admin_qa_monthly": "250.00",
        },
        {
            "county_code": "48",
            "fiscal_year": 2025,
            "pupm_rate": "400.00",
            "admin_qa_monthly": "300.00",
        },
        {
            "county_code": "25",
            "fiscal_year": 2025,
            "pupm_rate": "300.00",
            "admin_qa_monthly": "100.00",
        },
        {
            "county_code": "18",
            "fiscal_year": 2025,
            "pupm_rate": "350.00",
            "admin_qa_monthly": "150.00",
        },
        {
            "county_code": "23",
            "fiscal_year": 2025,
            "pupm_rate": "333.33",
            "admin_qa_monthly": "111.11",
        },
    ]
    last = d(2025, 3, 31)
    providers = [
        # 1.0 at the 60-mile limit, contract_end and credential_expires on the last day of M
        _site(P_OK, AT_60, -124.16, end=last, cred=last),
        # 2.1 just beyond 60 miles
        _site("1000000002", BEYOND_60, -124.16),
        # OTP without coordinates, right where everyone lives
        _site("1000000003", None, None),
        # OTP at the Solano centroid, contract ended the day before the last day of M
        _site("1000000004", 38.25, -122.04, end=d(2025, 3, 30), county="48"),
        # OTP at the Solano centroid, starts on the last day of M, credential expires then too
        _site("1000000005", 38.25, -122.04, start=last, cred=last, county="48"),
        # expiring credentials around D = 2025-03-20 (D+60 = 2025-05-19)
        _site("1000000006", 40.0, -121.0, cred=d(2025, 5, 19)),  # counts
        _site("1000000007", 40.0, -121.0, cred=d(2025, 5, 20)),  # not
        _site("1000000008", 40.0, -121.0, cred=D_DEFAULT),  # counts (D <= expires)
        _site("1000000009", 40.0, -121.0, cred=d(2025, 3, 19)),  # expired: not active
        _site(
            "1000000010", 40.0, -121.0, start=d(2025, 3, 21), cred=d(2025, 4, 1)
        ),  # not active on D
        # 1.0 credentialed through the day before the last day of M, 1 mile from Z25
        _site("1000000011", 41.50 + 1 / 69.0, -120.54, cred=d(2025, 3, 30), county="25"),
    ]
    services = [
        {"provider_id": P_OK, "level_of_care": "1.0", "capacity": 10},
        {"provider_id": "1000000002", "level_of_care": "2.1", "capacity": None},
        {"provider_id": "1000000003", "level_of_care": "OTP", "capacity": None},
        {"provider_id": "1000000004", "level_of_care": "OTP", "capacity": None},
        {"provider_id": "1000000005", "level_of_care": "OTP", "capacity": None},
        {"provider_id": "1000000011", "level_of_care": "1.0", "capacity": None},
        {"provider_id": "1000000011", "level_of_care": "3.1", "capacity": 5},
        # site missing from providers, right at Z18
        {"provider_id": "1000000099", "level_of_care": "1.0", "capacity": None},
    ]
    referrals = [
        # Saturday request, offer Thursday: Mon..Thu = 4 business days (> 3)
        _ref("R01", "12", "OTP", d(2025, 3, 1), d(2025, 3, 6)),
        # Saturday request, offer Wednesday: 3 business days
        _ref("R02", "12", "OTP", d(2025, 3, 1), d(2025, 3, 5)),
        # offer on the request day: 0 days
        _ref("R03", "12", "1.0", d(2025, 3, 3), d(2025, 3, 3)),
        # no offer, exactly 10 business days passed by D: untimely
        _ref("R04", "12", "1.0", d(2025, 3, 6)),
        # no offer, 9 business days passed by D: pending
        _ref("R05", "12", "1.0", d(2025, 3, 7)),
        # offer after D: not yet made (pending at D, 11 days at 2025-03-31)
        _ref("R06", "12", "2.1", d(2025, 3, 10), d(2025, 3, 25)),
        # level without a standard
        _ref("R07", "12", "3.1", d(2025, 3, 3), d(2025, 3, 20)),
        # requested after the default D
        _ref("R08", "48", "OTP", d(2025, 3, 21), d(2025, 3, 21)),
        # previous month
        _ref("R09", "12", "OTP", d(2025, 2, 28), d(2025, 3, 3)),
        # Sunday request, offer Monday: 1 day
        _ref("R10", "25", "1.0", d(2025, 3, 16), d(2025, 3, 17)),
        # exactly 3 / 4 business days for OTP
        _ref("R11", "48", "OTP", d(2025, 3, 3), d(2025, 3, 6)),
        _ref("R12", "48", "OTP", d(2025, 3, 3), d(2025, 3, 7)),
        # Saturday request, no offer: untimely by D (Thu 3/20); pending as of 3/10
        _ref("R13", "18", "OTP", d(2025, 3, 8)),
        # level without a standard: CM
        _ref("R14", "48", "CM", d(2025, 3, 3)),
    ]
    return {
        "eligibility": eligibility,
        "claims": claims,
        "providers": providers,
        "provider_services": services,
        "zips": ZIPS,
        "pupm_rates": rates,
        "invoices": invoices,
        "payments": payments,
        "referrals": referrals,
    }


def _hive_partition(folder: Path, table: str, source_col: str, key: str) -> None:
    """Rewrite T.parquet as T/key=YYYY-MM/part-0.parquet (contract: hive folders allowed)."""
    single = folder / f"{table}.parquet"
    t = pq.read_table(single)
    months = pl.from_arrow(t)[source_col].dt.strftime("%Y-%m").to_list()
    for month in sorted(set(months)):
        out = folder / table / f"{key}={month}"
        out.mkdir(parents=True, exist_ok=True)
        pq.write_table(
            t.take([i for i, v in enumerate(months) if v == month]), out / "part-0.parquet"
        )
    single.unlink()


@pytest.fixture(scope="module")
def adversarial(tmp_path_factory) -> Path:
    folder = write_extracts(tmp_path_factory.mktemp("adversarial"), **adversarial_tables())
    _hive_partition(folder, "claims", "service_date", "service_month")
    _hive_partition(folder, "eligibility", "month", "eligibility_month")
    return folder


# (report, filters id) -> reason, for comparisons that currently disagree
KNOWN_DISAGREEMENTS: dict[tuple[str, str], str] = {}

ADVERSARIAL_FILTERS = {
    "default": {},
    "as_of_before_late_claim_and_reversal": {"as_of": date(2025, 3, 9)},
    "as_of_after_everything": {"as_of": date(2025, 3, 31)},
    "as_of_june30": {"as_of": date(2024, 6, 30)},
    "as_of_july1_weekend": {"as_of": date(2024, 7, 13)},
    "county12_fy2025": {"county": "12", "fiscal_year": 2025},
    "county48_fy2024": {"county": "48", "fiscal_year": 2024},
    "month_2025_02": {"month": date(2025, 2, 1)},
    "month_2025_01_county48": {"month": date(2025, 1, 1), "county": "48"},
}


def _params():
    for name in KEYS:
        for fid in _distinct_cases(name, ADVERSARIAL_FILTERS):
            reason = KNOWN_DISAGREEMENTS.get((name, fid))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(name, fid, id=f"{name}-{fid}", marks=marks)


@pytest.mark.parametrize("name,fid", list(_params()))
def test_adversarial(adversarial, name, fid):
    assert_agree(adversarial, name, **ADVERSARIAL_FILTERS[fid])


# ----------------------------------------------------------------------------
# (c) rounding ties
# ----------------------------------------------------------------------------
def tie_tables() -> dict[str, list[dict]]:
    d = date
    members = [f"2000000{i}{chr(64 + i)}" for i in range(1, 9)]
    eligibility = []
    for m, county in zip(members, ["45", "47", "47", "23", "23", "18", "18", "18"], strict=True):
        eligibility += _elig(m, county, Z12, d(2025, 1, 1), d(2025, 1, 1))
    claims = [
        # county 45: cost 800.00, billed pupm 825.00 -> variance_pct 3.125
        _claim("T1", members[0], d(2025, 1, 5), d(2025, 1, 10), "800.00"),
        # county 47: cost 100.05 over 2 user-months -> indicated_pupm 50.025
        _claim("T2", members[1], d(2025, 1, 5), d(2025, 1, 10), "50.00"),
        _claim("T3", members[2], d(2025, 1, 5), d(2025, 1, 10), "50.05"),
        # county 23: cost -0.05 over 2 user-months -> indicated_pupm -0.025
        _claim("T4", members[3], d(2025, 1, 5), d(2025, 1, 10), "10.00"),
        _claim("T5", members[4], d(2025, 1, 5), d(2025, 1, 10), "10.00"),
        _claim(
            "T6", members[4], d(2025, 1, 6), d(2025, 1, 10), "-20.05", "REVERSED", original="NONE"
        ),
    ]
    invoices = [
        _invoice("J1", "45", d(2025, 1, 1), d(2025, 1, 9), 1, "825.00", "825.00", "0.00", "825.00"),
    ]
    # county 45 in Jan 2025: 32 members, 1 within 60 miles of an OTP site -> pct_within 3.125;
    # 32 OTP referrals, 1 timely -> pct_timely 3.125
    for i in range(31):
        eligibility += _elig(f"21{i:06d}X", "45", "99999", d(2025, 1, 1), d(2025, 1, 1))
    providers = [_site("6000000001", 40.81, -124.16)]
    services = [{"provider_id": "6000000001", "level_of_care": "OTP", "capacity": None}]
    referrals = [
        _ref(f"TR{i:02d}", "45", "OTP", d(2025, 1, 6), d(2025, 1, 6) if i == 0 else d(2025, 1, 10))
        for i in range(32)
    ]
    # No rate for the counties above (expected_total null); the table itself
    # may not be empty (an empty pupm_rates blocks every invoice figure).
    rates = [dict(county_code="12", fiscal_year=2021, pupm_rate="1.00", admin_qa_monthly="0.00")]
    return {
        "eligibility": eligibility,
        "claims": claims,
        "zips": ZIPS,
        "invoices": invoices,
        "providers": providers,
        "provider_services": services,
        "referrals": referrals,
        "pupm_rates": rates,
    }


@pytest.fixture(scope="module")
def ties(tmp_path_factory) -> Path:
    return write_extracts(tmp_path_factory.mktemp("ties"), **tie_tables())


TIE_DISAGREEMENTS: dict[str, str] = {}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            n,
            marks=[pytest.mark.xfail(strict=True, reason=TIE_DISAGREEMENTS[n])]
            if n in TIE_DISAGREEMENTS
            else [],
        )
        for n in KEYS
    ],
)
def test_rounding_ties(ties, name):
    assert_agree(ties, name)


# ----------------------------------------------------------------------------
# the oracle itself on a few hand-checked figures (guards the oracle, not the project)
# ----------------------------------------------------------------------------
def test_oracle_hand_checked(adversarial):
    inv = {(r["county_code"], r["month"]): r for r in oracle.invoices(adversarial)}
    assert inv[("12", "2025-01")]["computed_users"] == 1
    assert inv[("12", "2025-01")]["drift_amount"] == "-500.00"
    assert inv[("48", "2024-06")]["expected_total"] is None
    assert inv[("48", "2024-06")]["drift_users"] == 0
    assert inv[("25", "2024-10")]["expected_total"] == "100.00"
    assert inv[("12", "2024-12")]["paid"] == "300.01"
    assert ("48", "2025-01") in inv and inv[("48", "2025-01")]["billed_total"] == "0.00"
    rec = {(r["county_code"], r["fiscal_year"]): r for r in oracle.reconciliation(adversarial)}
    # 12 FY2025: Jan 100+50+60-40, Feb 200-150-25+80, Mar 10+75-75, Dec 120+55.55, Nov 90
    assert rec[("12", 2025)]["actual_claims_cost"] == "550.55"
    assert rec[("23", 2025)]["actual_claims_cost"] == "0.00"
    assert rec[("23", 2025)]["variance_pct"] is None
    exc = {r["check"]: r["count"] for r in oracle.exceptions(adversarial)}
    assert exc["duplicate_claim_line"] == 2
    assert exc["expiring_credentials"] == 4
    ade = {(r["county_code"], r["level_of_care"]): r for r in oracle.adequacy(adversarial)}
    assert ade[("12", "1.0")]["members_within"] == 2
    assert ade[("12", "OTP")]["referrals_timely"] == 1


# ----------------------------------------------------------------------------
# (d) further edges: reversal targets, timeliness corners, plan membership,
#     a county outside the reference list, expiring-credential corners
# ----------------------------------------------------------------------------
def more_edge_tables() -> dict[str, list[dict]]:
    d = date
    A, B, C, E = "30000001A", "30000002B", "30000003C", "30000004D"
    eligibility = (
        _elig(A, "12", Z12, d(2025, 1, 1), d(2025, 3, 1))
        + [dict(r, plan_member=False) for r in _elig(B, "45", Z12, d(2025, 1, 1), d(2025, 3, 1))]
        + _elig(C, "99", Z12, d(2025, 2, 1), d(2025, 3, 1))  # county outside the reference list
        + _elig(E, "47", "96099", d(2025, 3, 1), d(2025, 3, 1))  # ZIP present, no coordinates
    )
    claims = [
        # reversal pointing at a DENIED line: without original; the denial stays no service
        _claim("D01", A, d(2025, 1, 5), d(2025, 1, 9), "0.00", "DENIED"),
        _claim("RD01", A, d(2025, 1, 5), d(2025, 1, 20), "-10.00", "REVERSED", original="D01"),
        # identical duplicate REVERSED rows: one line, cost once
        _claim("P02", A, d(2025, 2, 5), d(2025, 2, 9), "30.00"),
        _claim("RP02", A, d(2025, 2, 5), d(2025, 2, 19), "-30.00", "REVERSED", original="P02"),
        _claim("RP02", A, d(2025, 2, 5), d(2025, 2, 19), "-30.00", "REVERSED", original="P02"),
        # reversal with a positive amount: mismatch, cost counts as is
        _claim("P03", A, d(2025, 2, 6), d(2025, 2, 9), "40.00"),
        _claim("RP03", A, d(2025, 2, 6), d(2025, 2, 19), "40.00", "REVERSED", original="P03"),
        # reversal known before its target is paid (as-of 2025-03-10: without original)
        _claim("P04", B, d(2025, 3, 2), d(2025, 3, 15), "25.00"),
        _claim("RP04", B, d(2025, 3, 2), d(2025, 3, 5), "-25.00", "REVERSED", original="P04"),
        # non-plan member: a user like any other
        _claim("P05", B, d(2025, 1, 8), d(2025, 1, 12), "60.00"),
        # county outside the reference list
        _claim("P06", C, d(2025, 2, 8), d(2025, 2, 12), "70.00"),
        # a user in Feb 2025 whose ORIGINAL invoice is issued only after D
        _claim("P07", B, d(2025, 2, 8), d(2025, 2, 12), "15.00"),
        _claim("LAST", A, d(2025, 3, 3), D_DEFAULT, "1.00"),
    ]
    invoices = [
        _invoice(
            "K1", "45", d(2025, 2, 1), d(2025, 3, 25), 1, "100.00", "100.00", "10.00", "110.00"
        ),
        _invoice(
            "K2", "99", d(2025, 2, 1), d(2025, 3, 1), 1, "100.00", "100.00", "10.00", "110.00"
        ),
    ]
    rates = [
        {
            "county_code": "12",
            "fiscal_year": 2025,
            "pupm_rate": "500.00",
            "admin_qa_monthly": "250.00",
        },
        {
            "county_code": "45",
            "fiscal_year": 2025,
            "pupm_rate": "123.45",
            "admin_qa_monthly": "0.01",
        },
        {"county_code": "99", "fiscal_year": 2025, "pupm_rate": "1.00", "admin_qa_monthly": "1.00"},
    ]
    D = D_DEFAULT
    providers = [
        _site("4000000001", 40.81, -124.16, start=D, cred=D + timedelta(days=30)),  # counts
        _site("4000000002", 40.81, -124.16, end=D, cred=D + timedelta(days=60)),  # counts
        _site(
            "4000000003", 40.81, -124.16, end=D - timedelta(days=1), cred=D + timedelta(days=5)
        ),  # not active
        _site("4000000004", 40.81, -124.16, cred=D + timedelta(days=61)),  # not within 60
    ]
    services = [{"provider_id": "4000000001", "level_of_care": "OTP", "capacity": None}]
    zips = ZIPS + [{"zip": "96099", "county_code": "47", "latitude": None, "longitude": None}]
    referrals = [
        # offer before the request (data error): negative days, timely
        _ref("Q01", "12", "OTP", d(2025, 3, 12), d(2025, 3, 10)),
        # offer on D itself: made, Mon..Thu after Mon request = 3 days, timely
        _ref("Q02", "12", "OTP", d(2025, 3, 17), D),
        # Saturday request, Sunday offer: 0 days
        _ref("Q03", "12", "OTP", d(2025, 3, 15), d(2025, 3, 16)),
        # Saturday request, no offer: 3 business days by Wed 3/19 (untimely), 2 by Tue (pending)
        _ref("Q04", "12", "OTP", d(2025, 3, 15)),
        # referral county outside the reference list
        _ref("Q05", "99", "OTP", d(2025, 3, 3), d(2025, 3, 4)),
    ]
    return {
        "eligibility": eligibility,
        "claims": claims,
        "providers": providers,
        "provider_services": services,
        "zips": zips,
        "pupm_rates": rates,
        "invoices": invoices,
        "referrals": referrals,
    }


@pytest.fixture(scope="module")
def more_edges(tmp_path_factory) -> Path:
    return write_extracts(tmp_path_factory.mktemp("more_edges"), **more_edge_tables())


MORE_FILTERS = {
    "default": {},
    "as_of_2025_03_10": {"as_of": date(2025, 3, 10)},
    "as_of_2025_03_18": {"as_of": date(2025, 3, 18)},
    "as_of_2025_03_19": {"as_of": date(2025, 3, 19)},
    "county99": {"county": "99"},
}
MORE_DISAGREEMENTS: dict[tuple[str, str], str] = {}


def _more_params():
    for name in KEYS:
        for fid in _distinct_cases(name, MORE_FILTERS):
            reason = MORE_DISAGREEMENTS.get((name, fid))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(name, fid, id=f"{name}-{fid}", marks=marks)


@pytest.mark.parametrize("name,fid", list(_more_params()))
def test_more_edges(more_edges, name, fid):
    assert_agree(more_edges, name, **MORE_FILTERS[fid])


# ----------------------------------------------------------------------------
# (e) file-format edges the contract allows: hive files whose columns come in
#     another order, with extra columns, with another DECIMAL precision; a hive
#     key named like a contract column; rows identical but for an extra column
# ----------------------------------------------------------------------------


def _format_tables() -> dict[str, list[dict]]:
    t = adversarial_tables()
    return t


def _write_variant(folder: Path, variant: str) -> Path:
    write_extracts(folder, **_format_tables())
    if variant == "column_order_extra_decimal":
        # claims as two hive files: one contract-typed, one reordered with an
        # extra column and money as DECIMAL(18,2), units as DECIMAL(12,2)
        t = pq.read_table(folder / "claims.parquet")
        (folder / "claims.parquet").unlink()
        half = t.num_rows // 2
        a, b = t.slice(0, half), t.slice(half)
        out = folder / "claims"
        (out / "service_month=A").mkdir(parents=True)
        (out / "service_month=B").mkdir(parents=True)
        pq.write_table(a, out / "service_month=A" / "part-0.parquet")
        cols = list(reversed(b.column_names))
        fields = []
        arrays = []
        for c in cols:
            arr = b.column(c)
            if c in ("paid_amount", "billed_amount"):
                arr = arr.cast(pa.decimal128(18, 2))
            if c == "units":
                arr = arr.cast(pa.decimal128(12, 2))
            arrays.append(arr)
            fields.append(c)
        arrays.append(pa.array(["batch-7"] * b.num_rows))
        fields.append("batch_id")
        pq.write_table(pa.table(arrays, names=fields), out / "service_month=B" / "part-0.parquet")
    elif variant == "hive_key_is_contract_column":
        _hive_partition(folder, "eligibility", "month", "month")
        # hive values as full dates, like month=2025-03-01
        for p in sorted((folder / "eligibility").iterdir()):
            p.rename(p.with_name(p.name + "-01"))
    elif variant == "partition_column_only_in_path":
        # as pyarrow.dataset / polars partition_by write them: the partition column
        # lives only in the folder name (eligibility/month=2025-03-01/, claims/status=PAID/)
        for table, col in (("eligibility", "month"), ("claims", "status")):
            t = pq.read_table(folder / f"{table}.parquet")
            (folder / f"{table}.parquet").unlink()
            values = t.column(col).to_pylist()
            for v in sorted(set(values), key=str):
                idx = [i for i, x in enumerate(values) if x == v]
                out = folder / table / f"{col}={v}"
                out.mkdir(parents=True)
                pq.write_table(t.take(idx).drop_columns([col]), out / "part-0.parquet")
    elif variant == "rows_identical_but_extra_column":
        t = pq.read_table(folder / "claims.parquet")
        extra = pa.array([f"load-{i}" for i in range(t.num_rows)])
        pq.write_table(t.append_column("load_id", extra), folder / "claims.parquet")
    return folder


FORMAT_VARIANTS = [
    "column_order_extra_decimal",
    "hive_key_is_contract_column",
    "partition_column_only_in_path",
    "rows_identical_but_extra_column",
]
FORMAT_DISAGREEMENTS: dict[tuple[str, str], str] = {}


def _format_params():
    for variant in FORMAT_VARIANTS:
        for name in KEYS:
            reason = FORMAT_DISAGREEMENTS.get((variant, name))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(variant, name, id=f"{variant}-{name}", marks=marks)


@pytest.fixture(scope="module")
def format_folders(tmp_path_factory) -> dict[str, Path]:
    return {v: _write_variant(tmp_path_factory.mktemp(v), v) for v in FORMAT_VARIANTS}


@pytest.mark.parametrize("variant,name", list(_format_params()))
def test_format_edges(format_folders, variant, name):
    assert_agree(format_folders[variant], name)


# ----------------------------------------------------------------------------
# (f) probes where the contract's text can be read two ways (each in its own
#     folder so a disagreement stays local)
# ----------------------------------------------------------------------------
def _probe_base() -> dict[str, list[dict]]:
    A = "50000001A"
    return {
        "eligibility": _elig(A, "12", Z12, date(2025, 1, 1), date(2025, 3, 1)),
        "claims": [_claim("BASE", A, date(2025, 2, 3), D_DEFAULT, "10.00")],
        "zips": ZIPS,
        "pupm_rates": [
            {
                "county_code": "12",
                "fiscal_year": 2025,
                "pupm_rate": "500.00",
                "admin_qa_monthly": "250.00",
            }
        ],
    }


def probe_tables(probe: str) -> dict[str, list[dict]]:
    t = _probe_base()
    A = "50000001A"
    if probe == "reversal_of_same_key_rows":
        # two PAID rows share key X/1 (50.00 and 60.00); the reversal negates one of them
        t["claims"] += [
            _claim("X", A, date(2025, 1, 6), date(2025, 1, 10), "50.00"),
            _claim("X", A, date(2025, 1, 6), date(2025, 1, 10), "60.00"),
            _claim(
                "RX", A, date(2025, 1, 6), date(2025, 1, 20), "-50.00", "REVERSED", original="X"
            ),
        ]
    elif probe == "invoice_null_part":
        # a supplemental whose admin_qa_amount is NULL rather than 0
        t["invoices"] = [
            _invoice(
                "N1",
                "12",
                date(2025, 1, 1),
                date(2025, 2, 5),
                1,
                "500.00",
                "500.00",
                "250.00",
                "750.00",
            ),
            _invoice(
                "N2",
                "12",
                date(2025, 1, 1),
                date(2025, 3, 5),
                1,
                "500.00",
                "500.00",
                None,
                "500.00",
                "SUPPLEMENTAL",
            ),
        ]
    elif probe == "eligibility_null_county":
        # an eligibility row exists for the service month but its county_code is NULL
        B = "50000002B"
        t["eligibility"] += [
            {
                "member_id": B,
                "month": date(2025, 2, 1),
                "county_code": None,
                "zip": Z12,
                "plan_member": True,
                "fmap_group": "STANDARD",
            }
        ]
        t["claims"] += [_claim("NC", B, date(2025, 2, 4), date(2025, 2, 10), "20.00")]
    elif probe == "rates_row_twice":
        # pupm_rates has no key in the contract: two rows for 12 / FY2025, 600.00 listed first
        t["pupm_rates"] = [
            {
                "county_code": "12",
                "fiscal_year": 2025,
                "pupm_rate": "600.00",
                "admin_qa_monthly": "250.00",
            },
            {
                "county_code": "12",
                "fiscal_year": 2025,
                "pupm_rate": "500.00",
                "admin_qa_monthly": "250.00",
            },
        ]
    elif probe == "invoice_row_twice":
        # the same invoice row delivered twice (invoices have no key in the contract); one payment
        inv = _invoice(
            "W1",
            "12",
            date(2025, 2, 1),
            date(2025, 3, 5),
            1,
            "500.00",
            "500.00",
            "250.00",
            "750.00",
        )
        t["invoices"] = [inv, dict(inv)]
        t["payments"] = [
            {
                "payment_id": "PW1",
                "invoice_id": "W1",
                "county_code": "12",
                "received_date": date(2025, 3, 15),
                "amount": "750.00",
            }
        ]
    return t


PROBES = [
    "reversal_of_same_key_rows",
    "invoice_null_part",
    "invoice_row_twice",
    "eligibility_null_county",
    "rates_row_twice",
]
_R_SAME_KEY = (
    "reversal_amount_mismatch: a REVERSED line whose target key (X/1) is on two PAID rows "
    "(50.00, 60.00) with paid_amount -50.00. Oracle counts it (it does not negate 'its target' "
    "X/1 as a whole, the 60.00 row is not negated); project counts it only when NO target row "
    "equals -amount (0). Contract: 'even when a reversal does not negate its target exactly'"
)
_R_NULL_PART = (
    "invoice_arithmetic: SUPPLEMENTAL with admin_qa_amount NULL, total 500.00 = pupm 500.00. "
    "Oracle: a NULL part is not 'not equal' (SQL equality, not flagged: 0); project uses IS "
    "DISTINCT FROM and flags it (1). Contract: 'pupm_amount or total_amount not equal to its parts'"
)
_R_NULL_COUNTY = (
    "eligibility row with county_code NULL for the service month: oracle attributes the "
    "service to a NULL county (there IS an eligibility row: 'A service with no eligibility "
    "row ... is unattributed'), project treats it as unattributed. Out-of-band data; "
    "neither reading is mandated"
)
_R_RATES = (
    "invoices 12/2025-02 expected_total/drift_amount: two pupm_rates rows for 12/FY2025 "
    "(600.00 first, 500.00 second; the contract declares no key for pupm_rates). Oracle uses "
    "the first row (850.00); project keeps the lowest pupm_rate (750.00). Contract: 'with the "
    "rates of the month's fiscal year' - neither reading is mandated"
)
PROBE_DISAGREEMENTS: dict[tuple[str, str], str] = {
    ("rates_row_twice", "invoices"): _R_RATES,
    ("reversal_of_same_key_rows", "exceptions"): _R_SAME_KEY,
    ("invoice_null_part", "exceptions"): _R_NULL_PART,
    ("eligibility_null_county", "users"): _R_NULL_COUNTY,
    ("eligibility_null_county", "invoices"): _R_NULL_COUNTY,
    ("eligibility_null_county", "reconciliation"): _R_NULL_COUNTY,
    ("eligibility_null_county", "exceptions"): _R_NULL_COUNTY,
    ("eligibility_null_county", "penetration"): _R_NULL_COUNTY,
}


def _probe_params():
    for probe in PROBES:
        for name in KEYS:
            reason = PROBE_DISAGREEMENTS.get((probe, name))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(probe, name, id=f"{probe}-{name}", marks=marks)


@pytest.fixture(scope="module")
def probe_folders(tmp_path_factory) -> dict[str, Path]:
    return {p: write_extracts(tmp_path_factory.mktemp(p), **probe_tables(p)) for p in PROBES}


@pytest.mark.parametrize("probe,name", list(_probe_params()))
def test_probe(probe_folders, probe, name):
    assert_agree(probe_folders[probe], name)
