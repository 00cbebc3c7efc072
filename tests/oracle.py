"""Independent oracle for the five machine-readable reports.

Written from shared/contract/EXTRACTS.md alone, in polars (no DuckDB, no SQL),
without reading the project's queries. Money stays Decimal end to end
(polars Decimal columns, then Python Decimal); percentages are computed as
exact Decimals and rounded half-up to 2 places before becoming floats.

Readings taken where the contract is not explicit (see ASSUMPTIONS below).
"""

from __future__ import annotations

import calendar
import math
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote

import polars as pl

# ----------------------------------------------------------------------------
# Contract data, copied from EXTRACTS.md (kept here so the oracle does not
# depend on the project's own modules).
# ----------------------------------------------------------------------------
TABLES: dict[str, dict[str, str]] = {
    "eligibility": {
        "member_id": "text",
        "month": "date",
        "county_code": "text",
        "zip": "text",
        "plan_member": "bool",
        "fmap_group": "text",
    },
    "claims": {
        "claim_id": "text",
        "line_no": "int",
        "member_id": "text",
        "provider_id": "text",
        "service_date": "date",
        "paid_date": "date",
        "level_of_care": "text",
        "procedure_code": "text",
        "units": "decimal",
        "billed_amount": "money",
        "paid_amount": "money",
        "status": "text",
        "original_claim_id": "text",
    },
    "providers": {
        "provider_id": "text",
        "provider_name": "text",
        "county_code": "text",
        "zip": "text",
        "latitude": "float",
        "longitude": "float",
        "contract_start": "date",
        "contract_end": "date",
        "credential_expires": "date",
    },
    "provider_services": {"provider_id": "text", "level_of_care": "text", "capacity": "int"},
    "zips": {"zip": "text", "county_code": "text", "latitude": "float", "longitude": "float"},
    "pupm_rates": {
        "county_code": "text",
        "fiscal_year": "int",
        "pupm_rate": "money",
        "admin_qa_monthly": "money",
    },
    "invoices": {
        "invoice_id": "text",
        "county_code": "text",
        "service_month": "date",
        "invoice_type": "text",
        "issued_date": "date",
        "user_count": "int",
        "pupm_rate": "money",
        "pupm_amount": "money",
        "admin_qa_amount": "money",
        "total_amount": "money",
    },
    "payments": {
        "payment_id": "text",
        "invoice_id": "text",
        "county_code": "text",
        "received_date": "date",
        "amount": "money",
    },
    "referrals": {
        "referral_id": "text",
        "member_id": "text",
        "county_code": "text",
        "request_date": "date",
        "level_of_care": "text",
        "source": "text",
        "first_offered_date": "date",
        "first_service_date": "date",
    },
}
POLARS_TYPES = {
    "text": pl.String,
    "date": pl.Date,
    "bool": pl.Boolean,
    "int": pl.Int64,
    "money": pl.Decimal(38, 2),
    "decimal": pl.Decimal(38, 2),
    "float": pl.Float64,
}

COUNTY_SIZE = {
    "12": "rural",
    "18": "rural",
    "23": "rural",
    "25": "rural",
    "45": "rural",
    "47": "rural",
    "48": "medium",
}
LEVELS = {"1.0", "2.1", "3.1", "3.3", "3.5", "3.2-WM", "OTP", "RS", "CM"}
MAX_MILES = {"dense": 15, "medium": 30, "small": 45, "rural": 60}
TIMELY_DAYS = {"1.0": 10, "2.1": 10, "OTP": 3}
EARTH_RADIUS_MILES = 3958.8

CHECKS = (
    "unattributed_services",
    "duplicate_claim_line",
    "reversal_without_original",
    "reversal_amount_mismatch",
    "paid_line_negative_amount",
    "unknown_provider",
    "unknown_level_of_care",
    "missing_rate",
    "month_not_invoiced",
    "invoice_arithmetic",
    "expiring_credentials",
    "zip_not_located",
    "lapsed_credential_open_contract",
)

