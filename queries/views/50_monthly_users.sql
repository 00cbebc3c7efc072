-- Monthly users per county of responsibility: distinct members with an
-- attributed service in the month, as known on as_of: the user_counts
-- segments holding as_of (a member-month's segments are disjoint).
CREATE OR REPLACE MACRO county_month_users(as_of) AS TABLE
    SELECT
        county_code,
        month,
        fiscal_year,
        CAST(sum(users) AS BIGINT) AS users,
        CAST(coalesce(sum(users) FILTER (WHERE plan_member), 0) AS BIGINT) AS plan_member_users
    FROM user_counts
    WHERE valid_from <= as_of AND (valid_until IS NULL OR valid_until > as_of)
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
