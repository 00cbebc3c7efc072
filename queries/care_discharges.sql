-- The residential discharges of one county and month with no follow-up
-- within 7 days, as known on $as_of: whether the 7- and 30-day windows have
-- closed, and the first follow-up within 30 days if any. PHI: callers mask
-- member_id. The cached facts hold pseudonyms: the claims give the CIN back
-- (a discharge in the month is the date of a residential claim line in it).
WITH cins AS (
    SELECT DISTINCT member_id AS cin, pseudonym(member_id) AS alias
    FROM claims
    WHERE care_kind(level_of_care) = 'residential'
      AND date_trunc('month', service_date) = CAST($month AS DATE)
)
SELECT
    coalesce(c.cin, t.member_id) AS member_id,
    first_date AS admitted,
    last_date AS discharged,
    days AS stay_days,
    followup_7_eligible AS window_7_closed,
    first_follow_up,
    first_follow_up - last_date AS days_to_follow_up,
    followup_30_eligible AS window_30_closed
FROM care_transitions(
    CAST($as_of AS DATE), county := $county, first_day := CAST($month AS DATE),
    last_day := CAST(last_day(CAST($month AS DATE)) AS DATE)) t
LEFT JOIN cins c ON c.alias = t.member_id
WHERE care = 'residential' AND NOT followup_7
  AND county_code = $county AND month = CAST($month AS DATE)
ORDER BY last_date, 1;
