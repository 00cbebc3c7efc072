-- One member's claim lines with a service date in $month, as known on $as_of:
-- every status, with whether the line is a service and whether it is cost.
SELECT
    l.claim_id,
    l.line_no,
    l.service_date,
    l.paid_date,
    l.status,
    l.original_claim_id,
    l.level_of_care,
    l.procedure_code,
    l.provider_id,
    p.provider_name,
    l.units,
    l.billed_amount,
    l.paid_amount,
    l.county_code,
    (l.status = 'PAID' AND NOT l.reversed AND l.county_code IS NOT NULL) AS is_service,
    (l.status IN ('PAID', 'REVERSED') AND l.county_code IS NOT NULL) AS is_cost
FROM attributed_lines(CAST($as_of AS DATE)) l
LEFT JOIN (
    SELECT DISTINCT ON (provider_id) provider_id, provider_name
    FROM providers ORDER BY provider_id, provider_name
) p ON p.provider_id = l.provider_id
-- $member_id is a CIN; the cached facts hold its pseudonym.
WHERE l.member_id IN ($member_id, pseudonym($member_id))
  AND ($month IS NULL OR l.service_month = CAST($month AS DATE))
ORDER BY l.service_date, l.claim_id, l.line_no;
