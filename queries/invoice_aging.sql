-- Unpaid invoices (issued by $as_of, outstanding > 0) per county, by days from
-- issue to $as_of. Follows the invoices filters ($county, $fiscal_year, $month).
WITH unpaid AS (
    SELECT
        i.county_code,
        i.total_amount - coalesce(p.paid, 0) AS outstanding,
        CAST($as_of AS DATE) - i.issued_date AS age_days
    FROM issued_invoices(CAST($as_of AS DATE)) i
    LEFT JOIN invoice_payments(CAST($as_of AS DATE)) p USING (invoice_id)
    WHERE ($county IS NULL OR i.county_code = $county)
      AND ($fiscal_year IS NULL OR fiscal_year_of(i.service_month) = $fiscal_year)
      AND ($month IS NULL OR i.service_month = CAST($month AS DATE))
)
SELECT
    county_code,
    count(*) AS unpaid_invoices,
    coalesce(sum(outstanding) FILTER (WHERE age_days <= 30), 0) AS days_0_30,
    coalesce(sum(outstanding) FILTER (WHERE age_days BETWEEN 31 AND 60), 0) AS days_31_60,
    coalesce(sum(outstanding) FILTER (WHERE age_days BETWEEN 61 AND 90), 0) AS days_61_90,
    coalesce(sum(outstanding) FILTER (WHERE age_days > 90), 0) AS days_over_90,
    sum(outstanding) AS outstanding,
    max(age_days) AS oldest_days
FROM unpaid
WHERE outstanding > 0
GROUP BY county_code
ORDER BY county_code;
