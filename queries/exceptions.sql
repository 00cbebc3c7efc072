-- Data-quality checks of the contract as known on $as_of (M = $month): every
-- check is listed, with count 0 when it passes. Units per the contract's fine
-- print: members for zip_not_located, sites for expiring_credentials and
-- lapsed_credential_open_contract, rows of
-- exception_findings (lines, keys, pairs, county-months, invoices) otherwise.
WITH
catalogue (ord, "check", severity, detail) AS (
    VALUES
    (1, 'unattributed_services', 'warning',
     'service lines with no eligibility row for the member and service month; left out of users and cost'),
    (2, 'duplicate_claim_line', 'warning',
     'claim line keys (claim_id, line_no) on more than one row; identical rows are paid once'),
    (3, 'reversal_without_original', 'warning',
     'REVERSED lines whose original_claim_id and line_no match no PAID line'),
    (4, 'reversal_amount_mismatch', 'warning',
     'REVERSED lines whose paid_amount is not the negative of the line they reverse'),
    (5, 'paid_line_negative_amount', 'warning',
     'PAID lines with a negative paid_amount (still services, amount counts in cost)'),
    (6, 'unknown_provider', 'warning',
     'claim lines whose provider_id is not in providers (still services and cost)'),
    (7, 'unknown_level_of_care', 'warning',
     'claim lines whose level_of_care is not a contract level (still services and cost)'),
    (8, 'missing_rate', 'blocking',
     'county and fiscal year pairs with attributed services but no pupm_rates row'),
    (9, 'month_not_invoiced', 'warning',
     'county-months with users, before the month of the as-of date, with no ORIGINAL invoice'),
    (10, 'invoice_arithmetic', 'warning',
     'invoices whose pupm_amount is not user_count x pupm_rate or total_amount is not pupm_amount + admin_qa_amount'),
    (11, 'expiring_credentials', 'info',
     'active sites whose credentials expire within 60 days after the as-of date'),
    (12, 'zip_not_located', 'info',
     'members eligible in the adequacy month whose ZIP is not in zips (counted as not within standard)'),
    (13, 'lapsed_credential_open_contract', 'warning',
     'sites whose contract is open on the as-of date but whose credential expired before it')
),
counts AS (
    SELECT "check",
           -- FILTER: the distinct sets hold only their own check's rows.
           CASE "check"
               WHEN 'zip_not_located'
                   THEN count(DISTINCT member_id) FILTER (WHERE "check" = 'zip_not_located')
               WHEN 'expiring_credentials'
                   THEN count(DISTINCT reference) FILTER (WHERE "check" = 'expiring_credentials')
               WHEN 'lapsed_credential_open_contract'
                   THEN count(DISTINCT reference)
                        FILTER (WHERE "check" = 'lapsed_credential_open_contract')
               ELSE count(*) END AS count
    FROM exception_findings(CAST($as_of AS DATE), CAST($month AS DATE))
    GROUP BY "check"
)
SELECT c."check", c.severity, coalesce(n.count, 0) AS count, c.detail
FROM catalogue c LEFT JOIN counts n USING ("check")
ORDER BY c.ord;
