-- One member's claim lines from 30 days before $admitted to 30 days after
-- $discharged, as known on $as_of: the services around a residential stay,
-- what kind of care each is to the care-transition rules, and every status
-- (a reversed or denied follow-up shows why it did not count).
SELECT
    l.service_date,
    l.level_of_care,
    care_kind(l.level_of_care) AS care,
    l.status,
    (l.status = 'PAID' AND NOT l.reversed AND l.county_code IS NOT NULL) AS is_service,
    l.service_date - CAST($discharged AS DATE) AS days_after_discharge,
    l.provider_id,
    p.provider_name,
    l.procedure_code,
    l.paid_date,
    l.claim_id,
    l.line_no
FROM attributed_lines(CAST($as_of AS DATE)) l
LEFT JOIN (
    SELECT DISTINCT ON (provider_id) provider_id, provider_name
    FROM providers ORDER BY provider_id, provider_name
) p ON p.provider_id = l.provider_id
-- $member_id is a CIN; the cached facts hold its pseudonym.
WHERE l.member_id IN ($member_id, pseudonym($member_id))
  AND l.service_date >= CAST($admitted AS DATE) - 30
  AND l.service_date <= CAST($discharged AS DATE) + 30
ORDER BY l.service_date, l.claim_id, l.line_no;
