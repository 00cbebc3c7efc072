-- Reconciliation per county and fiscal year: one row per county-year with
-- users, cost lines or invoices issued by as_of.
CREATE OR REPLACE MACRO reconciliation_rows(as_of) AS TABLE
    WITH
    users AS (
        SELECT county_code, fiscal_year, CAST(sum(users) AS BIGINT) AS user_months
        FROM county_month_users(as_of) GROUP BY ALL
    ),
    cost AS (
        SELECT county_code, fiscal_year,
               sum(claims_cost) AS actual_claims_cost,
               sum(federal_match) AS federal_match
        FROM county_month_cost(as_of) GROUP BY ALL
    ),
    billed AS (
        SELECT county_code, fiscal_year, sum(billed_pupm) AS pupm_billed
        FROM county_month_billing(as_of) GROUP BY ALL
    ),
    -- v1.1: the latest month of the year with an ORIGINAL issued by as_of, and
    -- the cost of the year's months up to it (what the invoices so far cover).
    invoiced AS (
        SELECT county_code, fiscal_year, max(month) AS invoiced_through
        FROM county_month_billing(as_of) WHERE original_invoices > 0 GROUP BY ALL
    ),
    cost_through AS (
        SELECT c.county_code, c.fiscal_year, sum(c.claims_cost) AS cost_through_invoiced
        FROM county_month_cost(as_of) c
        JOIN invoiced i USING (county_code, fiscal_year)
        WHERE c.month <= i.invoiced_through
        GROUP BY ALL
    ),
    keys AS (
        SELECT county_code, fiscal_year FROM users
        UNION SELECT county_code, fiscal_year FROM cost
        UNION SELECT county_code, fiscal_year FROM billed
    ),
    joined AS (
        SELECT
            k.county_code,
            k.fiscal_year,
            coalesce(u.user_months, 0) AS user_months,
            coalesce(b.pupm_billed, CAST(0 AS DECIMAL(38, 2))) AS pupm_billed,
            coalesce(c.actual_claims_cost, CAST(0 AS DECIMAL(38, 2))) AS actual_claims_cost,
            coalesce(c.federal_match, CAST(0 AS DECIMAL(38, 2))) AS federal_match,
            i.invoiced_through,
            coalesce(t.cost_through_invoiced, CAST(0 AS DECIMAL(38, 2))) AS cost_through_invoiced
        FROM keys k
        LEFT JOIN users u USING (county_code, fiscal_year)
        LEFT JOIN cost c USING (county_code, fiscal_year)
        LEFT JOIN billed b USING (county_code, fiscal_year)
        LEFT JOIN invoiced i USING (county_code, fiscal_year)
        LEFT JOIN cost_through t USING (county_code, fiscal_year)
    )
    SELECT
        *,
        pupm_billed - actual_claims_cost AS variance,
        pct(to_cents(pupm_billed - actual_claims_cost), to_cents(actual_claims_cost))
            AS variance_pct,
        from_cents(div_half_up(to_cents(actual_claims_cost), user_months)) AS indicated_pupm,
        pupm_billed - cost_through_invoiced AS variance_through_invoiced
    FROM joined;
