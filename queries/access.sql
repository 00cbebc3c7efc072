-- Access per referral county and month of request, every level (contract
-- v1.1, "Access"): offers, business days to offer, service, days to service.
SELECT *
FROM county_month_access(CAST($as_of AS DATE))
WHERE ($county IS NULL OR county_code = $county)
  AND ($fiscal_year IS NULL OR fiscal_year = $fiscal_year)
  AND ($month IS NULL OR month = CAST($month AS DATE))
ORDER BY county_code, month;