ASSUMPTIONS = """
A1 Duplicate rows: "identical in every column" is judged on the contract's columns
   (extra columns are ignored); duplicate_claim_line counts keys with >1 raw row
   among rows known on D.
A2 unattributed_services counts *services* (PAID lines, not reversed) with no
   eligibility row; REVERSED/DENIED unattributed lines are left out of cost but
   not counted ("A service with no eligibility row ... listed as a data-quality
   exception").
A3 A REVERSED line cancels every PAID row with key (original_claim_id, line_no)
   known on D, whatever the member. reversal_amount_mismatch: a REVERSED line
   with a PAID target whose paid_amount != -target.paid_amount.
A4 paid_line_negative_amount counts every PAID line (deduplicated, known on D)
   with paid_amount < 0, reversed or not.
A5 unknown_provider / unknown_level_of_care: NULL counts as unknown.
A6 Claims cost sums PAID and REVERSED only (DENIED excluded even if non-zero).
A7 Invoices with no users: expected_total = 0 x rate + admin_qa_monthly.
   billed_users = 0 with no invoice.
A8 Percentages: exact ratio, rounded half-up to 2 places. indicated_pupm:
   ROUND_HALF_UP (away from zero for negatives).
A9 Business days: Mon-Fri strictly after the request date up to and including
   the offer date (Sat request, Mon offer = 1 day). No offer (or offer > D):
   days passed = Mon-Fri after request up to and including D; pending while
   < standard, untimely at >= standard.
A10 Adequacy sites: provider_services rows joined to providers (missing ones
   ignored); NULL contract_start or credential_expires => not active. Members'
   ZIP is their eligibility zip in M. Referrals are placed by their own
   county_code. A member with ZIP NULL is not located.
A11 expiring_credentials: distinct provider_id active on D (contract_start <= D,
   contract_end NULL or >= D, credential_expires >= D) with
   credential_expires <= D + 60 days.
A12 missing_rate: county x FY pairs with attributed services (PAID, unreversed).
A13 month_not_invoiced: county-months with users, month < month of D, with no
   ORIGINAL invoice issued <= D.
A14 invoice_arithmetic: invoices issued <= D with pupm_amount != user_count x
   pupm_rate or total_amount != pupm_amount + admin_qa_amount.
A15 zip_not_located: distinct member_id with an eligibility row in M whose zip is
   not in zips.
A16 Default D = max(paid_date) over all claim rows; default M = max(eligibility
   month). Filters: month -> users/invoices rows (and M), fiscal_year -> users,
   invoices, reconciliation, county -> all but exceptions.
A17 An eligibility row whose county_code is NULL still attributes the line
   (the contract's test is "no eligibility row"); figures are then grouped
   under a NULL county (neither reading is mandated by the contract).
A18 pupm_rates, invoices, providers and zips declare no key: with two rate rows
   for a county-FY the first row in file order is used; a payment counts once
   per payment row even when its invoice_id is on several invoice rows (it is
   credited to the first such row's county-month); zips: first row per ZIP.
A20 v1.1 care: the member's services are the attributed services of D (A2's
   set), taken by distinct date per kind; a stay's county is the member's
   eligibility county in the month of its last date (the lowest code when a
   member-month has several rows). Follow-ups and readmissions are looked for
   among the same attributed services. Unknown levels are ignored.
A21 v1.1 access: referrals with request_date <= D, grouped by their own
   county_code and request month (NULL county kept as a group); medians over
   whole numbers computed exactly and rounded half-up to 1 decimal.
A22 v1.1 penetration: eligible = distinct member per (county, FY) over every
   eligibility row (no as-of cut); users = distinct members of attributed
   services per (county, FY); rows only for (county, FY) with eligible members.
A23 lapsed_credential_open_contract: distinct provider_id with contract_start
   <= D, contract_end NULL or >= D and credential_expires < D (NULLs out).
A19 reversal_amount_mismatch with a target key on several PAID rows: mismatch
   when any target row is not negated exactly. invoice_arithmetic with a NULL
   part: not flagged (NULL is not "not equal").
"""


# ----------------------------------------------------------------------------
# Reading
# ----------------------------------------------------------------------------
def _cast_hive(value: str, kind: str) -> pl.Series:
    if value == "__HIVE_DEFAULT_PARTITION__":
        return pl.Series([None], dtype=POLARS_TYPES[kind])
    s = pl.Series([unquote(value)])
    if kind == "date":
        return s.str.to_date()
    if kind == "bool":
        return s.str.to_lowercase() == "true"
    if kind in ("money", "decimal"):
        return s.str.to_decimal(scale=2).cast(POLARS_TYPES[kind])
    return s.cast(POLARS_TYPES[kind])


def read_table(folder: Path | str, table: str) -> pl.DataFrame:
    """The table from T.parquet or every *.parquet under T/, contract-typed."""
    folder = Path(folder)
    columns = TABLES[table]
    single = folder / f"{table}.parquet"
    if single.is_file():
        files = [single]
    else:
        files = sorted((folder / table).rglob("*.parquet")) if (folder / table).is_dir() else []
    frames = []
    for f in files:
        df = pl.read_parquet(f, hive_partitioning=False)
        # hive partition values for contract columns missing from the file
        hive = {}
        if f != single:
            for part in f.relative_to(folder / table).parts[:-1]:
                if "=" in part:
                    k, v = part.split("=", 1)
                    hive[k] = v
        exprs = []
        for c, kind in columns.items():
            if c in df.columns:
                exprs.append(pl.col(c).cast(POLARS_TYPES[kind]))
            elif c in hive:
                exprs.append(
                    pl.lit(_cast_hive(hive[c], kind).item(), dtype=POLARS_TYPES[kind]).alias(c)
                )
            else:
                exprs.append(pl.lit(None, dtype=POLARS_TYPES[kind]).alias(c))
        frames.append(df.select(exprs))
    if not frames:
        return pl.DataFrame(schema={c: POLARS_TYPES[k] for c, k in columns.items()})
    return pl.concat(frames, how="vertical")


