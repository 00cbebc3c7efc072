-- Every unpaid invoice (issued by $as_of, outstanding > 0) of every fiscal
-- year, oldest first: days from issue to $as_of and the aging bucket.
-- $county, $fiscal_year and $month narrow it, as on the invoices report.
SELECT *
FROM unpaid_invoices_on(CAST($as_of AS DATE))
WHERE ($county IS NULL OR county_code = $county)
  AND ($fiscal_year IS NULL OR fiscal_year = $fiscal_year)
  AND ($month IS NULL OR month = CAST($month AS DATE))
ORDER BY age_days DESC, county_code, invoice_id;
