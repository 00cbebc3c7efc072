-- Per county: is month $month ready to invoice as known on $as_of?
-- blocked: no PUPM rate for the month's fiscal year; invoiced: an ORIGINAL
-- invoice was already issued (late claims go on a supplemental); else ready.
WITH
invoiced AS (
    SELECT county_code, min(issued_date) AS invoiced_on
    FROM issued_invoices(CAST($as_of AS DATE))
    WHERE invoice_type = 'ORIGINAL' AND service_month = CAST($month AS DATE)
    GROUP BY ALL
),
users AS (
    SELECT county_code, users FROM county_month_users(CAST($as_of AS DATE))
    WHERE month = CAST($month AS DATE)
)
SELECT
    c.county_code,
    coalesce(u.users, 0) AS users,
    r.pupm_rate,
    r.admin_qa_monthly,
    coalesce(u.users, 0) * r.pupm_rate + r.admin_qa_monthly AS expected_total,
    i.invoiced_on,
    CASE WHEN r.pupm_rate IS NULL THEN 'blocked'
         WHEN i.invoiced_on IS NOT NULL THEN 'invoiced'
         ELSE 'ready' END AS verdict,
    CASE WHEN r.pupm_rate IS NULL
             THEN 'no PUPM rate for ' || fiscal_year_name(fiscal_year_of(CAST($month AS DATE)))
         WHEN i.invoiced_on IS NOT NULL
             THEN 'ORIGINAL issued ' || strftime(i.invoiced_on, '%Y-%m-%d')
         ELSE 'rate and users known' END AS reason
FROM ref_counties c
LEFT JOIN users u USING (county_code)
LEFT JOIN invoiced i USING (county_code)
LEFT JOIN rates() r
    ON r.county_code = c.county_code AND r.fiscal_year = fiscal_year_of(CAST($month AS DATE))
WHERE $county IS NULL OR c.county_code = $county
ORDER BY c.county_code;
