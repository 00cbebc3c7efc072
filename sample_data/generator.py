"""Synthetic extracts for the Wellness and Recovery Program, following the contract.

`generate()` writes the nine contract tables as zstd parquet with the contract's
exact types. Everything is derived from a seed through counter-based random
numbers (a hash of seed, stream name and row keys), so the same seed and scale
give the same rows in the same order however the work is chunked.

The program is simulated month by month, which keeps memory bounded at state
scale: members hold enrolment spells; each eligible member-month may start a
treatment episode (most after a referral); episodes turn into daily service
lines, grouped into claims, adjudicated with a lag, sometimes denied, reversed
or corrected. Invoices bill the users known on each issue date, as the plan
would have seen them.

Care transitions are simulated too, at rates chosen to look like what
California's external quality reviews report for DMC-ODS counties (so the
care pane has gaps to show): residential stays of 10-60 days are followed by
a step-down service within 7 days for about 30% of discharges and within 30
days for about half; about 15-20% of withdrawal-management episodes are
followed by another within 30 days; request to first service takes a median
of 10 days in Solano and two weeks or more in the small counties (see
FOLLOW_UP_7, WM_READMISSION and SERVICE_GAP_EXTRA).
"""

from __future__ import annotations

import calendar
import math
import random
import shutil
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from queries.calendar import FISCAL_YEAR_START_MONTH, add_months, fiscal_year_of, fiscal_year_start
from queries.contract import TABLES
from queries.reference import LEVELS_OF_CARE

FIRST_MONTH = fiscal_year_start(2024)  # three full fiscal years before the open one

# eligible members per month region-wide
SCALES: dict[str, int] = {"demo": 2_500, "region": 350_000, "state": 5_250_000}

ARROW_TYPES = {
    "text": pa.string(),
    "date": pa.date32(),
    "bool": pa.bool_(),
    "int": pa.int32(),
    "money": pa.decimal128(12, 2),
    "decimal": pa.decimal128(10, 2),
    "float": pa.float64(),
}
# Hive partition keys; eligibility's cannot be `month`, which DuckDB would read
# back as a VARCHAR in place of the DATE column of the same name.
PARTITION_KEYS = {"claims": "service_month", "eligibility": "eligibility_month"}


# -- random numbers ------------------------------------------------------------
_U64 = pl.UInt64


def _u64(value: int) -> pl.Expr:
    return pl.lit(value % 2**64, dtype=_U64)


