-- PUPM billed against actual claims cost per county and fiscal year.
SELECT
    county_code, fiscal_year, user_months, pupm_billed, actual_claims_cost,
    variance, variance_pct, indicated_pupm, federal_match
FROM reconciliation_rows(CAST($as_of AS DATE))
WHERE ($county IS NULL OR county_code = $county)
  AND ($fiscal_year IS NULL OR fiscal_year = $fiscal_year)
ORDER BY county_code, fiscal_year;
