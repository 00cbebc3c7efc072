-- Every unpaid invoice (issued by $as_of, outstanding > 0) of every fiscal
-- year, oldest first: days from issue to $as_of and the aging bucket.
-- $county, $fiscal_year and $month narrow it, as on the invoices report.
WITH unpaid AS (
    SELECT
        i.invoice_id,
        i.county_code,
        i.service_month AS month,
        fiscal_year_of(i.service_month) AS fiscal_year,
        i.invoice_type,
        i.issued_date,
        i.total_amount,
        coalesce(p.paid, CAST(0 AS DECIMAL(38, 2))) AS paid,
        i.total_amount - coalesce(p.paid, 0) AS outstanding,
        CAST($as_of AS DATE) - i.issued_date AS age_days
    FROM issued_invoices(CAST($as_of AS DATE)) i
    LEFT JOIN invoice_payments(CAST($as_of AS DATE)) p USING (invoice_id)
    WHERE ($county IS NULL OR i.county_code = $county)
      AND ($fiscal_year IS NULL OR fiscal_year_of(i.service_month) = $fiscal_year)
      AND ($month IS NULL OR i.service_month = CAST($month AS DATE))
)
SELECT
    *,
    CASE WHEN age_days <= 30 THEN '0-30'
         WHEN age_days <= 60 THEN '31-60'
         WHEN age_days <= 90 THEN '61-90'
         ELSE 'over 90' END AS bucket
FROM unpaid
WHERE outstanding > 0
ORDER BY age_days DESC, county_code, invoice_id;
