-- The members counted as users of a county-month as known on $as_of, optionally
-- only those who used level $level. PHI: the dashboard masks member_id.
-- The cached facts hold pseudonyms: the member's eligibility row of the month
-- gives the CIN back (a member served here is eligible here that month).
WITH cins AS (
    SELECT DISTINCT member_id AS cin, pseudonym(member_id) AS alias
    FROM eligibility
    WHERE county_code = $county AND month = CAST($month AS DATE)
)
SELECT
    coalesce(any_value(c.cin), s.member_id) AS member_id,
    bool_or(s.plan_member) AS plan_member,
    any_value(s.fmap_group) AS fmap_group,
    string_agg(DISTINCT s.level_of_care, ', ' ORDER BY s.level_of_care) AS levels,
    count(*) AS services,
    sum(s.paid_amount) AS services_paid,
    min(s.service_date) AS first_service,
    max(s.service_date) AS last_service
FROM services(CAST($as_of AS DATE)) s
LEFT JOIN cins c ON c.alias = s.member_id
WHERE s.county_code = $county
  AND s.service_month = CAST($month AS DATE)
GROUP BY s.member_id
HAVING $level IS NULL OR bool_or(s.level_of_care = $level)
ORDER BY 1;
