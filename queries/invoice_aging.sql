-- Unpaid invoices (issued by $as_of, outstanding > 0) per county, by their
-- aging bucket. Follows the invoices filters ($county, $fiscal_year, $month).
SELECT
    county_code,
    count(*) AS unpaid_invoices,
    coalesce(sum(outstanding) FILTER (WHERE bucket = '0-30'), 0) AS days_0_30,
    coalesce(sum(outstanding) FILTER (WHERE bucket = '31-60'), 0) AS days_31_60,
    coalesce(sum(outstanding) FILTER (WHERE bucket = '61-90'), 0) AS days_61_90,
    coalesce(sum(outstanding) FILTER (WHERE bucket = 'over 90'), 0) AS days_over_90,
    sum(outstanding) AS outstanding,
    max(age_days) AS oldest_days
FROM unpaid_invoices_on(CAST($as_of AS DATE))
WHERE ($county IS NULL OR county_code = $county)
  AND ($fiscal_year IS NULL OR fiscal_year = $fiscal_year)
  AND ($month IS NULL OR month = CAST($month AS DATE))
GROUP BY county_code
ORDER BY county_code;
