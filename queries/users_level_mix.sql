-- Level-of-care mix of a county-month's users as known on $as_of ($county NULL:
-- every county). A member who used several levels counts once in each.
SELECT
    coalesce(s.level_of_care, '(none)') AS level_of_care,
    coalesce(lv.level_name, 'not a contract level') AS level_name,
    count(DISTINCT s.member_id) AS users,
    count(DISTINCT s.member_id) FILTER (WHERE s.plan_member) AS plan_member_users,
    count(DISTINCT s.member_id) FILTER (WHERE NOT s.plan_member) AS non_plan_users,
    count(*) AS services,
    sum(s.paid_amount) AS services_paid
FROM services(CAST($as_of AS DATE)) s
LEFT JOIN ref_levels lv USING (level_of_care)
WHERE s.county_code IS NOT NULL
  AND ($county IS NULL OR s.county_code = $county)
  AND s.service_month = CAST($month AS DATE)
GROUP BY s.level_of_care, lv.level_name, lv.sort_order
ORDER BY lv.sort_order NULLS LAST, s.level_of_care;
