-- Monthly users per county and month (contract: "Monthly users").
SELECT
    county_code,
    month,
    fiscal_year,
    users,
    plan_member_users,
    users - plan_member_users AS non_plan_users
FROM county_month_users(CAST($as_of AS DATE))
WHERE ($county IS NULL OR county_code = $county)
  AND ($fiscal_year IS NULL OR fiscal_year = $fiscal_year)
  AND ($month IS NULL OR month = CAST($month AS DATE))
ORDER BY county_code, month;
