-- The invoices of one county-month issued by $as_of, with the payments received
-- on them by $as_of (the rows behind the invoices report's billed and paid).
SELECT
    i.invoice_id,
    i.invoice_type,
    i.issued_date,
    i.user_count,
    i.pupm_rate,
    i.pupm_amount,
    i.admin_qa_amount,
    i.total_amount,
    coalesce(p.paid, CAST(0 AS DECIMAL(38, 2))) AS paid,
    i.total_amount - coalesce(p.paid, 0) AS outstanding,
    CAST($as_of AS DATE) - i.issued_date AS days_since_issued
FROM issued_invoices(CAST($as_of AS DATE)) i
LEFT JOIN invoice_payments(CAST($as_of AS DATE)) p USING (invoice_id)
WHERE i.county_code = $county
  AND i.service_month = CAST($month AS DATE)
ORDER BY i.issued_date, i.invoice_id;