# ----------------------------------------------------------------------------
# Small helpers
# ----------------------------------------------------------------------------
def _month_start(col: str | pl.Expr) -> pl.Expr:
    e = pl.col(col) if isinstance(col, str) else col
    return e.dt.truncate("1mo")


def _fiscal_year(col: str) -> pl.Expr:
    return (pl.col(col).dt.year() + (pl.col(col).dt.month() >= 7).cast(pl.Int32)).cast(pl.Int64)


def _fy_of(d: date) -> int:
    return d.year + 1 if d.month >= 7 else d.year


def _money(v) -> str | None:
    if v is None:
        return None
    return f"{Decimal(v).quantize(Decimal('0.01')):.2f}"


def _pct(num, den) -> float | None:
    if den is None or Decimal(den) == 0 or num is None:
        return None
    with localcontext() as ctx:
        ctx.prec = 60
        q = Decimal(num) * 100 / Decimal(den)
        return float(q.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _month_str(d: date) -> str:
    return d.strftime("%Y-%m")


def _last_day(m: date) -> date:
    return date(m.year, m.month, calendar.monthrange(m.year, m.month)[1])


def _signature(folder: Path) -> tuple:
    return tuple(
        (str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.rglob("*.parquet"))
    )


@lru_cache(maxsize=8)
def _tables(folder: str, signature: tuple) -> dict[str, pl.DataFrame]:
    return {name: read_table(folder, name) for name in TABLES}


@lru_cache(maxsize=32)
def _data(folder: str, signature: tuple, as_of: date | None) -> _Data:
    return _Data(folder, as_of, _tables(folder, signature))


def _load(folder, as_of: date | None) -> _Data:
    folder = Path(folder).resolve()
    return _data(str(folder), _signature(folder), as_of)


class _Data:
    """All tables of one folder, read once, plus the resolved as-of date."""

    def __init__(self, folder, as_of: date | None, tables: dict[str, pl.DataFrame] | None = None):
        self.t = (
            tables if tables is not None else {name: read_table(folder, name) for name in TABLES}
        )
        claims = self.t["claims"]
        if as_of is None:
            as_of = claims["paid_date"].max()
            if as_of is None:
                as_of = date.today()
        self.D: date = as_of
        D = self.D

        raw = claims.filter(pl.col("paid_date") <= D)
        self.raw_claims = raw
        # identical rows are one line
        lines = raw.unique(maintain_order=True).with_columns(month=_month_start("service_date"))
        self.lines = lines
        paid = lines.filter(pl.col("status") == "PAID")
        rev = lines.filter(pl.col("status") == "REVERSED")
        targets = (
            rev.select(claim_id=pl.col("original_claim_id"), line_no=pl.col("line_no"))
            .drop_nulls()
            .unique()
        )
        self.paid = paid
        self.rev = rev
        self.services = paid.join(targets, on=["claim_id", "line_no"], how="anti")

        elig = self.t["eligibility"].with_columns(month=_month_start("month")).unique()
        self.elig = elig
        ekey = elig.select("member_id", "month", "county_code").unique()
        self.attributed_services = self.services.join(ekey, on=["member_id", "month"], how="inner")
        self.unattributed_services = self.services.join(
            ekey.select("member_id", "month").unique(), on=["member_id", "month"], how="anti"
        )
        cost_lines = lines.filter(pl.col("status").is_in(["PAID", "REVERSED"])).join(
            ekey, on=["member_id", "month"], how="inner"
        )
        self.cost_lines = cost_lines.with_columns(fiscal_year=_fiscal_year("month"))

        # monthly users (county, month)
        self.users = (
            self.attributed_services.group_by("county_code", "month")
            .agg(users=pl.col("member_id").n_unique())
            .with_columns(fiscal_year=_fiscal_year("month"))
        )
        self.cost_by_fy = self.cost_lines.group_by("county_code", "fiscal_year").agg(
            cost=pl.col("paid_amount").sum(), n_lines=pl.len()
        )

        inv = (
            self.t["invoices"]
            .filter(pl.col("issued_date") <= D)
            .with_columns(month=pl.col("service_month"), fiscal_year=_fiscal_year("service_month"))
        )
        self.invoices = inv
        pay = self.t["payments"].filter(pl.col("received_date") <= D)
        inv_ids = inv.select("invoice_id").unique()
        self.payments = pay.join(inv_ids, on="invoice_id", how="semi")

        self.rates = self.t["pupm_rates"].unique(
            subset=["county_code", "fiscal_year"], keep="first"
        )


def _filter_rows(rows: list[dict], county=None, fiscal_year=None, month=None) -> list[dict]:
    out = []
    for r in rows:
        if county is not None and r["county_code"] != county:
            continue
        if fiscal_year is not None and r["_fy"] != fiscal_year:
            continue
        if month is not None and r["month"] != _month_str(month):
            continue
        out.append(r)
    return out


def _strip(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]


# ----------------------------------------------------------------------------
# Reports
# ----------------------------------------------------------------------------
def users(folder, as_of=None, county=None, fiscal_year=None, month=None) -> list[dict]:
    d = _load(folder, as_of)
    rows = [
        {
            "county_code": r["county_code"],
            "month": _month_str(r["month"]),
            "users": int(r["users"]),
            "_fy": r["fiscal_year"],
        }
        for r in d.users.sort("county_code", "month").iter_rows(named=True)
    ]
    return _strip(_filter_rows(rows, county, fiscal_year, month))


def _invoice_frame(d: _Data) -> pl.DataFrame:
    inv = d.invoices
    paid = (
        d.payments.select("invoice_id", "amount")
        .join(
            inv.select("invoice_id", "county_code", "month").unique(subset="invoice_id"),
            on="invoice_id",
            how="inner",
        )
        .group_by("county_code", "month")
        .agg(paid=pl.col("amount").sum())
    )
    billed = inv.group_by("county_code", "month").agg(
        billed_users=pl.col("user_count").sum(),
        billed_total=pl.col("total_amount").sum(),
        has_original=(pl.col("invoice_type") == "ORIGINAL").any(),
    )
    keys = pl.concat(
        [d.users.select("county_code", "month"), billed.select("county_code", "month")]
    ).unique()
    zero = pl.lit(0, dtype=pl.Decimal(38, 2))
    f = (
        keys.join(
            d.users.select("county_code", "month", "users"),
            on=["county_code", "month"],
            how="left",
            nulls_equal=True,
        )
        .join(billed, on=["county_code", "month"], how="left", nulls_equal=True)
        .join(paid, on=["county_code", "month"], how="left", nulls_equal=True)
        .with_columns(fiscal_year=_fiscal_year("month"))
        .join(d.rates, on=["county_code", "fiscal_year"], how="left")
        .with_columns(
            computed_users=pl.col("users").fill_null(0).cast(pl.Int64),
            billed_users=pl.col("billed_users").fill_null(0).cast(pl.Int64),
            billed_total=pl.col("billed_total").fill_null(zero),
            paid=pl.col("paid").fill_null(zero),
        )
        .with_columns(
            expected_total=pl.col("computed_users") * pl.col("pupm_rate")
            + pl.col("admin_qa_monthly"),
        )
        .with_columns(
            drift_users=pl.col("computed_users") - pl.col("billed_users"),
            drift_amount=pl.col("expected_total") - pl.col("billed_total"),
            outstanding=pl.col("billed_total") - pl.col("paid"),
        )
        .sort("county_code", "month")
    )
    return f


def invoices(folder, as_of=None, county=None, fiscal_year=None, month=None) -> list[dict]:
    d = _load(folder, as_of)
    f = _invoice_frame(d)
    rows = [
        {
            "county_code": r["county_code"],
            "month": _month_str(r["month"]),
            "computed_users": r["computed_users"],
            "billed_users": r["billed_users"],
            "expected_total": _money(r["expected_total"]),
            "billed_total": _money(r["billed_total"]),
            "drift_users": r["drift_users"],
            "drift_amount": _money(r["drift_amount"]),
            "paid": _money(r["paid"]),
            "outstanding": _money(r["outstanding"]),
            # v1.1: an ORIGINAL invoice issued by D for the county-month
            "invoiced": bool(r["has_original"]),
            "_fy": r["fiscal_year"],
        }
        for r in f.iter_rows(named=True)
    ]
    return _strip(_filter_rows(rows, county, fiscal_year, month))


def reconciliation(folder, as_of=None, county=None, fiscal_year=None, month=None) -> list[dict]:
    d = _load(folder, as_of)
    um = d.users.group_by("county_code", "fiscal_year").agg(user_months=pl.col("users").sum())
    billed = d.invoices.group_by("county_code", "fiscal_year").agg(
        pupm_billed=pl.col("pupm_amount").sum()
    )
    keys = pl.concat(
        [
            um.select("county_code", "fiscal_year"),
            d.cost_by_fy.select("county_code", "fiscal_year"),
            billed.select("county_code", "fiscal_year"),
        ]
    ).unique()
    zero = pl.lit(0, dtype=pl.Decimal(38, 2))
    f = (
        keys.join(um, on=["county_code", "fiscal_year"], how="left", nulls_equal=True)
        .join(billed, on=["county_code", "fiscal_year"], how="left", nulls_equal=True)
        .join(d.cost_by_fy, on=["county_code", "fiscal_year"], how="left", nulls_equal=True)
        .with_columns(
            user_months=pl.col("user_months").fill_null(0).cast(pl.Int64),
            pupm_billed=pl.col("pupm_billed").fill_null(zero),
            cost=pl.col("cost").fill_null(zero),
        )
        .with_columns(variance=pl.col("pupm_billed") - pl.col("cost"))
        .sort("county_code", "fiscal_year")
    )
    # v1.1: the latest month of the year with an ORIGINAL issued by D, and the
    # cost of the year's months up to and including it.
    originals = d.invoices.filter(pl.col("invoice_type") == "ORIGINAL")
    through = {
        (r["county_code"], r["fiscal_year"]): r["through"]
        for r in originals.group_by("county_code", "fiscal_year")
        .agg(through=pl.col("month").max())
        .iter_rows(named=True)
    }
    cost_to: dict[tuple, Decimal] = {}
    for r in d.cost_lines.select("county_code", "fiscal_year", "month", "paid_amount").iter_rows(
        named=True
    ):
        last = through.get((r["county_code"], r["fiscal_year"]))
        if last is not None and r["month"] <= last:
            key = (r["county_code"], r["fiscal_year"])
            cost_to[key] = cost_to.get(key, Decimal("0")) + Decimal(r["paid_amount"])
    rows = []
    for r in f.iter_rows(named=True):
        key = (r["county_code"], r["fiscal_year"])
        last = through.get(key)
        cost_through = cost_to.get(key, Decimal("0"))
        cost = Decimal(r["cost"])
        um_ = r["user_months"]
        if um_:
            with localcontext() as ctx:
                ctx.prec = 60
                ind = (cost / Decimal(um_)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        else:
            ind = None
        rows.append(
            {
                "county_code": r["county_code"],
                "fiscal_year": int(r["fiscal_year"]),
                "user_months": um_,
                "pupm_billed": _money(r["pupm_billed"]),
                "actual_claims_cost": _money(cost),
                "variance": _money(r["variance"]),
                "variance_pct": _pct(r["variance"], cost),
                "indicated_pupm": _money(ind),
                "invoiced_through": None if last is None else _month_str(last),
                "cost_through_invoiced": _money(cost_through),
                "variance_through_invoiced": _money(Decimal(r["pupm_billed"]) - cost_through),
                "_fy": int(r["fiscal_year"]),
            }
        )
    return _strip(_filter_rows(rows, county, fiscal_year, None))


def _haversine(lat1, lon1, lat2, lon2) -> pl.Expr:
    rad = math.pi / 180
    p1, p2 = lat1 * rad, lat2 * rad
    dphi = (lat2 - lat1) * rad
    dlmb = (lon2 - lon1) * rad
    a = (dphi / 2).sin() ** 2 + p1.cos() * p2.cos() * (dlmb / 2).sin() ** 2
    return 2 * EARTH_RADIUS_MILES * a.sqrt().arcsin()


def _month_m(d: _Data, month: date | None) -> date | None:
    if month is not None:
        return date(month.year, month.month, 1)
    return d.elig["month"].max()


def _active_sites(d: _Data, day: date) -> pl.DataFrame:
    p = d.t["providers"]
    return p.filter(
        (pl.col("contract_start") <= day)
        & (pl.col("contract_end").is_null() | (pl.col("contract_end") >= day))
        & (pl.col("credential_expires") >= day)
    )


def adequacy(folder, as_of=None, county=None, month=None) -> list[dict]:
    d = _load(folder, as_of)
    D = d.D
    M = _month_m(d, month)
    levels = list(TIMELY_DAYS)
    rows = []
    if M is None:
        M = date(D.year, D.month, 1)
    day = _last_day(M)

    members = d.elig.filter(pl.col("month") == M).select("county_code", "member_id", "zip").unique()
    zips = (
        d.t["zips"]
        .drop_nulls("zip")
        .unique(subset="zip", keep="first")
        .select("zip", zlat="latitude", zlon="longitude", _found=pl.lit(True))
    )
    members = members.join(zips, on="zip", how="left").with_columns(
        located=pl.col("_found").fill_null(False)
    )
    sites = (
        d.t["provider_services"]
        .filter(pl.col("level_of_care").is_in(levels))
        .select("provider_id", "level_of_care")
        .unique()
        .join(
            _active_sites(d, day)
            .filter(pl.col("latitude").is_not_null() & pl.col("longitude").is_not_null())
            .select("provider_id", slat="latitude", slon="longitude"),
            on="provider_id",
            how="inner",
        )
    )
    located_zips = (
        members.filter("located")
        .drop_nulls(["zlat", "zlon"])
        .select("zip", "zlat", "zlon")
        .unique()
    )
    dist = (
        located_zips.join(sites, how="cross")
        .with_columns(
            miles=_haversine(pl.col("zlat"), pl.col("zlon"), pl.col("slat"), pl.col("slon"))
        )
        .group_by("zip", "level_of_care")
        .agg(min_miles=pl.col("miles").min())
    )
    refs = d.t["referrals"].filter(
        (pl.col("request_date") <= D)
        & (_month_start("request_date") == M)
        & pl.col("level_of_care").is_in(levels)
    )
    refs = (
        refs.with_columns(
            offer=pl.when(pl.col("first_offered_date") <= D).then(pl.col("first_offered_date"))
        )
        .with_columns(
            std=pl.col("level_of_care").replace_strict(TIMELY_DAYS, return_dtype=pl.Int64),
            bd_offer=pl.business_day_count(
                pl.col("request_date") + pl.duration(days=1), pl.col("offer") + pl.duration(days=1)
            ),
            bd_passed=pl.business_day_count(
                pl.col("request_date") + pl.duration(days=1), pl.lit(D + timedelta(days=1))
            ),
        )
        .with_columns(
            pending=pl.col("offer").is_null() & (pl.col("bd_passed") < pl.col("std")),
            timely=pl.col("offer").is_not_null() & (pl.col("bd_offer") <= pl.col("std")),
        )
    )
    ref_agg = refs.group_by("county_code", "level_of_care").agg(
        referrals=pl.len(), timely=pl.col("timely").sum(), pending=pl.col("pending").sum()
    )
    ref_map = {(r["county_code"], r["level_of_care"]): r for r in ref_agg.iter_rows(named=True)}

    for c, size in COUNTY_SIZE.items():
        if county is not None and c != county:
            continue
        max_miles = MAX_MILES[size]
        cm = members.filter(pl.col("county_code") == c)
        for lvl in levels:
            within_zips = dist.filter(
                (pl.col("level_of_care") == lvl) & (pl.col("min_miles") <= max_miles)
            ).select("zip")
            n_members = cm.select(pl.col("member_id").n_unique()).item()
            n_within = (
                cm.filter("located")
                .join(within_zips, on="zip", how="semi")
                .select(pl.col("member_id").n_unique())
                .item()
            )
            n_not_located = (
                cm.filter(~pl.col("located")).select(pl.col("member_id").n_unique()).item()
            )
            rr = ref_map.get((c, lvl))
            n_ref = int(rr["referrals"]) if rr else 0
            n_timely = int(rr["timely"]) if rr else 0
            n_pending = int(rr["pending"]) if rr else 0
            rows.append(
                {
                    "county_code": c,
                    "level_of_care": lvl,
                    "max_miles": max_miles,
                    "members": n_members,
                    "members_within": n_within,
                    "pct_within": _pct(n_within, n_members),
                    "members_not_located": n_not_located,
                    "referrals": n_ref,
                    "referrals_timely": n_timely,
                    "referrals_pending": n_pending,
                    "pct_timely": _pct(n_timely, n_ref - n_pending),
                }
            )
    return rows


def exceptions(folder, as_of=None, month=None) -> list[dict]:
    d = _load(folder, as_of)
    D = d.D
    counts: dict[str, int] = {}

    counts["unattributed_services"] = d.unattributed_services.height
    counts["duplicate_claim_line"] = (
        d.raw_claims.group_by("claim_id", "line_no").len().filter(pl.col("len") > 1).height
    )
    paid_targets = d.paid.select(
        original_claim_id="claim_id", line_no="line_no", target_amount="paid_amount"
    )
    rev = d.rev.with_row_index("_rid")
    with_target = rev.join(paid_targets, on=["original_claim_id", "line_no"], how="inner")
    counts["reversal_without_original"] = rev.join(
        paid_targets.select("original_claim_id", "line_no").unique(),
        on=["original_claim_id", "line_no"],
        how="anti",
    ).height
    counts["reversal_amount_mismatch"] = (
        with_target.filter(pl.col("paid_amount") != -pl.col("target_amount"))
        .select("_rid")
        .unique()
        .height
    )
    counts["paid_line_negative_amount"] = d.paid.filter(pl.col("paid_amount") < 0).height
    prov_ids = d.t["providers"].select("provider_id").drop_nulls().unique()
    counts["unknown_provider"] = d.lines.join(prov_ids, on="provider_id", how="anti").height
    counts["unknown_level_of_care"] = d.lines.filter(
        ~pl.col("level_of_care").is_in(sorted(LEVELS)).fill_null(False)
    ).height
    svc_fy = (
        d.attributed_services.with_columns(fiscal_year=_fiscal_year("month"))
        .select("county_code", "fiscal_year")
        .unique()
    )
    counts["missing_rate"] = svc_fy.join(
        d.rates.select("county_code", "fiscal_year"), on=["county_code", "fiscal_year"], how="anti"
    ).height
    d_month = date(D.year, D.month, 1)
    originals = (
        d.invoices.filter(pl.col("invoice_type") == "ORIGINAL")
        .select("county_code", "month")
        .unique()
    )
    counts["month_not_invoiced"] = (
        d.users.filter(pl.col("month") < d_month)
        .join(originals, on=["county_code", "month"], how="anti")
        .height
    )
    inv = d.invoices
    counts["invoice_arithmetic"] = inv.filter(
        (pl.col("pupm_amount") != pl.col("user_count") * pl.col("pupm_rate"))
        | (pl.col("total_amount") != pl.col("pupm_amount") + pl.col("admin_qa_amount"))
    ).height
    counts["expiring_credentials"] = (
        _active_sites(d, D)
        .filter(pl.col("credential_expires") <= D + timedelta(days=60))
        .select("provider_id")
        .unique()
        .height
    )
    M = _month_m(d, month)
    zips = d.t["zips"].select("zip").drop_nulls().unique()
    counts["zip_not_located"] = (
        d.elig.filter(pl.col("month") == M)
        .join(zips, on="zip", how="anti")
        .select("member_id")
        .unique()
        .height
        if M is not None
        else 0
    )
    p = d.t["providers"]
    counts["lapsed_credential_open_contract"] = (
        p.filter(
            (pl.col("contract_start") <= D)
            & (pl.col("contract_end").is_null() | (pl.col("contract_end") >= D))
            & (pl.col("credential_expires") < D)
        )
        .select("provider_id")
        .unique()
        .height
    )
    return [{"check": c, "severity": None, "count": counts[c], "detail": None} for c in CHECKS]


# ----------------------------------------------------------------------------
# v1.1: care transitions, access, penetration
# ----------------------------------------------------------------------------
RESIDENTIAL = {"3.1", "3.3", "3.5"}
WM = {"3.2-WM"}
FOLLOW_UP = {"1.0", "2.1", "OTP", "RS", "CM"}


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Maximal runs of sorted distinct dates with steps of at most 1 day."""
    runs: list[list[date]] = []
    for d_ in days:
        if runs and (d_ - runs[-1][1]).days <= 1:
            runs[-1][1] = d_
        else:
            runs.append([d_, d_])
    return [(a, b) for a, b in runs]


def _member_county(d: _Data) -> dict[tuple[str, date], str]:
    out: dict[tuple[str, date], str] = {}
    for r in d.elig.select("member_id", "month", "county_code").iter_rows(named=True):
        key = (r["member_id"], r["month"])
        if r["county_code"] is None:
            continue
        if key not in out or r["county_code"] < out[key]:
            out[key] = r["county_code"]
    return out


def care(folder, as_of=None, county=None, fiscal_year=None, month=None) -> list[dict]:
    d = _load(folder, as_of)
    D = d.D
    kinds: dict[str, dict[str, set[date]]] = {}
    for r in d.attributed_services.select("member_id", "service_date", "level_of_care").iter_rows(
        named=True
    ):
        lvl = r["level_of_care"]
        kind = (
            "res"
            if lvl in RESIDENTIAL
            else "wm"
            if lvl in WM
            else "fu"
            if lvl in FOLLOW_UP
            else None
        )
        if kind is None or r["service_date"] is None:
            continue
        kinds.setdefault(r["member_id"], {"res": set(), "wm": set(), "fu": set()})[kind].add(
            r["service_date"]
        )
    county_of = _member_county(d)
    cells: dict[tuple, dict[str, int]] = {}

    def cell(member: str, end: date) -> dict[str, int]:
        m = date(end.year, end.month, 1)
        key = (county_of.get((member, m)), m)
        return cells.setdefault(
            key, {k: 0 for k in ("rd", "f7e", "f7", "f30e", "f30", "wm", "wme", "wmr")}
        )

    for member, k in kinds.items():
        for _start, end in _runs(sorted(k["res"])):
            c = cell(member, end)
            c["rd"] += 1
            gaps = [(f - end).days for f in k["fu"]]
            for window, e_key, n_key in ((7, "f7e", "f7"), (30, "f30e", "f30")):
                if end + timedelta(days=window) <= D:
                    c[e_key] += 1
                    c[n_key] += any(1 <= g <= window for g in gaps)
        episodes = _runs(sorted(k["wm"]))
        for _start, end in episodes:
            c = cell(member, end)
            c["wm"] += 1
            if end + timedelta(days=30) <= D:
                c["wme"] += 1
                c["wmr"] += any(2 <= (s_ - end).days <= 30 for s_, _e in episodes)
    rows = []
    for (c_code, m), c in sorted(cells.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        rows.append({
            "county_code": c_code, "month": _month_str(m),
            "residential_discharges": c["rd"],
            "followup_7_eligible": c["f7e"], "followup_7": c["f7"],
            "pct_followup_7": _pct(c["f7"], c["f7e"]),
            "followup_30_eligible": c["f30e"], "followup_30": c["f30"],
            "pct_followup_30": _pct(c["f30"], c["f30e"]),
            "wm_episodes": c["wm"], "wm_readmit_eligible": c["wme"],
            "wm_readmitted_30": c["wmr"], "pct_wm_readmitted_30": _pct(c["wmr"], c["wme"]),
            "_fy": _fy_of(m),
        })  # fmt: skip
    return _strip(_filter_rows(rows, county, fiscal_year, month))


def _weekdays_after(start: date, finish: date) -> int:
    """Mon-Fri days d with start < d <= finish."""
    n, day = 0, start + timedelta(days=1)
    while day <= finish:
        n += day.weekday() < 5
        day += timedelta(days=1)
    return n


def _median_1dp(values: list[int]) -> float | None:
    if not values:
        return None
    v = sorted(values)
    mid = len(v) // 2
    exact = Decimal(v[mid]) if len(v) % 2 else (Decimal(v[mid - 1]) + Decimal(v[mid])) / 2
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def access(folder, as_of=None, county=None, fiscal_year=None, month=None) -> list[dict]:
    d = _load(folder, as_of)
    D = d.D
    groups: dict[tuple, dict[str, list]] = {}
    for r in d.t["referrals"].iter_rows(named=True):
        req = r["request_date"]
        if req is None or req > D:
            continue
        g = groups.setdefault(
            (r["county_code"], date(req.year, req.month, 1)), {"n": [], "offer": [], "serve": []}
        )
        g["n"].append(1)
        offer, served = r["first_offered_date"], r["first_service_date"]
        if offer is not None and offer <= D:
            g["offer"].append(_weekdays_after(req, offer))
        if served is not None and served <= D:
            g["serve"].append((served - req).days)
    rows = []
    for (c_code, m), g in sorted(groups.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        rows.append({
            "county_code": c_code, "month": _month_str(m), "referrals": len(g["n"]),
            "offered": len(g["offer"]),
            "median_business_days_to_offer": _median_1dp(g["offer"]),
            "served": len(g["serve"]),
            "served_within_14": sum(1 for x in g["serve"] if x <= 14),
            "median_days_to_service": _median_1dp(g["serve"]),
            "_fy": _fy_of(m),
        })  # fmt: skip
    return _strip(_filter_rows(rows, county, fiscal_year, month))


def penetration(folder, as_of=None, county=None, fiscal_year=None, month=None) -> list[dict]:
    d = _load(folder, as_of)
    eligible: dict[tuple, set[str]] = {}
    for r in d.elig.select("member_id", "month", "county_code").iter_rows(named=True):
        if r["month"] is None or r["member_id"] is None:
            continue
        eligible.setdefault((r["county_code"], _fy_of(r["month"])), set()).add(r["member_id"])
    users: dict[tuple, set[str]] = {}
    for r in d.attributed_services.select("member_id", "month", "county_code").iter_rows(
        named=True
    ):
        users.setdefault((r["county_code"], _fy_of(r["month"])), set()).add(r["member_id"])
    rows = []
    for key in sorted(eligible, key=lambda k: (str(k[0]), k[1])):
        n_users = len(users.get(key, ()))
        rows.append({
            "county_code": key[0], "fiscal_year": key[1],
            "eligible_members": len(eligible[key]), "users": n_users,
            "penetration_pct": _pct(n_users, len(eligible[key])), "_fy": key[1],
        })  # fmt: skip
    return _strip(_filter_rows(rows, county, fiscal_year, None))
