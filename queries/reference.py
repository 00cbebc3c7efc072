"""Reference data shipped with the dashboard (contract: "Reference data")."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class County:
    code: str
    name: str
    size: str  # DHCS size category


COUNTIES: tuple[County, ...] = (
    County("12", "Humboldt", "rural"),
    County("18", "Lassen", "rural"),
    County("23", "Mendocino", "rural"),
    County("25", "Modoc", "rural"),
    County("45", "Shasta", "rural"),
    County("47", "Siskiyou", "rural"),
    County("48", "Solano", "medium"),
)
COUNTY_NAMES = {c.code: c.name for c in COUNTIES}

LEVELS_OF_CARE: dict[str, str] = {
    "1.0": "Outpatient",
    "2.1": "Intensive outpatient",
    "3.1": "Residential 3.1",
    "3.3": "Residential 3.3",
    "3.5": "Residential 3.5",
    "3.2-WM": "Withdrawal management",
    "OTP": "Opioid treatment program",
    "RS": "Recovery services",
    "CM": "Care coordination",
}

# size category -> (max miles, max minutes) for 1.0, 2.1 and OTP
DISTANCE_STANDARDS: dict[str, tuple[int, int]] = {
    "dense": (15, 30),
    "medium": (30, 60),
    "small": (45, 75),
    "rural": (60, 90),
}

# level -> max business days from request to first offered appointment
TIMELY_ACCESS_DAYS: dict[str, int] = {"1.0": 10, "2.1": 10, "OTP": 3}
