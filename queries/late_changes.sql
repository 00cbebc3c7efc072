-- What changed in each invoiced county-month between its ORIGINAL invoice and
-- $as_of: users and dollars added by late claims, removed by reversals.
WITH
invoiced AS (
    SELECT county_code, service_month AS month, min(issued_date) AS invoiced_on
    FROM issued_invoices(CAST($as_of AS DATE))
    WHERE invoice_type = 'ORIGINAL'
    GROUP BY ALL
),
lines AS (
    SELECT l.*, i.invoiced_on
    FROM attributed_lines(CAST($as_of AS DATE)) l
    JOIN invoiced i ON i.county_code = l.county_code AND i.month = l.service_month
),
members AS (
    SELECT county_code, service_month AS month, member_id,
           bool_or(status = 'PAID' AND paid_date <= invoiced_on
                   AND (reversed_on IS NULL OR reversed_on > invoiced_on)) AS user_then,
           bool_or(status = 'PAID' AND reversed_on IS NULL) AS user_now
    FROM lines GROUP BY ALL
),
users AS (
    SELECT county_code, month,
           count(*) FILTER (WHERE user_then) AS users_then,
           count(*) FILTER (WHERE user_now) AS users_now,
           count(*) FILTER (WHERE user_now AND NOT user_then) AS users_added,
           count(*) FILTER (WHERE user_then AND NOT user_now) AS users_removed
    FROM members GROUP BY ALL
),
dollars AS (
    SELECT county_code, service_month AS month,
           sum(paid_amount) FILTER (WHERE status IN ('PAID', 'REVERSED')
                                      AND paid_date <= invoiced_on) AS cost_then,
           sum(paid_amount) FILTER (WHERE status = 'PAID' AND paid_date > invoiced_on)
               AS late_claims_paid,
           count(*) FILTER (WHERE status = 'PAID' AND paid_date > invoiced_on) AS late_claim_lines,
           sum(paid_amount) FILTER (WHERE status = 'REVERSED' AND paid_date > invoiced_on)
               AS reversed_since,
           count(*) FILTER (WHERE status = 'REVERSED' AND paid_date > invoiced_on)
               AS reversal_lines
    FROM lines GROUP BY ALL
)
SELECT
    i.county_code, i.month, i.invoiced_on,
    coalesce(u.users_then, 0) AS users_then,
    coalesce(u.users_now, 0) AS users_now,
    coalesce(u.users_added, 0) AS users_added,
    coalesce(u.users_removed, 0) AS users_removed,
    coalesce(d.cost_then, 0) AS cost_then,
    coalesce(d.late_claims_paid, 0) AS late_claims_paid,
    coalesce(d.late_claim_lines, 0) AS late_claim_lines,
    coalesce(d.reversed_since, 0) AS reversed_since,
    coalesce(d.reversal_lines, 0) AS reversal_lines,
    fiscal_year_of(i.month) AS fiscal_year
FROM invoiced i
LEFT JOIN users u USING (county_code, month)
LEFT JOIN dollars d USING (county_code, month)
WHERE ($county IS NULL OR i.county_code = $county)
  AND ($fiscal_year IS NULL OR fiscal_year_of(i.month) = $fiscal_year)
  AND ($month IS NULL OR i.month = CAST($month AS DATE))
ORDER BY i.county_code, i.month;
