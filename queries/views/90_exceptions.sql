-- Every data-quality finding of the contract's checks, one row per unit the
-- check counts (lines, keys, invoices, sites, members), as known on as_of;
-- m is the adequacy month of zip_not_located. PHI: callers mask member_id.
CREATE OR REPLACE MACRO exception_findings(as_of, m) AS TABLE
WITH
-- The lines a check may flag (exception_lines) known on as_of. NOT
-- MATERIALIZED: each check reads only its columns and rows of them.
lines AS NOT MATERIALIZED (SELECT * FROM attributed_lines(as_of, facts := 'exception_lines')),
findings AS (
    SELECT 'unattributed_services' AS "check", NULL AS county_code, service_month AS month,
           claim_id || '/' || line_no AS reference, member_id, paid_amount AS amount,
           'no eligibility row for ' || strftime(service_month, '%Y-%m') AS note
    FROM lines WHERE status = 'PAID' AND NOT reversed AND county_code IS NULL
    UNION ALL
    SELECT 'duplicate_claim_line', NULL, NULL, claim_id || '/' || line_no,
           any_value(member_id), sum(paid_amount), count(*) || ' rows share this key'
    FROM repeated_claim_keys WHERE paid_date <= as_of
    GROUP BY claim_id, line_no HAVING count(*) > 1
    UNION ALL
    SELECT 'reversal_without_original', county_code, service_month,
           claim_id || '/' || line_no, member_id, paid_amount,
           'reverses ' || coalesce(original_claim_id, '(none)') || '/' || line_no
               || ', which is not a PAID line'
    FROM lines
    WHERE status = 'REVERSED' AND (target_paid_on IS NULL OR target_paid_on > as_of)
    UNION ALL
    SELECT 'reversal_amount_mismatch', county_code, service_month,
           claim_id || '/' || line_no, member_id, paid_amount,
           'reverses ' || original_claim_id || '/' || line_no || ', which was not paid '
               || CAST(-paid_amount AS VARCHAR)
    FROM lines
    WHERE status = 'REVERSED' AND target_paid_on <= as_of
      AND (negated_target_paid_on IS NULL OR negated_target_paid_on > as_of)
    UNION ALL
    SELECT 'paid_line_negative_amount', county_code, service_month,
           claim_id || '/' || line_no, member_id, paid_amount, 'PAID with a negative amount'
    FROM lines WHERE status = 'PAID' AND paid_amount < 0
    UNION ALL
    SELECT 'unknown_provider', county_code, service_month,
           claim_id || '/' || line_no, member_id, paid_amount,
           'provider ' || coalesce(provider_id, '(none)') || ' is not in providers'
    FROM lines
    WHERE provider_id IS NULL
       OR provider_id NOT IN (SELECT provider_id FROM providers WHERE provider_id IS NOT NULL)
    UNION ALL
    SELECT 'unknown_level_of_care', county_code, service_month,
           claim_id || '/' || line_no, member_id, paid_amount,
           'level ' || coalesce(level_of_care, '(none)') || ' is not a contract level'
    FROM lines
    WHERE level_of_care IS NULL
       OR level_of_care NOT IN (SELECT level_of_care FROM ref_levels)
    UNION ALL
    SELECT 'missing_rate', s.county_code, NULL, fiscal_year_name(s.fiscal_year),
           NULL, NULL, 'services but no pupm_rates row'
    FROM (SELECT DISTINCT county_code, fiscal_year FROM county_month_users(as_of)) s
    WHERE NOT EXISTS (SELECT 1 FROM rates() r
                      WHERE r.county_code = s.county_code AND r.fiscal_year = s.fiscal_year)
    UNION ALL
    SELECT 'month_not_invoiced', u.county_code, u.month, NULL, NULL, NULL,
           u.users || ' users, no ORIGINAL invoice'
    FROM county_month_users(as_of) u
    WHERE u.month < date_trunc('month', as_of)
      AND NOT EXISTS (SELECT 1 FROM issued_invoices(as_of) i
                      WHERE i.county_code = u.county_code AND i.service_month = u.month
                        AND i.invoice_type = 'ORIGINAL')
    UNION ALL
    SELECT 'invoice_arithmetic', county_code, service_month, invoice_id, NULL, total_amount,
           CASE WHEN pupm_amount IS DISTINCT FROM user_count * pupm_rate
                THEN 'pupm_amount ' || pupm_amount || ' but ' || user_count || ' x '
                     || pupm_rate || ' = ' || (user_count * pupm_rate)
                ELSE 'total_amount ' || total_amount || ' but ' || pupm_amount || ' + '
                     || admin_qa_amount || ' = ' || (pupm_amount + admin_qa_amount) END
    FROM issued_invoices(as_of)
    WHERE pupm_amount IS DISTINCT FROM user_count * pupm_rate
       OR total_amount IS DISTINCT FROM pupm_amount + admin_qa_amount
    UNION ALL
    SELECT DISTINCT 'expiring_credentials', county_code, NULL, provider_id, NULL, NULL,
           provider_name || ': credential expires ' || strftime(credential_expires, '%Y-%m-%d')
    FROM providers
    WHERE contract_start <= as_of
      AND (contract_end IS NULL OR contract_end >= as_of)
      AND credential_expires >= as_of
      AND credential_expires <= as_of + 60
    UNION ALL
    SELECT DISTINCT 'lapsed_credential_open_contract', county_code, NULL, provider_id, NULL,
           NULL,
           provider_name || ': credential expired ' || strftime(credential_expires, '%Y-%m-%d')
               || ', contract still open'
    FROM providers
    WHERE contract_start <= as_of
      AND (contract_end IS NULL OR contract_end >= as_of)
      AND credential_expires < as_of
    UNION ALL
    SELECT DISTINCT 'zip_not_located', county_code, month, zip, member_id, NULL,
           'ZIP ' || coalesce(zip, '(none)') || ' is not in zips'
    FROM eligibility e
    WHERE e.month = m
      AND (e.zip IS NULL OR e.zip NOT IN (SELECT zip FROM zips WHERE zip IS NOT NULL))
)
SELECT * FROM findings;
