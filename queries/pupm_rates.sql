-- The agreed PUPM rate and admin/QA charge per county for fiscal year $fiscal_year.
SELECT county_code, fiscal_year, pupm_rate, admin_qa_monthly
FROM rates()
WHERE ($fiscal_year IS NULL OR fiscal_year = $fiscal_year)
  AND ($county IS NULL OR county_code = $county)
ORDER BY county_code, fiscal_year;
