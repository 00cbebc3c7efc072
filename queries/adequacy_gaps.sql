-- The ZIPs of county $county whose members eligible in $month are outside the
-- distance standard for level $level, with the nearest active site.
SELECT
    a.zip,
    a.located,
    count(DISTINCT a.member_id) AS members,
    a.nearest_miles,
    a.max_miles,
    a.nearest_site,
    p.provider_name AS nearest_site_name,
    p.county_code AS nearest_site_county
FROM member_access(CAST($month AS DATE)) a
LEFT JOIN (
    SELECT DISTINCT ON (provider_id) provider_id, provider_name, county_code
    FROM providers ORDER BY provider_id, provider_name
) p ON p.provider_id = a.nearest_site
WHERE a.county_code = $county
  AND a.level_of_care = $level
  AND NOT a.within_standard
GROUP BY ALL
ORDER BY members DESC, a.zip NULLS LAST;
