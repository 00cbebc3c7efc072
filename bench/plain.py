"""The floor: the same questions as plain DuckDB SQL straight over the parquet
extracts, with the contract's rules written out by hand (no views, no macros,
no cache, no wrp-tui code).

Run in a fresh process per question:
    python -m bench.plain users DATA_DIR [--memory-limit 1GB] [--threads 2]
prints {"query_seconds", "rows", "sums"} as JSON; `sums` lets the benchmark
check that the plain answer agrees with `wrp-tui report`.
"""

from __future__ import annotations

import argparse
import json
import time
from decimal import Decimal
from pathlib import Path

import duckdb

from queries.calendar import FISCAL_YEAR_START_MONTH
from queries.contract import TABLES

# -- the rules, plainly ----------------------------------------------------------------------
# Claim lines known on $as_of, deduplicated (rows identical in every column are one line);
# the lines a REVERSED line known on $as_of points at; one eligibility row per member-month.
RULES = """
known AS (SELECT DISTINCT * FROM claims WHERE paid_date <= $as_of),
reversed AS (
    SELECT DISTINCT original_claim_id AS claim_id, line_no FROM known
    WHERE status = 'REVERSED' AND original_claim_id IS NOT NULL
),
elig AS (
    SELECT member_id, month, min(county_code) AS county_code
    FROM eligibility GROUP BY member_id, month
),
services AS (
    SELECT k.member_id, k.service_date, k.paid_date FROM known k
    ANTI JOIN reversed r ON r.claim_id = k.claim_id AND r.line_no = k.line_no
    WHERE k.status = 'PAID'
),
attributed_services AS (
    SELECT e.county_code, e.month, s.member_id, s.paid_date FROM services s
    JOIN elig e ON e.member_id = s.member_id
               AND e.month = CAST(date_trunc('month', s.service_date) AS DATE)
),
monthly_users AS (
    SELECT county_code, month, count(DISTINCT member_id) AS users
    FROM attributed_services GROUP BY ALL
),
cost_lines AS (
    SELECT e.county_code, e.month, k.paid_date, k.paid_amount FROM known k
    JOIN elig e ON e.member_id = k.member_id
               AND e.month = CAST(date_trunc('month', k.service_date) AS DATE)
    WHERE k.status IN ('PAID', 'REVERSED')
),
issued AS (SELECT * FROM invoices WHERE issued_date <= $as_of)
"""

# The fiscal year written out (the rule's one constant comes from queries.calendar).
FISCAL_YEAR = (
    "CAST(year({0}) + CASE WHEN month({0}) >= "
    f"{FISCAL_YEAR_START_MONTH} THEN 1 ELSE 0 END AS INTEGER)"
)

