-- Monthly users per county of responsibility: distinct members with an
-- attributed service in the month.
CREATE OR REPLACE MACRO county_month_users(as_of) AS TABLE
    SELECT
        county_code,
        service_month AS month,
        fiscal_year,
        count(DISTINCT member_id) AS users,
        count(DISTINCT member_id) FILTER (WHERE plan_member) AS plan_member_users
    FROM services(as_of)
    WHERE county_code IS NOT NULL
    GROUP BY ALL;

CREATE OR REPLACE MACRO county_month_cost(as_of) AS TABLE
    SELECT
        county_code,
        service_month AS month,
        fiscal_year,
        sum(paid_amount) AS claims_cost,
        sum(paid_amount * CASE WHEN fmap_group = 'EXPANSION' THEN 0.90 ELSE 0.50 END)
            AS federal_match
    FROM cost_lines(as_of)
    GROUP BY ALL;

CREATE OR REPLACE MACRO rates() AS TABLE
    SELECT DISTINCT ON (county_code, fiscal_year) *
    FROM pupm_rates
    ORDER BY county_code, fiscal_year, pupm_rate;
