-- Data-quality checks of the contract, as known on $as_of; M = $month.
-- Every check is listed, with count 0 when it passes.
WITH
lines AS (SELECT * FROM attributed_lines(CAST($as_of AS DATE))),
paid_targets AS (
    SELECT claim_id, line_no, paid_amount FROM lines WHERE status = 'PAID'
),
reversals AS (
    SELECT r.claim_id, r.line_no, r.paid_amount,
           EXISTS (SELECT 1 FROM paid_targets t
                   WHERE t.claim_id = r.original_claim_id AND t.line_no = r.line_no) AS has_target,
           EXISTS (SELECT 1 FROM paid_targets t
                   WHERE t.claim_id = r.original_claim_id AND t.line_no = r.line_no
                     AND t.paid_amount = -r.paid_amount) AS negates_target
    FROM lines r WHERE r.status = 'REVERSED'
),
checks AS (
    SELECT 1 AS ord, 'unattributed_services' AS "check", 'warning' AS severity,
           count(*) AS count,
           'service lines with no eligibility row for the member and service month; left out of users and cost'
               AS detail
    FROM lines WHERE status = 'PAID' AND NOT reversed AND county_code IS NULL
    UNION ALL
    SELECT 2, 'duplicate_claim_line', 'warning', count(*),
           'claim line keys (claim_id, line_no) on more than one row; identical rows are paid once'
    FROM (SELECT claim_id, line_no FROM claims WHERE paid_date <= CAST($as_of AS DATE)
          GROUP BY ALL HAVING count(*) > 1)
    UNION ALL
    SELECT 3, 'reversal_without_original', 'warning', count(*),
           'REVERSED lines whose original_claim_id and line_no match no PAID line'
    FROM reversals WHERE NOT has_target
    UNION ALL
    SELECT 4, 'reversal_amount_mismatch', 'warning', count(*),
           'REVERSED lines whose paid_amount is not the negative of the line they reverse'
    FROM reversals WHERE has_target AND NOT negates_target
    UNION ALL
    SELECT 5, 'paid_line_negative_amount', 'warning', count(*),
           'PAID lines with a negative paid_amount (still services, amount counts in cost)'
    FROM lines WHERE status = 'PAID' AND paid_amount < 0
    UNION ALL
    SELECT 6, 'unknown_provider', 'warning', count(*),
           'claim lines whose provider_id is not in providers (still services and cost)'
    FROM lines l
    WHERE l.provider_id IS NULL
       OR l.provider_id NOT IN (SELECT provider_id FROM providers WHERE provider_id IS NOT NULL)
    UNION ALL
    SELECT 7, 'unknown_level_of_care', 'warning', count(*),
           'claim lines whose level_of_care is not a contract level (still services and cost)'
    FROM lines l
    WHERE l.level_of_care IS NULL
       OR l.level_of_care NOT IN (SELECT level_of_care FROM ref_levels)
    UNION ALL
    SELECT 8, 'missing_rate', 'blocking', count(*),
           'county and fiscal year pairs with attributed services but no pupm_rates row'
    FROM (SELECT DISTINCT county_code, fiscal_year FROM lines
          WHERE status = 'PAID' AND NOT reversed AND county_code IS NOT NULL) s
    WHERE NOT EXISTS (SELECT 1 FROM rates() r
                      WHERE r.county_code = s.county_code AND r.fiscal_year = s.fiscal_year)
    UNION ALL
    SELECT 9, 'month_not_invoiced', 'warning', count(*),
           'county-months with users, before the month of the as-of date, with no ORIGINAL invoice'
    FROM county_month_users(CAST($as_of AS DATE)) u
    WHERE u.month < date_trunc('month', CAST($as_of AS DATE))
      AND NOT EXISTS (SELECT 1 FROM issued_invoices(CAST($as_of AS DATE)) i
                      WHERE i.county_code = u.county_code AND i.service_month = u.month
                        AND i.invoice_type = 'ORIGINAL')
    UNION ALL
    SELECT 10, 'invoice_arithmetic', 'warning', count(*),
           'invoices whose pupm_amount is not user_count x pupm_rate or total_amount is not pupm_amount + admin_qa_amount'
    FROM issued_invoices(CAST($as_of AS DATE))
    WHERE pupm_amount IS DISTINCT FROM user_count * pupm_rate
       OR total_amount IS DISTINCT FROM pupm_amount + admin_qa_amount
    UNION ALL
    SELECT 11, 'expiring_credentials', 'info', count(DISTINCT provider_id),
           'active sites whose credentials expire within 60 days after the as-of date'
    FROM providers
    WHERE contract_start <= CAST($as_of AS DATE)
      AND (contract_end IS NULL OR contract_end >= CAST($as_of AS DATE))
      AND credential_expires >= CAST($as_of AS DATE)
      AND credential_expires <= CAST($as_of AS DATE) + 60
    UNION ALL
    SELECT 12, 'zip_not_located', 'info', count(DISTINCT member_id),
           'members eligible in the adequacy month whose ZIP is not in zips (counted as not within standard)'
    FROM eligibility e
    WHERE e.month = CAST($month AS DATE)
      AND (e.zip IS NULL OR e.zip NOT IN (SELECT zip FROM zips WHERE zip IS NOT NULL))
)
SELECT "check", severity, count, detail FROM checks ORDER BY ord;
