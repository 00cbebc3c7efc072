-- Claims lag (run-out) as known on $as_of: per county, service month and lag
-- (whole months from the service month to the paid month), the claims cost
-- paid at that lag and the users first known at that lag.
WITH
cost AS (
    SELECT county_code, service_month,
           datediff('month', service_month, paid_date) AS lag_months,
           sum(paid_amount) AS paid
    FROM cost_lines(CAST($as_of AS DATE))
    GROUP BY ALL
),
first_known AS (
    SELECT county_code, service_month, member_id,
           min(datediff('month', service_month, paid_date)) AS lag_months
    FROM services(CAST($as_of AS DATE))
    WHERE county_code IS NOT NULL
    GROUP BY ALL
),
users AS (
    SELECT county_code, service_month, lag_months, count(*) AS new_users
    FROM first_known GROUP BY ALL
)
SELECT
    county_code, service_month, lag_months,
    coalesce(c.paid, 0) AS paid,
    coalesce(u.new_users, 0) AS new_users
FROM cost c
FULL JOIN users u USING (county_code, service_month, lag_months)
WHERE ($county IS NULL OR county_code = $county)
ORDER BY county_code, service_month, lag_months;
