-- Run-out by age in days, pooled over the counties (the completion factors
-- are pooled): per service month and lag in days (paid date - the month's
-- first day), the claims cost paid then and the users first known then, as
-- known on $as_of. A partly run-out month is read at its exact age.
WITH
cost AS (
    SELECT month AS service_month, paid_date - month AS lag_days, sum(claims_cost) AS paid
    FROM cost_by_paid_date
    WHERE paid_date <= CAST($as_of AS DATE)
    GROUP BY ALL
),
users AS (
    SELECT month AS service_month, first_known - month AS lag_days,
           CAST(sum(users) AS BIGINT) AS new_users
    FROM user_counts
    WHERE valid_from <= CAST($as_of AS DATE)
      AND (valid_until IS NULL OR valid_until > CAST($as_of AS DATE))
    GROUP BY ALL
)
SELECT
    service_month, lag_days,
    coalesce(c.paid, 0) AS paid,
    coalesce(u.new_users, 0) AS new_users
FROM cost c
FULL JOIN users u USING (service_month, lag_days)
ORDER BY service_month, lag_days;
