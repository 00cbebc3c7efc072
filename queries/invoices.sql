-- Expected vs billed invoices, drift, payments and outstanding per county-month;
-- `invoiced` (v1.1): an ORIGINAL issued by $as_of; `to_invoice`: the expected
-- total of a month with users and no ORIGINAL yet.
SELECT
    county_code, month, fiscal_year, computed_users, billed_users,
    pupm_rate, admin_qa_monthly, expected_total, billed_total,
    drift_users, drift_amount, paid, outstanding, invoiced, to_invoice,
    original_invoices, supplemental_invoices
FROM invoice_drift(CAST($as_of AS DATE))
WHERE ($county IS NULL OR county_code = $county)
  AND ($fiscal_year IS NULL OR fiscal_year = $fiscal_year)
  AND ($month IS NULL OR month = CAST($month AS DATE))
ORDER BY county_code, month;