QUESTIONS: dict[str, str] = {
    "users": """
        SELECT county_code, month, users FROM monthly_users ORDER BY ALL""",
    "invoices": f"""
        , billed AS (
            SELECT county_code, service_month AS month, sum(user_count) AS billed_users,
                   sum(total_amount) AS billed_total
            FROM issued GROUP BY ALL
        ), paid AS (
            SELECT i.county_code, i.service_month AS month, sum(p.amount) AS paid
            FROM (SELECT DISTINCT invoice_id, county_code, service_month FROM issued) i
            JOIN payments p ON p.invoice_id = i.invoice_id AND p.received_date <= $as_of
            GROUP BY ALL
        ), rates AS (
            SELECT DISTINCT ON (county_code, fiscal_year) * FROM pupm_rates
            ORDER BY county_code, fiscal_year, pupm_rate
        ), keyed AS (
            SELECT county_code, month, u.users, b.billed_users, b.billed_total, p.paid
            FROM monthly_users u
            FULL JOIN billed b USING (county_code, month)
            LEFT JOIN paid p USING (county_code, month)
        )
        SELECT k.county_code, k.month,
               coalesce(k.users, 0) AS computed_users,
               coalesce(k.billed_users, 0) AS billed_users,
               coalesce(k.users, 0) * r.pupm_rate + r.admin_qa_monthly AS expected_total,
               coalesce(k.billed_total, 0) AS billed_total,
               coalesce(k.paid, 0) AS paid
        FROM keyed k
        LEFT JOIN rates r ON r.county_code = k.county_code
                         AND r.fiscal_year = {FISCAL_YEAR.format("k.month")}
        ORDER BY ALL""",
    "reconciliation": f"""
        , users AS (
            SELECT county_code, {FISCAL_YEAR.format("month")} AS fiscal_year,
                   sum(users) AS user_months
            FROM monthly_users GROUP BY ALL
        ), cost AS (
            SELECT county_code, {FISCAL_YEAR.format("month")} AS fiscal_year,
                   sum(paid_amount) AS actual_claims_cost
            FROM cost_lines GROUP BY ALL
        ), billed AS (
            SELECT county_code, {FISCAL_YEAR.format("service_month")} AS fiscal_year,
                   sum(pupm_amount) AS pupm_billed
            FROM issued GROUP BY ALL
        )
        SELECT county_code, fiscal_year, coalesce(user_months, 0) AS user_months,
               coalesce(pupm_billed, 0) AS pupm_billed,
               coalesce(actual_claims_cost, 0) AS actual_claims_cost
        FROM users FULL JOIN cost USING (county_code, fiscal_year)
        FULL JOIN billed USING (county_code, fiscal_year)
        ORDER BY ALL""",
    "claims-lag": """
        , cost AS (
            SELECT county_code, month AS service_month,
                   datediff('month', month, paid_date) AS lag_months, sum(paid_amount) AS paid
            FROM cost_lines GROUP BY ALL
        ), first_known AS (
            SELECT county_code, month AS service_month, member_id,
                   min(datediff('month', month, paid_date)) AS lag_months
            FROM attributed_services GROUP BY ALL
        ), new_users AS (
            SELECT county_code, service_month, lag_months, count(*) AS new_users
            FROM first_known GROUP BY ALL
        )
        SELECT county_code, service_month, lag_months,
               coalesce(paid, 0) AS paid, coalesce(new_users, 0) AS new_users
        FROM cost FULL JOIN new_users USING (county_code, service_month, lag_months)
        ORDER BY ALL""",
}

# Contract v1.1 care transitions, written out by hand: stays are islands of
# consecutive distinct dates (a date minus its rank is constant along a run).
QUESTIONS["care"] = """
        , kinds AS (
            SELECT DISTINCT k.member_id, k.service_date, e.county_code,
                   CASE WHEN k.level_of_care IN ('3.1', '3.3', '3.5') THEN 'res'
                        WHEN k.level_of_care = '3.2-WM' THEN 'wm'
                        WHEN k.level_of_care IN ('1.0', '2.1', 'OTP', 'RS', 'CM') THEN 'fu'
                   END AS kind
            FROM known k
            ANTI JOIN reversed r ON r.claim_id = k.claim_id AND r.line_no = k.line_no
            JOIN elig e ON e.member_id = k.member_id
                       AND e.month = CAST(date_trunc('month', k.service_date) AS DATE)
            WHERE k.status = 'PAID'
        ), islands AS (
            SELECT *, service_date - CAST(row_number() OVER (
                PARTITION BY member_id, kind ORDER BY service_date) AS INTEGER) AS island
            FROM (SELECT DISTINCT member_id, service_date, kind, min(county_code) AS county_code
                  FROM kinds WHERE kind IN ('res', 'wm') GROUP BY ALL)
        ), ends AS (
            SELECT member_id, kind, min(service_date) AS first_day,
                   max(service_date) AS last_day, arg_max(county_code, service_date) AS county_code
            FROM islands GROUP BY member_id, kind, island
        ), judged AS (
            SELECT e.*,
                   EXISTS (SELECT 1 FROM kinds f WHERE f.kind = 'fu' AND f.member_id = e.member_id
                           AND f.service_date BETWEEN e.last_day + 1 AND e.last_day + 7) AS f7,
                   EXISTS (SELECT 1 FROM kinds f WHERE f.kind = 'fu' AND f.member_id = e.member_id
                           AND f.service_date BETWEEN e.last_day + 1 AND e.last_day + 30) AS f30,
                   EXISTS (SELECT 1 FROM ends n WHERE n.kind = 'wm' AND n.member_id = e.member_id
                           AND n.first_day BETWEEN e.last_day + 2 AND e.last_day + 30) AS readmit
            FROM ends e
        )
        SELECT county_code, CAST(date_trunc('month', last_day) AS DATE) AS month,
               count(*) FILTER (WHERE kind = 'res') AS residential_discharges,
               count(*) FILTER (WHERE kind = 'res' AND f7 AND last_day + 7 <= $as_of)
                   AS followup_7,
               count(*) FILTER (WHERE kind = 'res' AND f30 AND last_day + 30 <= $as_of)
                   AS followup_30,
               count(*) FILTER (WHERE kind = 'wm') AS wm_episodes,
               count(*) FILTER (WHERE kind = 'wm' AND readmit AND last_day + 30 <= $as_of)
                   AS wm_readmitted_30
        FROM judged GROUP BY ALL ORDER BY ALL"""
