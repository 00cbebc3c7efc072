-- PUPM billed against actual claims cost per county and fiscal year, and
-- (v1.1) the same through the last month with an ORIGINAL invoice.
SELECT
    county_code, fiscal_year, user_months, pupm_billed, actual_claims_cost,
    variance, variance_pct, indicated_pupm,
    invoiced_through, cost_through_invoiced, variance_through_invoiced, federal_match
FROM reconciliation_rows(CAST($as_of AS DATE))
WHERE ($county IS NULL OR county_code = $county)
  AND ($fiscal_year IS NULL OR fiscal_year = $fiscal_year)
ORDER BY county_code, fiscal_year;
