-- How recent the extracts are: the latest date each feed carries.
SELECT
    (SELECT latest_paid_date FROM latest_dates) AS latest_paid_date,
    (SELECT latest_eligibility_month FROM latest_dates) AS latest_eligibility_month,
    (SELECT max(issued_date) FROM invoices) AS latest_invoice_issued,
    (SELECT max(received_date) FROM payments) AS latest_payment_received,
    (SELECT max(request_date) FROM referrals) AS latest_referral;