def _mix(x: pl.Expr) -> pl.Expr:
    """splitmix64 finaliser (u64 multiplication wraps in polars)."""
    x = x.xor(x // _u64(2**30)) * _u64(0xBF58476D1CE4E5B9)
    x = x.xor(x // _u64(2**27)) * _u64(0x94D049BB133111EB)
    return x.xor(x // _u64(2**31))


class Rng:
    """Counter-based uniforms: u(stream, keys) depends only on seed, stream and keys."""

    # odd 64-bit multipliers that spread each key over the whole word
    _KEY_WEIGHTS = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93)

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def _start(self, stream: str) -> int:
        return (zlib.crc32(stream.encode()) << 32) ^ (self.seed * 0xA24BAED4963EE407)

    def u(self, stream: str, *keys: pl.Expr | str) -> pl.Expr:
        """A uniform in [0, 1) per row.

        Like SplitMix64, the keys are spread linearly over 64 bits and mixed
        once: one mix keeps the expression small (nested mixes would grow it
        exponentially), and the finaliser alone passes avalanche tests."""
        h = _u64(self._start(stream))
        for key, weight in zip(keys, self._KEY_WEIGHTS, strict=False):
            column = pl.col(key) if isinstance(key, str) else key
            h = h + column.cast(pl.Int64).cast(_U64) * _u64(weight)
        return (_mix(h) // _u64(2**11)).cast(pl.Float64) * (1.0 / 2**53)

    def draw(self, frame: pl.DataFrame, keys: tuple, *streams: str) -> pl.DataFrame:
        """`frame` with a uniform column `u_<stream>` per stream. Materialising
        them first keeps the expressions that use them small and fast to plan."""
        return frame.with_columns(
            self.u(stream, *keys).alias("u_" + stream.replace(" ", "_")) for stream in streams
        )

    def python(self, stream: str) -> random.Random:
        """For the small, hand-shaped tables (sites, invoices, payments)."""
        return random.Random(f"{self.seed}/{stream}")


def _pick(u: pl.Expr, weights: dict, dtype: pl.DataType | None = None) -> pl.Expr:
    """A categorical draw: the value whose cumulative-weight band holds u."""
    total = sum(weights.values())
    items = list(weights.items())
    cumulative, expr = 0.0, None
    for value, weight in items[:-1]:
        cumulative += weight / total
        lit = pl.lit(value, dtype=dtype)
        expr = (
            pl.when(u < cumulative).then(lit)
            if expr is None
            else expr.when(u < cumulative).then(lit)
        )
    last = pl.lit(items[-1][0], dtype=dtype)
    return last if expr is None else expr.otherwise(last)


def _between(u: pl.Expr, low: int, high: int) -> pl.Expr:
    """An integer uniform on [low, high]."""
    return (pl.lit(low) + (u * (high - low + 1)).floor()).cast(pl.Int32)


def _weekday(day: pl.Expr) -> pl.Expr:
    """Roll weekend dates forward to Monday (adjudication and mail run on weekdays)."""
    return day.dt.add_business_days(0, roll="forward")


# -- geography -------------------------------------------------------------------
COUNTY_SHARE = {"48": 40, "45": 22, "12": 17, "23": 11, "47": 6, "18": 2.5, "25": 1}
COUNTY_ORDER = tuple(COUNTY_SHARE)  # county index used internally

# county zip latitude longitude weight town — approximate centroids
_ZIP_ROWS = """
12 95501 40.7900 -124.1450 20 Eureka
12 95503 40.7450 -124.1250 16 Eureka
12 95521 40.8700 -124.0800 14 Arcata
12 95519 40.9450 -124.1000 10 McKinleyville
12 95540 40.5950 -124.1550 9 Fortuna
12 95524 40.8350 -124.0550 2 Bayside
12 95525 40.9000 -123.9700 1.5 Blue Lake
12 95526 40.4700 -123.7700 0.5 Bridgeville
12 95528 40.5300 -124.0450 0.5 Carlotta
12 95536 40.5800 -124.2600 1.5 Ferndale
12 95537 40.7250 -124.2150 0.5 Fields Landing
12 95542 40.1000 -123.7950 2.5 Garberville
12 95546 41.0500 -123.6750 3 Hoopa
12 95547 40.5500 -124.0850 1 Hydesville
12 95549 40.7650 -123.9000 0.3 Kneeland
12 95551 40.6400 -124.2200 1 Loleta
12 95553 40.2300 -123.8200 0.3 Miranda
12 95555 41.2900 -124.0550 0.5 Orick
12 95556 41.3050 -123.5350 0.5 Orleans
12 95558 40.3250 -124.2850 0.3 Petrolia
12 95560 40.1200 -123.8250 1.5 Redway
12 95562 40.5000 -124.1050 2.5 Rio Dell
12 95564 40.8250 -124.1850 0.5 Samoa
12 95565 40.4850 -124.1000 0.8 Scotia
12 95570 41.0600 -124.1400 1 Trinidad
12 95573 40.9400 -123.6300 1.5 Willow Creek
12 95589 40.0250 -123.9400 0.6 Whitethorn
18 96130 40.4150 -120.6550 55 Susanville
18 96114 40.2950 -120.5250 8 Janesville
18 96113 40.1450 -120.1300 4 Herlong
18 96128 40.3650 -120.4200 4 Standish
18 96121 40.1700 -120.3700 2 Milford
18 96137 40.3050 -121.0050 7 Westwood
18 96117 40.3800 -120.3900 3 Litchfield
18 96109 40.0300 -120.1000 3 Doyle
18 96009 41.1200 -121.1400 2 Bieber
18 96068 41.1000 -121.1800 1 Nubieber
18 96119 41.0600 -120.4800 0.5 Madeline
18 96123 40.8000 -120.3600 0.5 Ravendale
25 96101 41.4900 -120.5450 60 Alturas
25 96104 41.5300 -120.1700 8 Cedarville
25 96108 41.7300 -120.3700 3 Davis Creek
25 96110 41.3100 -120.1100 1 Eagleville
25 96112 41.8600 -120.1500 2 Fort Bidwell
25 96115 41.6400 -120.2100 2 Lake City
25 96116 41.2300 -120.5000 2 Likely
25 96006 41.1900 -120.9500 5 Adin
25 96015 41.4400 -120.8700 4 Canby
25 96054 41.2100 -121.1500 2 Lookout
45 96001 40.5900 -122.4200 22 Redding
45 96002 40.5300 -122.3200 18 Redding
45 96003 40.6500 -122.3300 22 Redding
45 96007 40.4500 -122.3000 11 Anderson
45 96019 40.6800 -122.3700 6 Shasta Lake
45 96022 40.3900 -122.3300 4 Cottonwood
45 96073 40.5600 -122.2400 2 Palo Cedro
45 96008 40.6400 -122.2300 1 Bella Vista
45 96087 40.6000 -122.4900 1 Shasta
45 96088 40.4900 -121.8900 2 Shingletown
45 96096 40.6300 -121.9100 0.6 Whitmore
45 96065 40.8400 -121.9300 0.6 Montgomery Creek
45 96013 40.8800 -121.6600 3 Burney
45 96040 40.8200 -121.5100 0.4 Hat Creek
45 96047 40.4800 -122.6600 1 Igo
45 96051 40.9000 -122.3800 0.6 Lakehead
45 96062 40.5500 -122.1600 1 Millville
45 96069 40.6900 -122.0400 0.6 Oak Run
45 96071 40.6800 -121.4300 0.2 Old Station
45 96076 40.3600 -122.8900 0.2 Platina
45 96084 40.7900 -121.9400 0.5 Round Mountain
45 96033 40.7000 -122.6400 0.5 French Gulch
45 96028 41.0000 -121.4400 1.5 Fall River Mills
45 96056 41.0500 -121.4000 1 McArthur
45 96016 40.9200 -121.5500 0.3 Cassel
45 96017 41.1400 -122.3200 0.2 Castella
47 96097 41.7350 -122.6350 30 Yreka
47 96067 41.3100 -122.3100 12 Mount Shasta
47 96094 41.4200 -122.3900 10 Weed
47 96025 41.2100 -122.2700 5 Dunsmuir
47 96032 41.6000 -122.8400 4 Fort Jones
47 96027 41.4600 -122.8900 3 Etna
47 96064 41.7300 -122.5300 4 Montague
47 96058 41.8300 -122.0000 2 Macdoel
47 96039 41.7900 -123.3800 4 Happy Camp
47 96134 41.9600 -121.4700 3 Tulelake
47 96023 41.9700 -121.9200 2 Dorris
47 96057 41.2600 -122.1400 3 McCloud
47 96044 41.9100 -122.5600 1.5 Hornbrook
47 96038 41.6400 -122.5200 1.5 Grenada
47 96086 41.8400 -123.1900 0.5 Seiad Valley
47 96050 41.8600 -122.8500 0.5 Klamath River
47 96014 41.3100 -122.8000 0.5 Callahan
23 95482 39.1500 -123.2100 34 Ukiah
23 95437 39.4450 -123.8000 16 Fort Bragg
23 95490 39.4100 -123.3550 12 Willits
23 95470 39.2650 -123.2050 5 Redwood Valley
23 95449 38.9750 -123.1150 2 Hopland
23 95466 39.0650 -123.4450 1.5 Philo
23 95460 39.3050 -123.8000 2 Mendocino
23 95445 38.7650 -123.5300 2 Gualala
23 95410 39.2250 -123.7700 1 Albion
23 95415 39.0100 -123.3650 1.5 Boonville
23 95417 39.6650 -123.6350 0.3 Branscomb
23 95418 39.2300 -123.2000 1 Calpella
23 95420 39.3600 -123.8150 0.5 Caspar
23 95427 39.2650 -123.5800 0.5 Comptche
23 95428 39.7950 -123.2450 3 Covelo
23 95429 39.7150 -123.3500 0.2 Dos Rios
23 95432 39.1300 -123.7150 0.4 Elk
23 95454 39.6900 -123.4800 3 Laytonville
23 95456 39.2700 -123.7900 0.5 Littleriver
23 95459 38.9700 -123.6850 0.5 Manchester
23 95463 39.1550 -123.5500 0.3 Navarro
23 95468 38.9100 -123.6900 1 Point Arena
23 95469 39.3250 -123.1100 1.5 Potter Valley
23 95488 39.6400 -123.7800 0.2 Westport
23 95585 39.8700 -123.7200 0.3 Leggett
23 95587 39.9650 -123.7850 0.3 Piercy
48 94533 38.2700 -122.0300 16 Fairfield
48 94534 38.2200 -122.1300 8 Fairfield
48 94535 38.2700 -121.9400 1 Travis AFB
48 94585 38.2400 -122.0200 7 Suisun City
48 94589 38.1400 -122.2500 8 Vallejo
48 94590 38.1050 -122.2500 10 Vallejo
48 94591 38.1000 -122.2100 10 Vallejo
48 94592 38.0900 -122.2800 1 Vallejo
48 94510 38.0600 -122.1550 6 Benicia
48 95687 38.3400 -121.9500 12 Vacaville
48 95688 38.3850 -122.0000 8 Vacaville
48 95620 38.4450 -121.8250 5 Dixon
48 94571 38.1600 -121.6900 2.5 Rio Vista
48 95625 38.3500 -121.9100 0.5 Elmira
48 94512 38.1300 -121.8700 0.2 Birds Landing
"""

# Post-office-box ZIPs: real addresses on eligibility, absent from the GIS
# centroid extract, so the dashboard must report them as not located.
NOT_LOCATED_ZIPS = {"12": "95502", "45": "96049", "48": "95696", "23": "95481"}
NOT_LOCATED_SHARE = 0.002


def _zip_frame() -> pl.DataFrame:
    rows = [line.split() for line in _ZIP_ROWS.strip().splitlines()]
    frame = pl.DataFrame(
        {
            "county_code": [r[0] for r in rows],
            "zip": [r[1] for r in rows],
            "latitude": [float(r[2]) for r in rows],
            "longitude": [float(r[3]) for r in rows],
            "weight": [float(r[4]) for r in rows],
            "town": [" ".join(r[5:]) for r in rows],
        }
    )
    return frame.with_columns(
        county_idx=pl.col("county_code").replace_strict(
            COUNTY_ORDER, range(len(COUNTY_ORDER)), return_dtype=pl.UInt8
        )
    ).sort("county_idx", maintain_order=True)


def _zip_bands(zips: pl.DataFrame) -> pl.Series:
    """Upper bounds `county_idx + cumulative share` so one search_sorted draws a
    ZIP within a county, weighted by population."""
    share = (pl.col("weight").cum_sum() / pl.col("weight").sum()).over("county_idx")
    # the last band of a county ends exactly at the next integer
    share = pl.when(pl.col("county_idx").is_last_distinct()).then(1.0).otherwise(share)
    return zips.select(pl.col("county_idx").cast(pl.Float64) + share).to_series()


def _draw_zip(frame: pl.DataFrame, county: str, u: str, bands: pl.Series) -> pl.Series:
    keys = frame.select(pl.col(county).cast(pl.Float64) + pl.col(u)).to_series()
    return bands.search_sorted(keys, side="right").cast(pl.UInt16)


# -- provider network --------------------------------------------------------------
# (county, zip, name, kind, tier, contract): tier 0 sites make the demo network;
# contract "ends YYYY-MM-DD" / "starts YYYY-MM-DD" marks sites whose contract
# does not span the period (their members go to the county's anchor site).
_SITES = [
    ("48", "94533", "Solano Treatment Associates — OTP", "OTP", 0, ""),
    ("48", "94590", "Vallejo Recovery Clinic — OTP", "OTP", 0, ""),
    ("48", "95687", "Vacaville Methadone Clinic — OTP", "OTP", 1, "starts 2024-10-01"),
    ("48", "94533", "Fairfield Outpatient Recovery", "OP", 0, ""),
    ("48", "94590", "Vallejo Family Recovery Services", "OP", 0, ""),
    ("48", "94534", "Cordelia Counseling Center", "OP", 1, ""),
    ("48", "94591", "Bay Terrace Outpatient", "OP", 1, ""),
    ("48", "94589", "North Vallejo Wellness Center", "OP", 1, "ends 2025-06-30"),
    ("48", "95687", "Vacaville Outpatient Services", "OP", 1, ""),
    ("48", "95688", "Vaca Valley Recovery", "OP", 1, ""),
    ("48", "94585", "Suisun Recovery Center", "OP", 0, "ends 2025-03-31"),
    ("48", "94510", "Benicia Outpatient Recovery", "OP", 1, ""),
    ("48", "95620", "Dixon Community Recovery", "OP", 1, ""),
    ("48", "94571", "Delta Recovery — Rio Vista", "OP", 1, ""),
    ("48", "94533", "Fairfield Youth & Family Recovery", "OP", 1, ""),
    ("48", "94591", "Vallejo Perinatal Recovery Program", "OP", 1, "starts 2025-01-01"),
    ("48", "94533", "Solano Residential Recovery", "RES", 0, ""),
    ("48", "94592", "Mare Island Residential Program", "RES", 1, ""),
    ("48", "94591", "Vallejo Withdrawal Management Unit", "WM", 1, ""),
    ("45", "96001", "Redding Recovery Center — OTP", "OTP", 0, ""),
    ("45", "96002", "Cypress Street Treatment — OTP", "OTP", 1, ""),
    ("45", "96007", "Anderson Medication Unit — OTP", "OTP", 1, "starts 2025-04-01"),
    ("45", "96001", "Redding Outpatient Recovery", "OP", 0, ""),
    ("45", "96002", "Pine Street Recovery Services", "OP", 1, ""),
    ("45", "96003", "Hilltop Wellness Center", "OP", 1, ""),
    ("45", "96001", "Shasta Family Counseling", "OP", 1, "ends 2024-12-31"),
    ("45", "96002", "Northern Valley Intensive Outpatient", "OP", 1, ""),
    ("45", "96007", "Anderson Recovery Services", "OP", 1, ""),
    ("45", "96019", "Shasta Lake Community Recovery", "OP", 1, ""),
    ("45", "96013", "Intermountain Recovery — Burney", "OP", 1, ""),
    ("45", "96028", "Mountain Valleys Recovery — Fall River Mills", "OP", 1, ""),
    ("45", "96003", "Shasta Perinatal Recovery", "OP", 1, ""),
    ("45", "96003", "Redding Residential Treatment Center", "RES", 0, ""),
    ("45", "96002", "Shasta Women's Recovery House", "RES", 1, ""),
    ("45", "96001", "Redding Withdrawal Management", "WM", 1, ""),
    ("12", "95501", "Eureka Treatment Center — OTP", "OTP", 0, ""),
    ("12", "95521", "Arcata Medication Unit — OTP", "OTP", 1, ""),
    ("12", "95501", "Humboldt Recovery Center", "OP", 0, ""),
    ("12", "95501", "Old Town Outpatient — Eureka", "OP", 1, ""),
    ("12", "95503", "Eureka Perinatal Recovery", "OP", 1, ""),
    ("12", "95521", "Arcata Recovery Services", "OP", 1, ""),
    ("12", "95519", "McKinleyville Counseling", "OP", 1, ""),
    ("12", "95540", "Eel River Recovery — Fortuna", "OP", 1, ""),
    ("12", "95542", "Southern Humboldt Recovery — Garberville", "OP", 1, ""),
    ("12", "95546", "Hoopa Valley Wellness Center", "OP", 1, ""),
    ("12", "95573", "Trinity River Recovery — Willow Creek", "OP", 1, "ends 2025-09-30"),
    ("12", "95503", "Humboldt Residential Recovery", "RES", 1, ""),
    ("12", "95501", "Eureka Withdrawal Management", "WM", 1, ""),
    ("23", "95482", "Ukiah Treatment Center — OTP", "OTP", 0, ""),
    ("23", "95482", "Ukiah Valley Recovery", "OP", 0, ""),
    ("23", "95482", "Mendocino County Outpatient — Ukiah", "OP", 1, ""),
    ("23", "95437", "Mendocino Coast Recovery — Fort Bragg", "OP", 1, ""),
    ("23", "95490", "Willits Community Recovery", "OP", 1, ""),
    ("23", "95468", "South Coast Counseling — Point Arena", "OP", 1, ""),
    ("23", "95428", "Round Valley Wellness — Covelo", "OP", 1, ""),
    ("23", "95454", "Laytonville Recovery Services", "OP", 1, ""),
    ("23", "95482", "Ukiah Residential Recovery", "RES", 1, ""),
    ("47", "96097", "Siskiyou Recovery Services — Yreka", "OP", 0, ""),
    ("47", "96067", "Mount Shasta Recovery", "OP", 1, ""),
    ("47", "96094", "Weed Community Counseling", "OP", 1, ""),
    ("47", "96039", "Happy Camp Community Recovery", "OP", 1, ""),
    ("47", "96097", "Yreka Recovery House", "RES", 1, ""),
    ("18", "96130", "Lassen Recovery Services — Susanville", "OP", 0, ""),
    ("18", "96137", "Westwood Community Counseling", "OP", 1, ""),
    ("25", "96101", "Modoc Recovery Services — Alturas", "OP", 0, ""),
    ("25", "96104", "Surprise Valley Counseling — Cedarville", "OP", 1, ""),
]

RESIDENTIAL = ("3.1", "3.3", "3.5")
WEEKLY_LEVELS = ("1.0", "2.1", "RS", "CM")  # billed weekly; the rest twice a month
# Where residents go when they cross the county line, in order of preference.
NEIGHBOURS = {
    "12": ("45", "23"),
    "18": ("45", "48"),
    "23": ("48", "12"),
    "25": ("45", "18"),
    "45": ("12", "48"),
    "47": ("45", "12"),
    "48": ("23", "45"),
}
# Share of episodes at a site in another county: the smaller the county, the more.
CROSS_COUNTY = {"48": 0.03, "45": 0.04, "12": 0.05, "23": 0.07, "47": 0.14, "18": 0.20, "25": 0.30}
UNKNOWN_PROVIDER = "1999999992"  # on a couple of lines: a site never loaded


def _npi(rng: random.Random, used: set[str]) -> str:
    """A 10-digit NPI with a valid Luhn check digit (prefix 80840, as CMS does)."""
    while True:
        body = "1" + "".join(str(rng.randrange(10)) for _ in range(8))
        digits = [int(d) for d in "80840" + body]
        total = 0
        for i, d in enumerate(reversed(digits)):
            if i % 2 == 0:
                d *= 2
                d = d - 9 if d > 9 else d
            total += d
        npi = body + str((10 - total % 10) % 10)
        if npi not in used and npi != UNKNOWN_PROVIDER:
            used.add(npi)
            return npi


def _site_levels(kind: str, tier: int, rng: random.Random) -> list[tuple[str, int | None]]:
    """Levels and capacity per site; outpatient 1.0, RS and CM are not capped."""
    if kind == "OTP":
        return [("OTP", rng.choice(range(150, 451, 25)))]
    if kind == "WM":
        return [("3.2-WM", rng.randint(6, 16))]
    if kind == "RES":
        levels = [("3.1", rng.randint(12, 40)), ("3.5", rng.randint(8, 24))]
        if tier == 0 or rng.random() < 0.4:
            levels.insert(1, ("3.3", rng.randint(4, 10)))
        if tier == 0:
            levels.append(("3.2-WM", rng.randint(4, 10)))
        return levels
    levels: list[tuple[str, int | None]] = [("1.0", None)]
    if tier == 0 or rng.random() < 0.6:
        levels.append(("2.1", rng.randint(15, 40)))
    if tier == 0 or rng.random() < 0.7:
        levels.append(("RS", None))
    if tier == 0 or rng.random() < 0.8:
        levels.append(("CM", None))
    return levels


@dataclass(frozen=True)
class Network:
    providers: pl.DataFrame  # contract table
    provider_services: pl.DataFrame  # contract table
    terms: pl.DataFrame  # provider_id, contract dates, alternate, rate factor, markup
    choices: pl.DataFrame  # county_idx, level, crossed -> candidate provider ids


def _network(scale: str, zips: pl.DataFrame, as_of: date, rng: Rng) -> Network:
    py = rng.python("network")
    where = {z: (lat, lon) for z, lat, lon in zips.select("zip", "latitude", "longitude").rows()}
    sites = [s for s in _SITES if scale != "demo" or s[4] == 0]
    used: set[str] = set()
    rows, services, terms = [], [], []
    anchors: dict[tuple[str, str], str] = {}
    for county, zip_code, name, kind, tier, contract in sites:
        npi = _npi(py, used)
        lat, lon = where[zip_code]
        start = date(2020, 7, 1) + timedelta(days=py.randrange(0, 900))
        end = None
        if contract.startswith("starts"):
            start = date.fromisoformat(contract.split()[1])
        elif contract.startswith("ends"):
            end = date.fromisoformat(contract.split()[1])
        else:
            anchors.setdefault((county, kind), npi)
        # DMC certification runs about three years; spread renewals over that span
        expires = as_of + timedelta(days=py.randrange(61, 3 * 365))
        rows.append(
            {
                "provider_id": npi,
                "provider_name": name,
                "county_code": county,
                "zip": zip_code,
                # sites sit near, not on, their ZIP centroid
                "latitude": round(lat + py.uniform(-0.012, 0.012), 5),
                "longitude": round(lon + py.uniform(-0.012, 0.012), 5),
                "contract_start": start,
                "contract_end": end,
                "credential_expires": expires,
                "kind": kind,
            }
        )
        for level, capacity in _site_levels(kind, tier, py):
            services.append({"provider_id": npi, "level_of_care": level, "capacity": capacity})
        terms.append(
            {
                "provider_id": npi,
                # OTP dosing is paid at the state's rate; other rates are negotiated
                "rate_permille": 1000 if kind == "OTP" else py.randint(900, 1100),
                "markup_pct": py.randint(100, 135),
            }
        )
    _lapse_some_credentials(rows, as_of, py)
    for row, term in zip(rows, terms, strict=True):
        term["contract_start"] = row["contract_start"]
        term["contract_end"] = row["contract_end"]
        term["alternate_id"] = anchors[(row["county_code"], row.pop("kind"))]
    providers = pl.DataFrame(rows, schema_overrides={"contract_end": pl.Date})
    provider_services = pl.DataFrame(
        services,
        schema={"provider_id": pl.String, "level_of_care": pl.String, "capacity": pl.Int32},
    )
    return Network(
        providers, provider_services, pl.DataFrame(terms), _choices(providers, provider_services)
    )


def _lapse_some_credentials(rows: list[dict], as_of: date, py: random.Random) -> None:
    """Several open sites expire within 60 days of the as-of date, a few have
    already lapsed; only sites with a sister site of the same kind in their
    county, so every county keeps its care on offer."""
    kinds: dict[tuple[str, str], int] = {}
    for row in rows:
        kinds[(row["county_code"], row["kind"])] = (
            kinds.get((row["county_code"], row["kind"]), 0) + 1
        )
    candidates = [
        r for r in rows if r["contract_end"] is None and kinds[(r["county_code"], r["kind"])] > 1
    ]
    chosen = py.sample(candidates, k=min(len(candidates), max(3, len(rows) // 8)))
    lapsed = max(1, len(chosen) // 3)
    for i, row in enumerate(chosen):
        if i < lapsed:
            row["credential_expires"] = as_of - timedelta(days=py.randint(5, 45))
        else:
            row["credential_expires"] = as_of + timedelta(days=py.randint(3, 58))


def _choices(providers: pl.DataFrame, services: pl.DataFrame) -> pl.DataFrame:
    """Candidate sites per (member county, level, crossed county line)."""
    offered = services.join(providers.select("provider_id", "county_code"), on="provider_id")
    by_place: dict[tuple[str, str], list[str]] = {}
    for provider_id, level, county in offered.select(
        "provider_id", "level_of_care", "county_code"
    ).rows():
        by_place.setdefault((county, level), []).append(provider_id)
    rows = []
    for county_idx, county in enumerate(COUNTY_ORDER):
        for level in LEVELS_OF_CARE:
            everywhere = [p for (c, lv), ps in by_place.items() if lv == level for p in ps]
            for crossed in (False, True):
                order = NEIGHBOURS[county] if crossed else (county, *NEIGHBOURS[county])
                found = next((by_place[(c, level)] for c in order if (c, level) in by_place), None)
                rows.append(
                    {
                        "county_idx": county_idx,
                        "level": level,
                        "crossed": crossed,
                        "candidates": sorted(found or everywhere),
                    }
                )
    return pl.DataFrame(rows, schema_overrides={"county_idx": pl.UInt8})


# -- rates ---------------------------------------------------------------------------
# FY2023-24 PUPM rate and monthly admin/QA charge in cents, and yearly increase (%).
# Set near each county's cost per user-month, some above and some below, so
# the year-end reconciliation has variances both ways.
PUPM_BASE = {
    "48": (72_940, 2_450_000, 3),
    "45": (79_010, 1_420_000, 4),
    "12": (81_525, 1_180_000, 3),
    "23": (70_380, 790_000, 5),
    "47": (84_460, 460_000, 1),
    "18": (74_850, 270_000, 3),
    "25": (86_500, 205_000, 1),
}

# (level, procedure) -> FY2023-24 rate per unit in cents; units in hundredths
PROCEDURE_RATES = {
    ("OTP", "H0020"): 2_185,  # state NTP daily dosing rate
    ("OTP", "H0004"): 3_825,
    ("1.0", "H0004"): 3_825,  # individual counseling, per 15 minutes
    ("1.0", "H0005"): 1_890,  # group counseling, per 15 minutes
    ("2.1", "H0015"): 17_500,  # intensive outpatient, per day
    ("3.1", "H0019"): 17_500,  # residential per diem
    ("3.3", "H0019"): 31_000,
    ("3.5", "H0019"): 24_000,
    ("3.2-WM", "H0010"): 34_000,  # withdrawal management per diem
    ("RS", "H0004"): 3_825,
    ("RS", "T1017"): 2_784,  # case management, per 15 minutes
    ("CM", "T1017"): 2_784,
    ("3.7", "H0019"): 38_000,  # only on the noise line with an unknown level
}
RATE_INCREASE_PERMILLE = 30  # a year


def _pupm_rates(end_month: date) -> pl.DataFrame:
    rows = []
    for county, (rate, admin, increase) in PUPM_BASE.items():
        for fy in range(fiscal_year_of(FIRST_MONTH), fiscal_year_of(end_month) + 1):
            years = fy - fiscal_year_of(FIRST_MONTH)
            # whole-dollar admin charge; rate rounded to cents, in integers only
            rows.append(
                {
                    "county_code": county,
                    "fiscal_year": fy,
                    "pupm_cents": rate * (100 + increase) ** years // 100**years,
                    "admin_cents": admin * (1000 + 20 * years) // 1000 // 100 * 100,
                }
            )
    return pl.DataFrame(rows, schema_overrides={"fiscal_year": pl.Int32})


# -- members and eligibility -------------------------------------------------------------
EXIT_RATE = 0.045  # monthly chance an enrolment spell ends
GAP_SHARE = 0.08  # members who churn out for a month or two and come back
MOVE_SHARE = 0.015  # members who move to another county in the period
EXPANSION_SHARE = 0.60
LATE_ASSIGNMENT = {0: 0.45, 1: 0.35, 2: 0.20}  # months before the state assigns a newcomer
NOT_ASSIGNED_SHARE = 0.025  # other member-months the member is not on the plan's roster


def _members(per_month: int, n_months: int, zips: pl.DataFrame, rng: Rng) -> pl.DataFrame:
    """One row per member: enrolment spell, gap, home and move. Spells already
    under way in July 2023 have memoryless (geometric) remaining length."""
    arrivals = max(1, round(per_month * EXIT_RATE))
    n = per_month + arrivals * (n_months - 1)
    bands = _zip_bands(zips)
    counties = {i: COUNTY_SHARE[c] for i, c in enumerate(COUNTY_ORDER)}
    frame = pl.DataFrame({"member": pl.int_range(0, n, dtype=pl.UInt64, eager=True)})
    frame = frame.with_columns(
        start=pl.when(pl.col("member") < per_month)
        .then(0)
        .otherwise(1 + (pl.col("member").cast(pl.Int64) - per_month) // arrivals)
        .cast(pl.Int32),
        length=(1 + ((1 - rng.u("spell", "member")).log() / math.log(1 - EXIT_RATE)).floor()).cast(
            pl.Int32
        ),
        county1=_pick(rng.u("county", "member"), counties, pl.UInt8),
        county2=_pick(rng.u("new county", "member"), counties, pl.UInt8),
        u_zip1=rng.u("zip", "member"),
        u_zip2=rng.u("new zip", "member"),
        has_gap=rng.u("gap", "member") < GAP_SHARE,
        gap_at=rng.u("gap at", "member"),
        gap_len=_between(rng.u("gap length", "member"), 1, 2),
        moves=rng.u("moves", "member") < MOVE_SHARE,
        move_at=rng.u("move at", "member"),
        not_located=rng.u("po box", "member") < NOT_LOCATED_SHARE,
        expansion=rng.u("fmap", "member") < EXPANSION_SHARE,
        delay=pl.when(pl.col("member") < per_month)
        .then(0)
        .otherwise(_pick(rng.u("assignment", "member"), LATE_ASSIGNMENT))
        .cast(pl.Int32),
    )
    frame = frame.with_columns(
        end=pl.col("start") + pl.col("length"),
        gap_start=pl.when(pl.col("has_gap") & (pl.col("length") >= 4))
        .then(pl.col("start") + 1 + (pl.col("gap_at") * (pl.col("length") - 3)).floor())
        .otherwise(0)
        .cast(pl.Int32),
        move_month=pl.when(pl.col("moves") & (pl.col("county2") != pl.col("county1")))
        .then(pl.col("start") + 1 + (pl.col("move_at") * (pl.col("length") - 1)).floor())
        .otherwise(10_000)
        .cast(pl.Int32),
    ).with_columns(
        gap_end=pl.when(pl.col("gap_start") > 0)
        .then(pl.col("gap_start") + pl.col("gap_len"))
        .otherwise(0)
    )
    zip1 = _draw_zip(frame, "county1", "u_zip1", bands)
    zip2 = _draw_zip(frame, "county2", "u_zip2", bands)
    zip_codes = zips["zip"]
    po_box = pl.col("county1").replace_strict(
        [COUNTY_ORDER.index(c) for c in NOT_LOCATED_ZIPS],
        list(NOT_LOCATED_ZIPS.values()),
        default=None,
        return_dtype=pl.String,
    )
    frame = frame.with_columns(
        zip1=pl.when(pl.col("not_located") & po_box.is_not_null())
        .then(po_box)
        .otherwise(zip_codes.gather(zip1)),
        zip2=zip_codes.gather(zip2),
    )
    return frame.select(
        "member", "start", "end", "gap_start", "gap_end", "move_month",
        "county1", "zip1", "county2", "zip2", "expansion", "delay",
    )  # fmt: skip


def _eligibility_month(members: pl.DataFrame, m: int, rng: Rng) -> pl.DataFrame:
    """Members eligible in month index m, with that month's county and ZIP."""
    moved = pl.col("move_month") <= m
    return members.filter(
        (pl.col("start") <= m)
        & (pl.col("end") > m)
        & ~((pl.col("gap_start") <= m) & (pl.col("gap_end") > m))
    ).select(
        "member",
        county_idx=pl.when(moved).then("county2").otherwise("county1"),
        zip=pl.when(moved).then("zip2").otherwise("zip1"),
        # newcomers are assigned to the plan a month or two late
        plan_member=(pl.lit(m) - pl.col("start") >= pl.col("delay"))
        & (rng.u("unassigned", "member", pl.lit(m)) >= NOT_ASSIGNED_SHARE),
        fmap_group=pl.when("expansion").then(pl.lit("EXPANSION")).otherwise(pl.lit("STANDARD")),
    )


# -- episodes and referrals --------------------------------------------------------------
# Monthly chance an eligible member starts an episode at each level (referral
# levels: chance of a referral), and the share already in treatment in July 2023.
EPISODE_STARTS = {
    "OTP": 0.00105,
    "1.0": 0.0083,
    "2.1": 0.0024,
    "3.1": 0.0009,
    "3.3": 0.00012,
    "3.5": 0.0006,
    "3.2-WM": 0.0009,
    "RS": 0.0015,
    "CM": 0.0038,
}
IN_TREATMENT_JULY_2023 = {
    "OTP": 0.0060,
    "1.0": 0.0150,
    "2.1": 0.0034,
    "3.1": 0.0010,
    "3.3": 0.00015,
    "3.5": 0.0007,
    "3.2-WM": 0.00015,
    "RS": 0.0042,
    "CM": 0.0062,
}
REFERRAL_LEVELS = ("OTP", "1.0", "2.1", "3.1", "3.3", "3.5", "3.2-WM")
SOURCES = {"ACCESS_LINE": 55, "PROVIDER": 22, "SELF": 12, "COURT": 7, "OTHER": 4}
SHOW_RATE = 0.85  # referrals that lead to a first service
# Extra days (upper bound) from offer to first service by county: request to
# service has a median of about 10 days in Solano and over two weeks in the
# smallest counties, and about two thirds of the region's referrals that are
# served are served within 14 days (the 10-business-day offer standard plus a
# few days to the first visit).
SERVICE_GAP_EXTRA = {"48": 0, "45": 2, "12": 2, "23": 4, "47": 6, "18": 9, "25": 10}
NEVER_OFFERED = 0.02  # referrals closed without an offer (member unreachable)


def _episode_days(level: pl.Expr, u: pl.Expr) -> pl.Expr:
    """Episode length in days by level (OTP long, residential 10-60, WM 3-7)."""
    exp = -((1 - u).log())  # exponential with mean 1
    return (
        pl.when(level == "OTP")
        .then(30 + exp * 300)
        .when(level == "1.0")
        .then(30 + exp * 60)
        .when(level == "2.1")
        .then(21 + exp * 40)
        .when(level.is_in(RESIDENTIAL))
        .then(10 + u * 51)
        .when(level == "3.2-WM")
        .then(3 + u * 5)
        .when(level == "RS")
        .then(30 + exp * 90)
        .otherwise(14 + exp * 45)
        .floor()
        .cast(pl.Int32)
    )


def _intensity(level: pl.Expr, u: pl.Expr) -> pl.Expr:
    """Chance of a service on an open day: OTP doses 20-28 days a month,
    residential and WM bill every day, outpatient one to two visits a week."""
    return (
        pl.when(level == "OTP")
        .then(0.68 + 0.26 * u)
        .when(level == "1.0")
        .then(0.18 + 0.20 * u)
        .when(level == "2.1")
        .then(0.55 + 0.20 * u)
        .when(level == "RS")
        .then(0.06 + 0.10 * u)
        .when(level == "CM")
        .then(0.05 + 0.08 * u)
        .otherwise(1.0)
    )


def _offer_wait(level: pl.Expr, u: pl.Expr, u2: pl.Expr) -> pl.Expr:
    """Business days from request to first offer: mostly within the standard."""
    return (
        pl.when(level == "OTP")
        .then(pl.when(u < 0.88).then(_between(u2, 0, 3)).otherwise(_between(u2, 4, 8)))
        .when(level.is_in(("1.0", "2.1")))
        .then(pl.when(u < 0.86).then(_between(u2, 1, 10)).otherwise(_between(u2, 11, 15)))
        .otherwise(_between(u2, 0, 7))
    )


def _start_episodes(
    eligible: pl.DataFrame,
    m: int,
    month: date,
    as_of: date,
    network: Network,
    rng: Rng,
    in_treatment: bool = False,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Episodes (and their referrals) begun by members eligible in month m, or
    with `in_treatment` the episodes already under way when the data begin."""
    rates = IN_TREATMENT_JULY_2023 if in_treatment else EPISODE_STARTS
    bands = dict(rates)
    bands[None] = 1.0 - sum(rates.values())
    key = ("member", pl.lit(m + (10_000 if in_treatment else 0)))
    days_in_month = calendar.monthrange(month.year, month.month)[1]
    starts = rng.draw(eligible, key, "episode level")
    starts = starts.with_columns(level=_pick(pl.col("u_episode_level"), bands, pl.String)).filter(
        pl.col("level").is_not_null()
    )
    starts = rng.draw(
        starts, key, "day", "length", "crossing", "site", "intensity", "since", "never offered",
        "timely", "wait", "shows", "gap", "source",
    )  # fmt: skip
    starts = starts.with_columns(
        days=_episode_days(pl.col("level"), pl.col("u_length")),
        intensity=_intensity(pl.col("level"), pl.col("u_intensity")),
        day=pl.lit(month)
        + pl.duration(days=(pl.col("u_day") * days_in_month).floor().cast(pl.Int64)),
        crossed=pl.col("u_crossing")
        < pl.col("county_idx").replace_strict(
            range(len(COUNTY_ORDER)), [CROSS_COUNTY[c] for c in COUNTY_ORDER]
        ),
    )
    starts = starts.join(
        network.choices, on=["county_idx", "level", "crossed"], how="left", maintain_order="left"
    )
    starts = starts.with_columns(
        provider_id=pl.col("candidates").list.get(
            (pl.col("u_site") * pl.col("candidates").list.len()).floor().cast(pl.Int64)
        ),
        episode=pl.lit(m, dtype=_U64) * 2**32
        + (2**31 if in_treatment else 0)
        + pl.int_range(pl.len(), dtype=_U64),
    )
    referrals = pl.DataFrame()
    if in_treatment:
        # already in treatment: the episode began some time before July 2023
        starts = starts.with_columns(
            start=pl.lit(month)
            - pl.duration(days=(pl.col("u_since") * pl.col("days")).floor().cast(pl.Int64))
        )
    else:
        starts, referrals = _refer(starts, as_of)
    episodes = starts.filter(pl.col("start").is_not_null()).select(
        "episode", "member", "level", "provider_id", "intensity", "start",
        end=pl.col("start") + pl.duration(days=pl.col("days") - 1),
    )  # fmt: skip
    return episodes, referrals


def _refer(starts: pl.DataFrame, as_of: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Referral levels begin with a request, an offer and (mostly) a first
    service; the episode starts on the first service."""
    level = pl.col("level")
    starts = starts.with_columns(
        referred=level.is_in(REFERRAL_LEVELS),
        offered=pl.when(pl.col("u_never_offered") >= NEVER_OFFERED).then(
            pl.col("day").dt.add_business_days(
                _offer_wait(level, pl.col("u_timely"), pl.col("u_wait")), roll="forward"
            )
        ),
        shows=pl.col("u_shows") < SHOW_RATE,
        # Days from the offer to the first service: longer in the small
        # counties, where the nearest open slot is often a drive away.
        gap=pl.when(level == "OTP")
        .then(_between(pl.col("u_gap"), 0, 2))
        .otherwise(
            (
                pl.col("u_gap")
                * (
                    7
                    + pl.col("county_idx").replace_strict(
                        range(len(COUNTY_ORDER)), [SERVICE_GAP_EXTRA[c] for c in COUNTY_ORDER]
                    )
                )
            )
            .floor()
            .cast(pl.Int32)
        ),
    ).with_columns(
        offered=pl.when(pl.col("offered") <= as_of).then("offered"),
    )
    starts = starts.with_columns(
        first_service=pl.when(pl.col("shows"))
        .then(pl.col("offered") + pl.duration(days=pl.col("gap")))
        .otherwise(None),
    ).with_columns(
        start=pl.when(pl.col("referred")).then("first_service").otherwise("day"),
        first_service=pl.when(pl.col("first_service") <= as_of).then("first_service"),
    )
    referrals = starts.filter("referred").select(
        "member",
        "county_idx",
        request_date="day",
        level_of_care="level",
        source=_pick(pl.col("u_source"), SOURCES, pl.String),
        first_offered_date="offered",
        first_service_date="first_service",
    )
    return starts, referrals


# -- care transitions ----------------------------------------------------------------------
# After a residential stay: the share of discharges stepped down to outpatient,
# intensive outpatient, OTP, recovery services or care coordination within 7
# days, and the further share within 8-30 days. After a WM episode: the share
# readmitted to WM 2-30 days after it ends. The aims (with the rest of the
# generator's noise: a reversed or denied day, a follow-up to a member no
# longer eligible, a stay cut by the as-of date) are about 30% of discharges
# followed up within 7 days and 50% within 30, and 15-20% of WM episodes
# readmitted within 30 days: the range California's external quality reviews
# report for DMC-ODS counties, where transitions after residential care are
# the weakest link, so the measures have gaps to show.
FOLLOW_UP_7 = 0.34
FOLLOW_UP_8_30 = 0.22
STEP_DOWN_LEVELS = {"1.0": 50, "2.1": 22, "OTP": 12, "RS": 10, "CM": 6}
WM_READMISSION = 0.22


def _transitions(
    episodes: pl.DataFrame, eligible: pl.DataFrame, m: int, month: date, network: Network, rng: Rng
) -> pl.DataFrame:
    """Follow-up and readmission episodes of the residential stays and WM
    episodes ending in `month` (members eligible this month)."""
    last = _month_end(month)
    ending = episodes.filter(
        (pl.col("end") >= month) & (pl.col("end") <= last)
        & pl.col("level").is_in((*RESIDENTIAL, "3.2-WM"))
    ).join(eligible.select("member", "county_idx"), on="member", how="inner")  # fmt: skip
    if ending.is_empty():
        return episodes.clear()
    ending = rng.draw(ending, ("episode",), "next care", "next level", "after", "next length",
                      "next site", "next intensity")  # fmt: skip
    u, wm = pl.col("u_next_care"), pl.col("level") == "3.2-WM"
    after = pl.col("u_after")
    ending = ending.with_columns(
        next_level=pl.when(wm)
        .then(pl.when(u < WM_READMISSION).then(pl.lit("3.2-WM")))
        .otherwise(
            pl.when(u < FOLLOW_UP_7 + FOLLOW_UP_8_30).then(
                _pick(pl.col("u_next_level"), STEP_DOWN_LEVELS, pl.String)
            )
        ),
        gap=pl.when(wm)
        .then(_between(after, 2, 30))
        .when(u < FOLLOW_UP_7)
        .then(_between(after, 1, 7))
        .otherwise(_between(after, 8, 30)),
        crossed=pl.lit(False),
    ).filter(pl.col("next_level").is_not_null())
    follow = ending.select(
        "member", "county_idx", "crossed", "u_next_site",
        level="next_level",
        start=pl.col("end") + pl.duration(days="gap"),
        days=_episode_days(pl.col("next_level"), pl.col("u_next_length")),
        intensity=_intensity(pl.col("next_level"), pl.col("u_next_intensity")),
    ).join(
        network.choices, on=["county_idx", "level", "crossed"], how="left", maintain_order="left"
    )  # fmt: skip
    return follow.select(
        episode=pl.lit(m, dtype=_U64) * 2**32 + 2**30 + pl.int_range(pl.len(), dtype=_U64),
        member="member",
        level="level",
        provider_id=pl.col("candidates").list.get(
            (pl.col("u_next_site") * pl.col("candidates").list.len()).floor().cast(pl.Int64)
        ),
        intensity="intensity",
        start="start",
        end=pl.col("start") + pl.duration(days=pl.col("days") - 1),
    )


# -- claims ----------------------------------------------------------------------------------
DENIAL_RATE = 0.04  # of lines
# Residential and WM days are authorised ahead, so a day is seldom denied (a
# denied day splits a stay in two, as the contract's stays are runs of services).
PER_DIEM_LEVELS = (*RESIDENTIAL, "3.2-WM")
PER_DIEM_DENIAL_RATE = 0.003
REVERSAL_RATE = 0.015  # of paid claims, later voided
CORRECTED_SHARE = 0.5  # of reversals, followed by a corrected claim
UNATTRIBUTED_KEEP = 0.0025  # of lines after eligibility ended that are still paid


def _service_lines(
    episodes: pl.DataFrame, m: int, month: date, eligible: pl.DataFrame, rng: Rng
) -> pl.DataFrame:
    """The month's service days: one line per episode per day of service."""
    last = month + timedelta(days=calendar.monthrange(month.year, month.month)[1] - 1)
    open_days = episodes.filter((pl.col("start") <= last) & (pl.col("end") >= month)).with_columns(
        service_date=pl.date_ranges(
            pl.max_horizontal("start", pl.lit(month)), pl.min_horizontal("end", pl.lit(last))
        )
    )
    day_key = ("episode", pl.col("service_date").cast(pl.Int32))
    lines = rng.draw(open_days.explode("service_date"), day_key, "service day")
    weekday_only = pl.col("level").is_in(WEEKLY_LEVELS)
    # An episode begins with a service (a referral's first_service_date is its
    # start); later days are served by the level's intensity.
    lines = lines.filter(
        (
            (pl.col("u_service_day") < pl.col("intensity"))
            | (pl.col("service_date") == pl.col("start"))
        )
        & ~(weekday_only & (pl.col("service_date").dt.weekday() > 5))
    )
    lines = rng.draw(lines, day_key, "procedure", "units", "denied").drop("u_service_day")
    # services after eligibility ended are normally denied upstream and never
    # reach the extract; a few get through and are unattributed
    lines = lines.join(eligible.select("member", "county_idx"), on="member", how="left")
    return lines.filter(
        pl.col("county_idx").is_not_null()
        | (rng.u("unattributed", "episode", pl.lit(m)) < UNATTRIBUTED_KEEP)
    ).drop("start", "end", "intensity")


def _price(lines: pl.DataFrame, network: Network, rng: Rng) -> pl.DataFrame:
    """Procedure, units and amounts (integer cents, never floats)."""
    u, u_units = pl.col("u_procedure"), pl.col("u_units")
    level = pl.col("level")
    lines = lines.with_columns(
        procedure_code=pl.when(level == "OTP")
        .then(pl.when(u < 0.92).then(pl.lit("H0020")).otherwise(pl.lit("H0004")))
        .when(level == "1.0")
        .then(pl.when(u < 0.55).then(pl.lit("H0004")).otherwise(pl.lit("H0005")))
        .when(level == "2.1")
        .then(pl.lit("H0015"))
        .when(level.is_in(RESIDENTIAL))
        .then(pl.lit("H0019"))
        .when(level == "3.2-WM")
        .then(pl.lit("H0010"))
        .when(level == "RS")
        .then(pl.when(u < 0.4).then(pl.lit("H0004")).otherwise(pl.lit("T1017")))
        .otherwise(pl.lit("T1017")),
    ).with_columns(
        units_h=pl.when(pl.col("procedure_code") == "H0004")
        .then(_between(u_units, 2, 4) * 100)
        .when(pl.col("procedure_code") == "H0005")
        .then(_between(u_units, 4, 6) * 100)
        .when(pl.col("procedure_code") == "T1017")
        .then(_between(u_units, 1, 4) * 100)
        .otherwise(100)
        .cast(pl.Int64),
    )
    rates = pl.DataFrame(
        [(lv, proc, cents) for (lv, proc), cents in PROCEDURE_RATES.items()],
        schema={"level": pl.String, "procedure_code": pl.String, "base_cents": pl.Int64},
        orient="row",
    )
    starts = pl.col("service_date").dt.month() >= FISCAL_YEAR_START_MONTH
    fy = pl.col("service_date").dt.year() + starts.cast(pl.Int32)  # fiscal_year_of, vectorised
    years = (fy - fiscal_year_of(FIRST_MONTH)).cast(pl.Int64)
    lines = (
        lines.join(rates, on=["level", "procedure_code"], how="left")
        .join(network.terms.select("provider_id", "rate_permille", "markup_pct"), on="provider_id")
        .with_columns(
            rate_cents=pl.col("base_cents") * (1000 + RATE_INCREASE_PERMILLE * years) // 1000
        )
        .with_columns(
            paid_c=(pl.col("units_h") * pl.col("rate_cents") * pl.col("rate_permille") + 50_000)
            // 100_000
        )
        .with_columns(billed_c=pl.col("paid_c") * pl.col("markup_pct") // 100)
    )
    return lines.drop(
        "base_cents", "rate_cents", "rate_permille", "markup_pct", "u_procedure", "u_units"
    )


def _site_in_contract(lines: pl.DataFrame, network: Network) -> pl.DataFrame:
    """Services before a site's contract starts or after it ends go to the
    county's anchor site for that kind of care."""
    terms = network.terms.select("provider_id", "contract_start", "contract_end", "alternate_id")
    day = pl.col("service_date")
    outside = (day < pl.col("contract_start")) | (day > pl.col("contract_end")).fill_null(False)
    return (
        lines.join(terms, on="provider_id")
        .with_columns(provider_id=pl.when(outside).then("alternate_id").otherwise("provider_id"))
        .drop("contract_start", "contract_end", "alternate_id")
    )


def _claim_id(month: date, seq: pl.Expr) -> pl.Expr:
    """Claim numbers: service year-month then a 7-digit sequence."""
    return pl.format("{}{}", pl.lit(f"{month:%Y%m}"), seq.cast(pl.String).str.zfill(7))


def _adjudicate(lines: pl.DataFrame, m: int, month: date, as_of: date, rng: Rng) -> pl.DataFrame:
    """Group lines into claims (weekly for outpatient, twice a month for OTP and
    per diems), number them, and pay, deny, reverse and correct them."""
    day = pl.col("service_date").dt.day()
    lines = lines.with_columns(
        bucket=pl.when(pl.col("level").is_in(WEEKLY_LEVELS))
        .then((day - 1) // 7)
        .otherwise((day > 15).cast(pl.Int32))
        .cast(pl.Int64)
    )
    claims = (
        lines.group_by("episode", "bucket")
        .agg(
            first=pl.col("service_date").min(),
            last=pl.col("service_date").max(),
            per_diem=pl.col("level").first().is_in(PER_DIEM_LEVELS),
        )
        .sort("first", "episode", "bucket")
        .with_row_index("seq")
    )
    claim_key = ("episode", "bucket", pl.lit(m))
    claims = rng.draw(
        claims, claim_key, "lag", "lag days", "reversed", "reversal lag", "corrected", "correction"
    )
    u_lag, u_days = pl.col("u_lag"), pl.col("u_lag_days")
    # most claims are paid within a month; a tail comes in up to six months late.
    # Residential and WM sites bill their per diems electronically at the end
    # of each half-month or stay, so half are paid within a week (a discharge
    # is known to the plan in days, in time for the follow-up worklist).
    claims = claims.with_columns(
        lag=pl.when(pl.col("per_diem") & (u_lag < 0.50))
        .then(_between(u_days, 2, 7))
        .when(u_lag < 0.70)
        .then(_between(u_days, 5, 30))
        .when(u_lag < 0.92)
        .then(_between(u_days, 31, 75))
        .otherwise(_between(u_days, 76, 180))
    )
    claims = claims.select(
        "episode", "bucket", "seq",
        claim_id=_claim_id(month, pl.col("seq")),
        paid_date=_weekday(pl.col("last") + pl.duration(days="lag")),
        reversed=pl.col("u_reversed") < REVERSAL_RATE,
        reversal_date=_weekday(
            pl.col("last")
            + pl.duration(days=pl.col("lag") + _between(pl.col("u_reversal_lag"), 14, 120))
        ),
        corrected=pl.col("u_corrected") < CORRECTED_SHARE,
        correction_pct=_pick(pl.col("u_correction"), {90: 1, 95: 1, 100: 1, 105: 1}),
    )  # fmt: skip
    lines = lines.join(claims, on=["episode", "bucket"]).with_columns(
        line_no=pl.col("service_date").rank("ordinal").over("seq").cast(pl.Int32),
        status=pl.when(
            pl.col("u_denied")
            < pl.when(pl.col("level").is_in(PER_DIEM_LEVELS))
            .then(PER_DIEM_DENIAL_RATE)
            .otherwise(DENIAL_RATE)
        )
        .then(pl.lit("DENIED"))
        .otherwise(pl.lit("PAID")),
        original_claim_id=pl.lit(None, dtype=pl.String),
    )
    lines = lines.with_columns(
        paid_c=pl.when(pl.col("status") == "PAID").then("paid_c").otherwise(0)
    )
    voids = _reversals(lines, claims, month)
    return pl.concat([lines, voids], how="diagonal").filter(pl.col("paid_date") <= as_of)


def _reversals(lines: pl.DataFrame, claims: pl.DataFrame, month: date) -> pl.DataFrame:
    """A void of every paid line of a reversed claim (new claim number, same
    line numbers, negated amounts), and for half of them a corrected claim."""
    reversed_claims = claims.filter("reversed").with_row_index("rank")
    n_claims, n_reversed = claims.height, reversed_claims.height
    targets = lines.filter(pl.col("reversed") & (pl.col("status") == "PAID")).join(
        reversed_claims.select("seq", "rank"), on="seq"
    )
    voids = targets.with_columns(
        original_claim_id="claim_id",
        claim_id=_claim_id(month, n_claims + pl.col("rank")),
        status=pl.lit("REVERSED"),
        paid_c=-pl.col("paid_c"),
        billed_c=-pl.col("billed_c"),
        paid_date="reversal_date",
    )
    corrections = targets.filter("corrected").with_columns(
        claim_id=_claim_id(month, n_claims + n_reversed + pl.col("rank")),
        paid_c=pl.col("paid_c") * pl.col("correction_pct") // 100,
        paid_date="reversal_date",
    )
    return pl.concat([voids, corrections]).drop("rank")


# -- data-quality noise, as real extracts have -------------------------------------------
# Where in the period (share of months) each kind of noise lands.
NOISE_AT = {
    "duplicate_rows": 0.25,
    "reversal_amount_mismatch": 0.35,
    "negative_paid_line": 0.40,
    "unknown_provider": 0.50,
    "unknown_level": 0.55,
    "reversal_without_original": 0.60,
    "second_negative_paid_line": 0.70,
}


def _add_noise(lines: pl.DataFrame, m: int, n_months: int, month: date) -> pl.DataFrame:
    kinds = [k for k, at in NOISE_AT.items() if int(at * n_months) == m]
    if not kinds or lines.is_empty():
        return lines
    reversed_keys = lines.filter(pl.col("status") == "REVERSED").select(
        claim_id="original_claim_id", line_no="line_no"
    )
    clean = (
        lines.filter(pl.col("status") == "PAID")
        .join(reversed_keys, on=["claim_id", "line_no"], how="anti")
        .sort("claim_id", "line_no")
    )
    next_seq = 9_000_000  # beyond every claim number of the month
    for kind in kinds:
        if kind == "duplicate_rows":
            # a resubmitted batch loaded twice: two rows identical in every column
            lines = pl.concat([lines, clean.head(2)])
        elif kind in ("negative_paid_line", "second_negative_paid_line"):
            target = clean.slice(10 if kind.startswith("second") else 5, 1)
            lines = _replace_line(lines, target.with_columns(paid_c=-pl.col("paid_c")))
        elif kind == "unknown_provider":
            target = clean.slice(20, 2).with_columns(provider_id=pl.lit(UNKNOWN_PROVIDER))
            lines = _replace_line(lines, target)
        elif kind == "unknown_level":
            # a residential day keyed as ASAM 3.7, a level the program does not offer
            residential = clean.filter(pl.col("level").is_in(RESIDENTIAL))
            lines = _replace_line(lines, residential.slice(3, 1).with_columns(level=pl.lit("3.7")))
        elif kind == "reversal_amount_mismatch":
            # a void keyed by hand: $12.50 short of the line it cancels
            target = clean.slice(40, 1)
            void = target.with_columns(
                original_claim_id="claim_id",
                claim_id=_claim_id(month, pl.lit(next_seq)),
                status=pl.lit("REVERSED"),
                paid_c=-pl.col("paid_c") + 1_250,
                billed_c=-pl.col("billed_c"),
                paid_date=pl.col("paid_date") + pl.duration(days=21),
            )
            lines, next_seq = pl.concat([lines, void]), next_seq + 1
        elif kind == "reversal_without_original":
            # a void of a claim purged from the extract
            target = clean.slice(50, 1)
            void = target.with_columns(
                original_claim_id=_claim_id(month, pl.lit(9_999_999)),
                claim_id=_claim_id(month, pl.lit(next_seq)),
                status=pl.lit("REVERSED"),
                paid_c=-pl.col("paid_c"),
                billed_c=-pl.col("billed_c"),
                paid_date=pl.col("paid_date") + pl.duration(days=14),
            )
            lines, next_seq = pl.concat([lines, void]), next_seq + 1
    return lines


def _replace_line(lines: pl.DataFrame, changed: pl.DataFrame) -> pl.DataFrame:
    keep = lines.join(changed.select("claim_id", "line_no"), on=["claim_id", "line_no"], how="anti")
    return pl.concat([keep, changed])


# -- billing ---------------------------------------------------------------------------------
ARITHMETIC_SLIPS = 2  # invoices keyed with a wrong figure


def _month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _next_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _billing_dates(months: list[date], as_of: date, rng: Rng) -> pl.DataFrame:
    """Issue dates per county and month: the original 10-20 days after month
    end, then the quarterly supplemental runs (25th of Jan/Apr/Jul/Oct) within
    a year of the month, at least 45 days after the original."""
    py = rng.python("billing dates")
    runs = []
    month = FIRST_MONTH
    while month <= as_of:
        if month.month in (1, 4, 7, 10):
            runs.append(_next_weekday(month.replace(day=25)))
        month = add_months(month, 1)
    rows = []
    for month in months:
        for county in COUNTY_ORDER:
            original = _next_weekday(_month_end(month) + timedelta(days=py.randint(10, 20)))
            if original > as_of:
                continue
            rows.append((county, month, 0, original))
            late = [r for r in runs if original + timedelta(days=45) <= r <= add_months(month, 13)]
            rows.extend(
                (county, month, k, run) for k, run in enumerate(late, start=1) if run <= as_of
            )
    return pl.DataFrame(
        rows,
        schema={"county_code": pl.String, "month": pl.Date, "run": pl.Int32, "issued": pl.Date},
        orient="row",
    )


def _users_known(lines: pl.DataFrame, dates: pl.DataFrame) -> pl.DataFrame:
    """Users per county as known on each issue date, by the contract's rules:
    attributed members with a PAID line paid by then and not reversed by then."""
    voided = (
        lines.filter(pl.col("status") == "REVERSED")
        .group_by(claim_id="original_claim_id", line_no="line_no")
        .agg(voided_on=pl.col("paid_date").min())
    )
    services = (
        lines.filter((pl.col("status") == "PAID") & pl.col("county_idx").is_not_null())
        .join(voided, on=["claim_id", "line_no"], how="left")
        .select(
            "member",
            "paid_date",
            "voided_on",
            county_code=pl.col("county_idx").replace_strict(range(len(COUNTY_ORDER)), COUNTY_ORDER),
        )  # fmt: skip
        .unique()
    )
    known = services.join(dates, on="county_code").filter(
        (pl.col("paid_date") <= pl.col("issued"))
        & (pl.col("voided_on").is_null() | (pl.col("voided_on") > pl.col("issued")))
    )
    counted = known.group_by("county_code", "month", "run").agg(users=pl.col("member").n_unique())
    return dates.join(counted, on=["county_code", "month", "run"], how="left").with_columns(
        users=pl.col("users").fill_null(0)
    )


def _invoices(known: pl.DataFrame, rates: pl.DataFrame, rng: Rng) -> pl.DataFrame:
    """An ORIGINAL per county-month, then a SUPPLEMENTAL at each quarterly run
    that finds more users than billed so far (never a credit)."""
    rate = {(c, fy): (p, a) for c, fy, p, a in rates.rows()}
    rows = []
    billed: dict[tuple[str, date], int] = {}
    supplementals: dict[tuple[str, date], int] = {}
    for county, month, run, issued, users in known.sort("county_code", "month", "run").rows():
        pupm, admin = rate[(county, fiscal_year_of(month))]
        so_far = billed.get((county, month), 0)
        if run == 0:
            count, kind, suffix, admin_c = users, "ORIGINAL", "O", admin
        else:
            count, kind, suffix, admin_c = users - so_far, "SUPPLEMENTAL", None, 0
            if count <= 0:
                continue
            supplementals[(county, month)] = supplementals.get((county, month), 0) + 1
            suffix = f"S{supplementals[(county, month)]}"
        billed[(county, month)] = so_far + count
        rows.append(
            {
                "invoice_id": f"INV-{county}-{month:%Y-%m}-{suffix}",
                "county_code": county,
                "service_month": month,
                "invoice_type": kind,
                "issued_date": issued,
                "user_count": count,
                "pupm_rate": pupm,
                "pupm_amount": count * pupm,
                "admin_qa_amount": admin_c,
                "total_amount": count * pupm + admin_c,
            }
        )
    _slip_arithmetic(rows, rng.python("arithmetic"))
    return pl.DataFrame(rows, schema_overrides={"user_count": pl.Int32})


def _slip_arithmetic(rows: list[dict], py: random.Random) -> None:
    """A keying error or two: one invoice's pupm amount billed for one user too
    many, another total with two digits transposed."""
    originals = [r for r in rows if r["invoice_type"] == "ORIGINAL" and r["user_count"] > 0]
    for i, row in enumerate(py.sample(originals, k=min(ARITHMETIC_SLIPS, len(originals)))):
        if i == 0:
            row["pupm_amount"] += row["pupm_rate"]
            row["total_amount"] = row["pupm_amount"] + row["admin_qa_amount"]
        else:
            # two dollar digits transposed (…01.00 keyed as …10.00): $9 more
            row["total_amount"] += 900


def _payments(invoices: pl.DataFrame, as_of: date, rng: Rng) -> pl.DataFrame:
    """Counties pay most invoices in full 30-60 days after issue, some in two
    parts, some short; what is due after the as-of date is not yet paid."""
    py = rng.python("payments")
    rows = []
    for invoice_id, county, issued, total in invoices.select(
        "invoice_id", "county_code", "issued_date", "total_amount"
    ).rows():
        received = _next_weekday(issued + timedelta(days=py.randint(30, 60)))
        draw = py.random()
        if draw < 0.85:
            parts = [(received, total)]
        elif draw < 0.95:  # a partial payment, the rest a month or two later
            first = total * py.randint(50, 90) // 100
            later = _next_weekday(received + timedelta(days=py.randint(30, 75)))
            parts = [(received, first), (later, total - first)]
        else:  # paid short while the county disputes the user count
            parts = [(received, total * py.randint(80, 97) // 100)]
        rows.extend((invoice_id, county, day, cents) for day, cents in parts if day <= as_of)
    rows.sort(key=lambda r: (r[2], r[0]))
    return pl.DataFrame(
        [(f"PMT-{i:06d}", *row) for i, row in enumerate(rows, start=1)],
        schema={
            "payment_id": pl.String,
            "invoice_id": pl.String,
            "county_code": pl.String,
            "received_date": pl.Date,
            "amount": pl.Int64,
        },
        orient="row",
    )


# -- writing -----------------------------------------------------------------------------------
def _money(cents: str) -> pl.Expr:
    """Exact cents -> DECIMAL(12,2) (scale shift on a decimal, no float)."""
    return (pl.col(cents).cast(pl.Decimal(18, 0)) * pl.lit(Decimal("0.01"))).cast(pl.Decimal(12, 2))


def _cin(total_members: int) -> pl.Expr:
    """Client Index Numbers: 8 digits then a letter, unique per member (an
    affine map is a bijection of the digit space)."""
    space = 10**7 if total_members <= 10**7 else 10**8
    number = (pl.col("member") * 7_919_333 + 4_031_977) % space + (
        9 * 10**7 if space == 10**7 else 0
    )
    letter = (pl.col("member") * 2_654_435_761 // 7 % 26).replace_strict(
        range(26), [chr(65 + i) for i in range(26)], return_dtype=pl.String
    )
    return pl.concat_str(number.cast(pl.String).str.zfill(8), letter)


class _ExtractWriter:
    """Appends each table month by month to one parquet file, or writes
    claims and eligibility as hive partitions."""

    def __init__(self, out_dir: Path, partitioned: bool) -> None:
        self.out_dir = out_dir
        self.partitioned = partitioned
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.rows: dict[str, int] = {t: 0 for t in TABLES}

    def schema(self, table: str) -> pa.Schema:
        return pa.schema([(c, ARROW_TYPES[k]) for c, k in TABLES[table].items()])

    def write(self, table: str, frame: pl.DataFrame, month: date | None = None) -> None:
        arrow = frame.select(list(TABLES[table])).to_arrow().cast(self.schema(table))
        self.rows[table] += arrow.num_rows
        if self.partitioned and table in PARTITION_KEYS and month is not None:
            if arrow.num_rows:
                folder = self.out_dir / table / f"{PARTITION_KEYS[table]}={month:%Y-%m}"
                folder.mkdir(parents=True, exist_ok=True)
                pq.write_table(arrow, folder / "part-0.parquet", compression="zstd")
            return
        if table not in self.writers:
            self.writers[table] = pq.ParquetWriter(
                self.out_dir / f"{table}.parquet", self.schema(table), compression="zstd"
            )
        self.writers[table].write_table(arrow)

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()


def _prepare_out_dir(out_dir: Path, overwrite: bool) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"{out_dir} is a file, not a folder")
    if out_dir.exists() and any(out_dir.iterdir()):
        if not overwrite:
            raise ValueError(f"{out_dir} is not empty; pass overwrite=True to replace its extracts")
        for table in TABLES:  # only the extracts: other files are left alone
            (out_dir / f"{table}.parquet").unlink(missing_ok=True)
            if (out_dir / table).is_dir():
                shutil.rmtree(out_dir / table)
    out_dir.mkdir(parents=True, exist_ok=True)


# -- the whole program ---------------------------------------------------------------------------
def as_of_date(end_month: date) -> date:
    """The extract date: mid-month after the last service month."""
    return add_months(end_month, 1) + timedelta(days=14)


def _months(end_month: date) -> Iterator[date]:
    month = FIRST_MONTH
    while month <= end_month:
        yield month
        month = add_months(month, 1)


def generate(
    out_dir: Path,
    scale: str = "demo",
    seed: int = 7,
    end_month: date = date(2026, 10, 1),
    *,
    overwrite: bool = False,
    partitioned: bool | None = None,
) -> dict[str, int]:
    """Write the nine contract tables for `scale` into `out_dir`; return row counts.

    Eligibility runs from July 2023 through `end_month`; the extract is as of
    the 15th of the month after (claims paid later are not in it yet).
    `partitioned` (default: only at state scale) writes claims and eligibility
    as hive partitions by month. Same seed and scale, same rows in the same order.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; use one of {', '.join(SCALES)}")
    if end_month.day != 1 or end_month < add_months(FIRST_MONTH, 6):
        raise ValueError("end_month must be the first day of a month from 2024-01 on")
    out_dir = Path(out_dir)
    _prepare_out_dir(out_dir, overwrite)
    rng = Rng(seed)
    months = list(_months(end_month))
    as_of = as_of_date(end_month)
    zips = _zip_frame()
    network = _network(scale, zips, as_of, rng)
    rates = _pupm_rates(end_month)
    members = _members(SCALES[scale], len(months), zips, rng)
    cin = _cin(members.height)
    billing_dates = _billing_dates(months, as_of, rng)
    county_code = pl.col("county_idx").replace_strict(range(len(COUNTY_ORDER)), COUNTY_ORDER)

    writer = _ExtractWriter(out_dir, partitioned if partitioned is not None else scale == "state")
    episodes = pl.DataFrame()
    referrals, known = [], []
    try:
        for m, month in enumerate(months):
            eligible = _eligibility_month(members, m, rng)
            writer.write(
                "eligibility",
                eligible.with_columns(member_id=cin, month=pl.lit(month), county_code=county_code),
                month,
            )
            if m == 0:
                episodes = _start_episodes(
                    eligible, m, month, as_of, network, rng, in_treatment=True
                )[0]
            started, referred = _start_episodes(eligible, m, month, as_of, network, rng)
            episodes = pl.concat([episodes, started])
            episodes = pl.concat(
                [episodes, _transitions(episodes, eligible, m, month, network, rng)]
            )
            referrals.append(referred)
            lines = _service_lines(episodes, m, month, eligible, rng)
            lines = _price(_site_in_contract(lines, network), network, rng)
            lines = _adjudicate(lines, m, month, as_of, rng)
            lines = _add_noise(lines, m, len(months), month).sort("claim_id", "line_no")
            known.append(_users_known(lines, billing_dates.filter(pl.col("month") == month)))
            writer.write("claims", _claim_table(lines, cin), month)
            # episodes over by the end of this month never bill again
            episodes = episodes.filter(pl.col("end") >= add_months(month, 1))

        writer.write("zips", zips)
        writer.write("providers", network.providers)
        writer.write("provider_services", network.provider_services)
        writer.write(
            "pupm_rates",
            rates.with_columns(
                pupm_rate=_money("pupm_cents"), admin_qa_monthly=_money("admin_cents")
            ),
        )
        invoices = _invoices(pl.concat(known), rates, rng)
        writer.write("invoices", _invoice_table(invoices))
        payments = _payments(invoices, as_of, rng)
        writer.write("payments", payments.with_columns(amount=_money("amount")))
        writer.write(
            "referrals", _referral_table(pl.concat([r for r in referrals if r.height]), cin)
        )
    finally:
        writer.close()
    return writer.rows


def _claim_table(lines: pl.DataFrame, cin: pl.Expr) -> pl.DataFrame:
    return lines.with_columns(
        member_id=cin,
        level_of_care="level",
        units=_money("units_h").cast(pl.Decimal(10, 2)),
        billed_amount=_money("billed_c"),
        paid_amount=_money("paid_c"),
    )


def _invoice_table(invoices: pl.DataFrame) -> pl.DataFrame:
    return invoices.with_columns(
        _money(c).alias(c) for c in ("pupm_rate", "pupm_amount", "admin_qa_amount", "total_amount")
    )


def _referral_table(referrals: pl.DataFrame, cin: pl.Expr) -> pl.DataFrame:
    """Referral numbers follow the order requests arrived."""
    ordered = referrals.sort("request_date", "member", "level_of_care")
    return ordered.with_columns(
        referral_id=pl.format("REF-{}", pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(7)),
        member_id=cin,
        county_code=pl.col("county_idx").replace_strict(range(len(COUNTY_ORDER)), COUNTY_ORDER),
    )