QUESTIONS["access"] = """
        SELECT county_code, CAST(date_trunc('month', request_date) AS DATE) AS month,
               count(*) AS referrals,
               count(*) FILTER (WHERE first_offered_date <= $as_of) AS offered,
               count(*) FILTER (WHERE first_service_date <= $as_of) AS served,
               count(*) FILTER (WHERE first_service_date <= $as_of
                                  AND first_service_date - request_date <= 14)
                   AS served_within_14
        FROM referrals WHERE request_date <= $as_of
        GROUP BY ALL ORDER BY ALL"""
QUESTIONS["penetration"] = f"""
        , eligible AS (
            SELECT county_code, {FISCAL_YEAR.format("month")} AS fiscal_year,
                   count(DISTINCT member_id) AS eligible_members
            FROM eligibility GROUP BY ALL
        ), users AS (
            SELECT county_code, {FISCAL_YEAR.format("month")} AS fiscal_year,
                   count(DISTINCT member_id) AS users
            FROM attributed_services GROUP BY ALL
        )
        SELECT e.county_code, e.fiscal_year, e.eligible_members, coalesce(u.users, 0) AS users
        FROM eligible e LEFT JOIN users u USING (county_code, fiscal_year)
        ORDER BY ALL"""

# the columns summed to check the plain answer against the report's
CHECKED = {
    "users": ("users",),
    "invoices": ("computed_users", "billed_users", "expected_total", "billed_total", "paid"),
    "reconciliation": ("user_months", "pupm_billed", "actual_claims_cost"),
    "claims-lag": ("paid", "new_users"),
    "care": ("residential_discharges", "followup_7", "followup_30", "wm_episodes",
             "wm_readmitted_30"),
    "access": ("referrals", "offered", "served", "served_within_14"),
    "penetration": ("eligible_members", "users"),
}  # fmt: skip


def question_sql(name: str) -> str:
    body = QUESTIONS[name]
    if body.lstrip().startswith(","):  # extra CTEs after the rules
        return f"WITH {RULES}{body}"
    return f"WITH {RULES} {body}"


def scan(data_dir: Path, table: str) -> str:
    """A table's parquet, as one file or as hive partitions (columns by name)."""
    columns = ", ".join(TABLES[table])
    single = data_dir / f"{table}.parquet"
    files = str(single) if single.exists() else str(data_dir / table / "**" / "*.parquet")
    return f"SELECT {columns} FROM read_parquet('{files}', hive_partitioning = false)"


def connect(data_dir: Path, memory_limit: str | None, threads: int | None):
    from queries.cache import LOCKED_CONFIG

    config: dict[str, object] = dict(LOCKED_CONFIG)  # no extension fetched or loaded
    if memory_limit:
        config["memory_limit"] = memory_limit
    if threads:
        config["threads"] = threads
    con = duckdb.connect(":memory:", config=config)
    for table in TABLES:
        con.execute(f"CREATE VIEW {table} AS {scan(data_dir, table)}")
    return con


def sums(frame_rows: list[dict], columns: tuple[str, ...]) -> dict[str, str]:
    """Column totals as exact strings, comparable across JSON and DuckDB."""
    return {c: str(sum(Decimal(str(r[c] or 0)) for r in frame_rows)) for c in columns}


def answer(name: str, data_dir: Path, memory_limit: str | None, threads: int | None) -> dict:
    started = time.perf_counter()
    con = connect(data_dir, memory_limit, threads)
    as_of = con.execute("SELECT max(paid_date) FROM claims").fetchone()[0]
    cursor = con.execute(question_sql(name), {"as_of": as_of})
    columns = [d[0] for d in cursor.description]
    rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    seconds = time.perf_counter() - started
    return {"query_seconds": seconds, "rows": len(rows), "sums": sums(rows, CHECKED[name])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("question", choices=sorted(QUESTIONS))
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--memory-limit")
    parser.add_argument("--threads", type=int)
    args = parser.parse_args()
    print(json.dumps(answer(args.question, args.data_dir, args.memory_limit, args.threads)))


if __name__ == "__main__":
    main()
