-- Claims lag (run-out) as known on $as_of: per county, service month and lag
-- (whole months from the service month to the paid month), the claims cost
-- paid at that lag and the users first known at that lag (the earliest
-- paid_date of their services as of $as_of).
WITH
cost AS (
    SELECT county_code, month AS service_month,
           datediff('month', month, paid_date) AS lag_months,
           sum(claims_cost) AS paid
    FROM cost_by_paid_date
    WHERE paid_date <= CAST($as_of AS DATE)
    GROUP BY ALL
),
users AS (
    SELECT county_code, month AS service_month,
           datediff('month', month, first_known) AS lag_months,
           CAST(sum(users) AS BIGINT) AS new_users
    FROM user_counts
    WHERE valid_from <= CAST($as_of AS DATE)
      AND (valid_until IS NULL OR valid_until > CAST($as_of AS DATE))
    GROUP BY ALL
)
SELECT
    county_code, service_month, lag_months,
    coalesce(c.paid, 0) AS paid,
    coalesce(u.new_users, 0) AS new_users
FROM cost c
FULL JOIN users u USING (county_code, service_month, lag_months)
WHERE ($county IS NULL OR county_code = $county)
ORDER BY county_code, service_month, lag_months;
