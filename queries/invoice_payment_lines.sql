-- Payments received by $as_of on one invoice issued by $as_of.
SELECT payment_id, received_date, amount, county_code
FROM payments
WHERE invoice_id = $invoice_id
  AND received_date <= CAST($as_of AS DATE)
  AND invoice_id IN (SELECT invoice_id FROM issued_invoices(CAST($as_of AS DATE)))
ORDER BY received_date, payment_id;
