-- What changed in each invoiced county-month between its ORIGINAL invoice and
-- $as_of: users and dollars added by late claims, removed by reversals.
-- Answered from rollups (user_counts, reversed_user_spells,
-- paid_lines_by_date), never from the lines themselves.
WITH
invoiced AS (
    SELECT county_code, service_month AS month, min(issued_date) AS invoiced_on
    FROM issued_invoices(CAST($as_of AS DATE))
    WHERE invoice_type = 'ORIGINAL'
      AND ($county IS NULL OR county_code = $county)
      AND ($fiscal_year IS NULL OR fiscal_year_of(service_month) = $fiscal_year)
      AND ($month IS NULL OR service_month = CAST($month AS DATE))
    GROUP BY ALL
),
-- Users on the invoice date and on $as_of: the user_counts segments holding each.
users AS (
    SELECT i.county_code, i.month,
           CAST(coalesce(sum(u.users) FILTER (
               WHERE u.valid_from <= i.invoiced_on
                 AND (u.valid_until IS NULL OR u.valid_until > i.invoiced_on)), 0) AS BIGINT)
               AS users_then,
           CAST(coalesce(sum(u.users) FILTER (
               WHERE u.valid_from <= CAST($as_of AS DATE)
                 AND (u.valid_until IS NULL OR u.valid_until > CAST($as_of AS DATE))), 0)
               AS BIGINT) AS users_now
    FROM invoiced i
    JOIN user_counts u ON u.county_code = i.county_code AND u.month = i.month
    GROUP BY ALL
),
-- Only a member-month with a reversed line can stop being served; the rest of
-- the change is members added: added = now - then + removed.
removed AS (
    SELECT i.county_code, i.month, CAST(sum(r.members) AS BIGINT) AS users_removed
    FROM invoiced i
    JOIN reversed_user_spells r ON r.county_code = i.county_code AND r.month = i.month
    WHERE served_on(r.opened_on, r.spells, i.invoiced_on)
      AND NOT served_on(r.opened_on, r.spells, CAST($as_of AS DATE))
    GROUP BY ALL
),
dollars AS (
    SELECT i.county_code, i.month,
           sum(p.paid_amount) FILTER (WHERE p.paid_date <= i.invoiced_on) AS cost_then,
           sum(p.paid_amount) FILTER (WHERE p.status = 'PAID' AND p.paid_date > i.invoiced_on)
               AS late_claims_paid,
           CAST(sum(p.lines) FILTER (WHERE p.status = 'PAID' AND p.paid_date > i.invoiced_on)
                AS BIGINT) AS late_claim_lines,
           sum(p.paid_amount) FILTER (WHERE p.status = 'REVERSED'
                                        AND p.paid_date > i.invoiced_on) AS reversed_since,
           CAST(sum(p.lines) FILTER (WHERE p.status = 'REVERSED'
                                       AND p.paid_date > i.invoiced_on) AS BIGINT)
               AS reversal_lines
    FROM invoiced i
    JOIN paid_lines_by_date p ON p.county_code = i.county_code AND p.month = i.month
    WHERE p.paid_date <= CAST($as_of AS DATE)
    GROUP BY ALL
)
SELECT
    i.county_code, i.month, i.invoiced_on,
    coalesce(u.users_then, 0) AS users_then,
    coalesce(u.users_now, 0) AS users_now,
    coalesce(u.users_now, 0) - coalesce(u.users_then, 0) + coalesce(r.users_removed, 0)
        AS users_added,
    coalesce(r.users_removed, 0) AS users_removed,
    coalesce(d.cost_then, 0) AS cost_then,
    coalesce(d.late_claims_paid, 0) AS late_claims_paid,
    coalesce(d.late_claim_lines, 0) AS late_claim_lines,
    coalesce(d.reversed_since, 0) AS reversed_since,
    coalesce(d.reversal_lines, 0) AS reversal_lines,
    fiscal_year_of(i.month) AS fiscal_year
FROM invoiced i
LEFT JOIN users u USING (county_code, month)
LEFT JOIN removed r USING (county_code, month)
LEFT JOIN dollars d USING (county_code, month)
ORDER BY i.county_code, i.month;
