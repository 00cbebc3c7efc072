-- Care transitions per county and month of discharge / WM episode end
-- (contract v1.1, "Care transitions").
SELECT *
FROM county_month_care(CAST($as_of AS DATE))
WHERE ($county IS NULL OR county_code = $county)
  AND ($fiscal_year IS NULL OR fiscal_year = $fiscal_year)
  AND ($month IS NULL OR month = CAST($month AS DATE))
ORDER BY county_code, month;
