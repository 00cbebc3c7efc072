CREATE OR REPLACE MACRO issued_invoices(as_of) AS TABLE
    SELECT * FROM invoices WHERE issued_date <= as_of;

-- Payments received by as_of on invoices issued by as_of, per invoice.
CREATE OR REPLACE MACRO invoice_payments(as_of) AS TABLE
    SELECT p.invoice_id, sum(p.amount) AS paid
    FROM payments p
    WHERE p.received_date <= as_of
      AND p.invoice_id IN (SELECT invoice_id FROM issued_invoices(as_of))
    GROUP BY p.invoice_id;

-- Billing per county and service month as known on as_of.
CREATE OR REPLACE MACRO county_month_billing(as_of) AS TABLE
    SELECT
        i.county_code,
        i.service_month AS month,
        fiscal_year_of(i.service_month) AS fiscal_year,
        CAST(sum(i.user_count) AS BIGINT) AS billed_users,
        sum(i.pupm_amount) AS billed_pupm,
        sum(i.total_amount) AS billed_total,
        count(*) FILTER (WHERE i.invoice_type = 'ORIGINAL') AS original_invoices,
        count(*) FILTER (WHERE i.invoice_type = 'SUPPLEMENTAL') AS supplemental_invoices
    FROM issued_invoices(as_of) i
    GROUP BY ALL;

-- An invoice row that appears twice is billed twice, but its payments are
-- received once: payments join to distinct invoice ids.
CREATE OR REPLACE MACRO county_month_paid(as_of) AS TABLE
    SELECT i.county_code, i.month, sum(p.paid) AS paid
    FROM (SELECT DISTINCT invoice_id, county_code, service_month AS month
          FROM issued_invoices(as_of)) i
    JOIN invoice_payments(as_of) p USING (invoice_id)
    GROUP BY ALL;

-- Expected vs billed per county-month: one row per county-month with users or
-- with an invoice issued by as_of (contract fine print "Invoice rows").
CREATE OR REPLACE MACRO invoice_drift(as_of) AS TABLE
    WITH keys AS (
        SELECT county_code, month FROM county_month_users(as_of)
        UNION
        SELECT county_code, month FROM county_month_billing(as_of)
    )
    SELECT
        k.county_code,
        k.month,
        fiscal_year_of(k.month) AS fiscal_year,
        coalesce(u.users, 0) AS computed_users,
        coalesce(b.billed_users, 0) AS billed_users,
        r.pupm_rate,
        r.admin_qa_monthly,
        coalesce(u.users, 0) * r.pupm_rate + r.admin_qa_monthly AS expected_total,
        coalesce(b.billed_total, CAST(0 AS DECIMAL(38, 2))) AS billed_total,
        coalesce(u.users, 0) - coalesce(b.billed_users, 0) AS drift_users,
        coalesce(u.users, 0) * r.pupm_rate + r.admin_qa_monthly
            - coalesce(b.billed_total, 0) AS drift_amount,
        coalesce(p.paid, CAST(0 AS DECIMAL(38, 2))) AS paid,
        coalesce(b.billed_total, 0) - coalesce(p.paid, 0) AS outstanding,
        coalesce(b.original_invoices, 0) AS original_invoices,
        coalesce(b.supplemental_invoices, 0) AS supplemental_invoices,
        -- v1.1: an ORIGINAL issued by as_of. A month with users and none is
        -- "to invoice": its expected total is what to bill, not drift.
        coalesce(b.original_invoices, 0) > 0 AS invoiced,
        CASE WHEN coalesce(b.original_invoices, 0) = 0 AND coalesce(u.users, 0) > 0
             THEN coalesce(u.users, 0) * r.pupm_rate + r.admin_qa_monthly END AS to_invoice
    FROM keys k
    LEFT JOIN county_month_users(as_of) u USING (county_code, month)
    LEFT JOIN county_month_billing(as_of) b USING (county_code, month)
    LEFT JOIN county_month_paid(as_of) p USING (county_code, month)
    LEFT JOIN rates() r ON r.county_code = k.county_code AND r.fiscal_year = fiscal_year_of(k.month);

-- Every invoice issued by as_of with money outstanding on as_of: its age in
-- days from issue and its aging bucket (the list and the buckets read this).
CREATE OR REPLACE MACRO unpaid_invoices_on(as_of) AS TABLE
    SELECT
        *,
        CASE WHEN age_days <= 30 THEN '0-30'
             WHEN age_days <= 60 THEN '31-60'
             WHEN age_days <= 90 THEN '61-90'
             ELSE 'over 90' END AS bucket
    FROM (
        SELECT
            i.invoice_id,
            i.county_code,
            i.service_month AS month,
            fiscal_year_of(i.service_month) AS fiscal_year,
            i.invoice_type,
            i.issued_date,
            i.total_amount,
            coalesce(p.paid, CAST(0 AS DECIMAL(38, 2))) AS paid,
            i.total_amount - coalesce(p.paid, 0) AS outstanding,
            as_of - i.issued_date AS age_days
        FROM issued_invoices(as_of) i
        LEFT JOIN invoice_payments(as_of) p USING (invoice_id)
    )
    WHERE outstanding > 0;
