-- Month by month within fiscal year $fiscal_year ($county NULL: every county
-- summed): users, PUPM billed, claims cost, variance and the running variance.
WITH
users AS MATERIALIZED (SELECT * FROM county_month_users(CAST($as_of AS DATE))),
cost AS MATERIALIZED (SELECT * FROM county_month_cost(CAST($as_of AS DATE))),
billed AS MATERIALIZED (SELECT * FROM county_month_billing(CAST($as_of AS DATE))),
keys AS (
    SELECT county_code, month FROM users
    UNION SELECT county_code, month FROM cost
    UNION SELECT county_code, month FROM billed
),
months AS (
    SELECT
        k.month,
        CAST(coalesce(sum(u.users), 0) AS BIGINT) AS users,
        coalesce(sum(b.billed_pupm), CAST(0 AS DECIMAL(38, 2))) AS pupm_billed,
        coalesce(sum(c.claims_cost), CAST(0 AS DECIMAL(38, 2))) AS actual_claims_cost,
        coalesce(sum(c.federal_match), CAST(0 AS DECIMAL(38, 2))) AS federal_match
    FROM keys k
    LEFT JOIN users u USING (county_code, month)
    LEFT JOIN cost c USING (county_code, month)
    LEFT JOIN billed b USING (county_code, month)
    WHERE ($county IS NULL OR k.county_code = $county)
      AND fiscal_year_of(k.month) = $fiscal_year
    GROUP BY k.month
),
running AS (
    SELECT
        *,
        pupm_billed - actual_claims_cost AS variance,
        sum(pupm_billed - actual_claims_cost) OVER (ORDER BY month) AS running_variance,
        sum(actual_claims_cost) OVER (ORDER BY month) AS running_cost
    FROM months
)
SELECT
    month, users, pupm_billed, actual_claims_cost, variance, running_variance,
    pct(to_cents(running_variance), to_cents(running_cost)) AS running_variance_pct,
    federal_match
FROM running
ORDER BY month;
