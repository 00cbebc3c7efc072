-- Monthly users per county of responsibility: distinct members with an
-- attributed service in the month, as known on as_of. A member's islands in
-- user_spans are disjoint, so at most one counts.
CREATE OR REPLACE MACRO county_month_users(as_of) AS TABLE
    SELECT
        county_code,
        month,
        fiscal_year,
        count(*) AS users,
        count(*) FILTER (WHERE plan_member) AS plan_member_users
    FROM user_spans
    WHERE known_from <= as_of AND (known_until IS NULL OR known_until > as_of)
    GROUP BY ALL;

CREATE OR REPLACE MACRO county_month_cost(as_of) AS TABLE
    SELECT
        county_code,
        month,
        fiscal_year,
        sum(claims_cost) AS claims_cost,
        sum(federal_match) AS federal_match
    FROM cost_by_paid_date
    WHERE paid_date <= as_of
    GROUP BY ALL;

CREATE OR REPLACE MACRO rates() AS TABLE
    SELECT DISTINCT ON (county_code, fiscal_year) *
    FROM pupm_rates
    ORDER BY county_code, fiscal_year, pupm_rate;
