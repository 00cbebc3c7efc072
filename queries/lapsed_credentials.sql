-- Sites whose contract is open on $as_of but whose credential lapsed before
-- it (the lapsed_credential_open_contract check), with the levels they
-- offer; $county: site county.
SELECT
    p.provider_id,
    any_value(p.provider_name) AS provider_name,
    any_value(p.county_code) AS county_code,
    max(p.credential_expires) AS credential_expires,
    CAST($as_of AS DATE) - max(p.credential_expires) AS days_lapsed,
    string_agg(DISTINCT s.level_of_care, ', ' ORDER BY s.level_of_care) AS levels
FROM providers p
LEFT JOIN provider_services s USING (provider_id)
WHERE p.contract_start <= CAST($as_of AS DATE)
  AND (p.contract_end IS NULL OR p.contract_end >= CAST($as_of AS DATE))
  AND p.credential_expires < CAST($as_of AS DATE)
  AND ($county IS NULL OR p.county_code = $county)
GROUP BY p.provider_id
ORDER BY credential_expires, p.provider_id;
