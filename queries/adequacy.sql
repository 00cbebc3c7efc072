-- Network adequacy (time/distance) and timely access per county and level
-- with a standard, for month $month: always 7 counties x 3 levels.
WITH
distance AS (SELECT * FROM county_access(CAST($month AS DATE))),
timeliness AS (
    SELECT
        county_code, level_of_care,
        count(*) AS referrals,
        count(*) FILTER (WHERE outcome = 'timely') AS referrals_timely,
        count(*) FILTER (WHERE outcome = 'pending') AS referrals_pending
    FROM referral_timeliness(CAST($month AS DATE), CAST($as_of AS DATE))
    GROUP BY ALL
),
-- Days from request to first service (contract v1.1 access), beside the
-- timely offer: referrals of the month served by $as_of.
service AS (
    SELECT
        county_code, level_of_care,
        count(served_on) AS referrals_served,
        count(*) FILTER (WHERE days_to_service <= 14) AS served_within_14,
        median_1dp(days_to_service) AS median_days_to_service
    FROM referral_access(CAST($as_of AS DATE))
    WHERE month = CAST($month AS DATE)
    GROUP BY ALL
),
sites AS (
    SELECT level_of_care, site_county AS county_code, count(*) AS active_sites
    FROM active_sites(CAST(last_day(CAST($month AS DATE)) AS DATE))
    GROUP BY ALL
)
SELECT
    c.county_code,
    lv.level_of_care,
    c.max_miles,
    lv.timely_days,
    coalesce(d.members, 0) AS members,
    coalesce(d.members_within, 0) AS members_within,
    pct(coalesce(d.members_within, 0), coalesce(d.members, 0)) AS pct_within,
    coalesce(d.members_not_located, 0) AS members_not_located,
    coalesce(t.referrals, 0) AS referrals,
    coalesce(t.referrals_timely, 0) AS referrals_timely,
    coalesce(t.referrals_pending, 0) AS referrals_pending,
    pct(coalesce(t.referrals_timely, 0),
        coalesce(t.referrals, 0) - coalesce(t.referrals_pending, 0)) AS pct_timely,
    coalesce(v.referrals_served, 0) AS referrals_served,
    coalesce(v.served_within_14, 0) AS served_within_14,
    v.median_days_to_service,
    coalesce(s.active_sites, 0) AS active_sites_in_county
FROM ref_counties c
CROSS JOIN ref_levels lv
LEFT JOIN distance d ON d.county_code = c.county_code AND d.level_of_care = lv.level_of_care
LEFT JOIN timeliness t ON t.county_code = c.county_code AND t.level_of_care = lv.level_of_care
LEFT JOIN service v ON v.county_code = c.county_code AND v.level_of_care = lv.level_of_care
LEFT JOIN sites s ON s.county_code = c.county_code AND s.level_of_care = lv.level_of_care
WHERE lv.timely_days IS NOT NULL
  AND ($county IS NULL OR c.county_code = $county)
ORDER BY c.county_code, lv.sort_order;
