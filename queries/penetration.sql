-- Penetration per county and fiscal year: users over eligible members
-- (contract v1.1, "Penetration").
SELECT *
FROM county_year_penetration(CAST($as_of AS DATE))
WHERE ($county IS NULL OR county_code = $county)
  AND ($fiscal_year IS NULL OR fiscal_year = $fiscal_year)
ORDER BY county_code, fiscal_year;
