-- The referrals behind one county and level's timely-access and
-- days-to-service figures for month $month, as known on $as_of: source,
-- request, offer and first service (blank until made by $as_of), business
-- days to the offer and the timely-access outcome. PHI: callers mask
-- member_id.
SELECT
    t.referral_id,
    t.member_id,
    t.source,
    t.request_date,
    t.offered AS offered_on,
    CASE WHEN t.offered IS NOT NULL THEN t.days_to_offer END AS business_days_to_offer,
    t.outcome,
    a.served_on,
    a.days_to_service
FROM referral_timeliness(CAST($month AS DATE), CAST($as_of AS DATE)) t
JOIN referral_access(CAST($as_of AS DATE)) a USING (referral_id)
WHERE t.county_code = $county AND t.level_of_care = $level
ORDER BY t.request_date, t.referral_id;
