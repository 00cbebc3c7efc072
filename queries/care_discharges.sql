-- The residential discharges of one county and month with no follow-up
-- within 7 days, as known on $as_of: whether the 7- and 30-day windows have
-- closed, and the first follow-up within 30 days if any. PHI: callers mask
-- member_id.
SELECT
    member_id,
    first_date AS admitted,
    last_date AS discharged,
    days AS stay_days,
    followup_7_eligible AS window_7_closed,
    first_follow_up,
    first_follow_up - last_date AS days_to_follow_up,
    followup_30_eligible AS window_30_closed
FROM care_transitions(
    CAST($as_of AS DATE), county := $county, first_day := CAST($month AS DATE),
    last_day := CAST(last_day(CAST($month AS DATE)) AS DATE))
WHERE care = 'residential' AND NOT followup_7
  AND county_code = $county AND month = CAST($month AS DATE)
ORDER BY last_date, member_id;
