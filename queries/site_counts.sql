-- Sites active on the last day of $month per level of care, every level
-- (residential and withdrawal management have no distance or timeliness
-- standard: the contract asks for their site counts only): in the county
-- $county (every county when NULL) and region-wide, with the sites whose
-- contract is open but whose credential lapsed (not active, so not counted).
WITH
day AS (SELECT CAST(last_day(CAST($month AS DATE)) AS DATE) AS d),
offered AS (
    SELECT DISTINCT p.provider_id, p.county_code, s.level_of_care,
           p.contract_start <= d.d AND (p.contract_end IS NULL OR p.contract_end >= d.d)
               AS contract_open,
           p.credential_expires >= d.d AS credentialed
    FROM providers p
    JOIN provider_services s USING (provider_id)
    CROSS JOIN day d
)
SELECT
    lv.level_of_care,
    lv.level_name,
    lv.timely_days IS NOT NULL AS has_standard,
    count(DISTINCT o.provider_id) FILTER (
        WHERE o.contract_open AND o.credentialed AND ($county IS NULL OR o.county_code = $county)
    ) AS active_sites,
    count(DISTINCT o.provider_id) FILTER (WHERE o.contract_open AND o.credentialed)
        AS active_sites_region,
    count(DISTINCT o.provider_id) FILTER (
        WHERE o.contract_open AND NOT o.credentialed
          AND ($county IS NULL OR o.county_code = $county)
    ) AS lapsed_sites
FROM ref_levels lv
LEFT JOIN offered o USING (level_of_care)
GROUP BY lv.level_of_care, lv.level_name, lv.timely_days, lv.sort_order
ORDER BY lv.sort_order;
