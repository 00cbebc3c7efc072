-- Supplemental invoices due as of $as_of: every invoiced county-month (an
-- ORIGINAL exists) before the as-of month whose expected total differs from
-- what was billed. The amount is expected - billed (the invoices report's
-- drift), to the cent; a negative amount is a credit.
SELECT
    d.county_code,
    d.month,
    d.fiscal_year,
    d.computed_users,
    d.billed_users,
    d.drift_users AS additional_users,
    d.pupm_rate,
    d.drift_users * d.pupm_rate AS additional_pupm,
    d.drift_amount AS proposed_amount,
    d.drift_amount - d.drift_users * d.pupm_rate AS other_adjustment,
    d.expected_total,
    d.billed_total
FROM invoice_drift(CAST($as_of AS DATE)) d
WHERE d.original_invoices > 0
  AND d.month < date_trunc('month', CAST($as_of AS DATE))
  AND (d.drift_users <> 0 OR d.drift_amount IS DISTINCT FROM 0)
  AND ($county IS NULL OR d.county_code = $county)
  AND ($month IS NULL OR d.month = CAST($month AS DATE))
ORDER BY d.county_code, d.month;
