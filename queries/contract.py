"""The extract contract (shared/contract/EXTRACTS.md v1) as data.

Column kinds are families rather than exact DuckDB types because the contract
allows, for example, any DECIMAL with scale 2 for money.
"""

from __future__ import annotations

# kind -> human description used in messages
KINDS = {
    "text": "VARCHAR",
    "date": "DATE",
    "bool": "BOOLEAN",
    "int": "INTEGER",
    "money": "DECIMAL with scale 2",
    "decimal": "DECIMAL",
    "float": "DOUBLE",
}

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
    "provider_services": {
        "provider_id": "text",
        "level_of_care": "text",
        "capacity": "int",
    },
    "zips": {
        "zip": "text",
        "county_code": "text",
        "latitude": "float",
        "longitude": "float",
    },
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

# Keys of the contract (rows sharing one are reported by `wrp-tui check`).
KEYS: dict[str, tuple[str, ...]] = {
    "eligibility": ("member_id", "month"),
    "claims": ("claim_id", "line_no"),
    "providers": ("provider_id",),
    "provider_services": ("provider_id", "level_of_care"),
    "zips": ("zip",),
    "pupm_rates": ("county_code", "fiscal_year"),
    "invoices": ("invoice_id",),
    "payments": ("payment_id",),
    "referrals": ("referral_id",),
}

# Columns whose values come from a fixed list (county_code and level_of_care:
# the reference data's, queries/reference.py).
CODES: dict[tuple[str, str], tuple[str, ...]] = {
    ("claims", "status"): ("PAID", "DENIED", "REVERSED"),
    ("eligibility", "fmap_group"): ("EXPANSION", "STANDARD"),
    ("invoices", "invoice_type"): ("ORIGINAL", "SUPPLEMENTAL"),
    ("referrals", "source"): ("ACCESS_LINE", "PROVIDER", "SELF", "COURT", "OTHER"),
}

# Shapes of identifiers (regular expressions).
PATTERNS: dict[str, str] = {
    "member_id": r"^\d{8}[A-Z]$",
    "provider_id": r"^\d{10}$",
    "zip": r"^\d{5}$",
}

# Dates the rules can use. A date outside (a typo like 10000-01-01, the
# 'infinity' of some systems) cannot be placed in a month or fiscal year: its
# row is left out of the figures, and `check` names the column.
DATE_FLOOR = "1900-01-01"
DATE_CEILING = "2100-12-31"
# Dates on which money or user figures turn: a row left out for one of these
# changes an invoice, so `check` and the close treat it as blocking.
FIGURE_DATES: frozenset[tuple[str, str]] = frozenset({
    ("claims", "service_date"), ("claims", "paid_date"), ("eligibility", "month"),
    ("invoices", "service_month"), ("invoices", "issued_date"), ("payments", "received_date"),
})  # fmt: skip
# Tables without which no figure means anything: empty, they block like a missing one.
REQUIRED_ROWS = ("claims", "eligibility", "pupm_rates")
