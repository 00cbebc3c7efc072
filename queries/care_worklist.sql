-- The care coordinators' worklist: residential discharges of the last 7 days
-- (D - 7 < discharge <= D) with no follow-up service yet, oldest first.
-- $county: county of responsibility of the discharge. PHI: callers mask
-- member_id.
SELECT
    member_id,
    county_code,
    first_date AS admitted,
    last_date AS discharged,
    days AS stay_days,
    CAST($as_of AS DATE) - last_date AS days_since_discharge,
    last_date + 7 AS follow_up_due
FROM care_transitions(
    CAST($as_of AS DATE), county := $county, first_day := CAST($as_of AS DATE) - 6,
    last_day := CAST($as_of AS DATE))
WHERE care = 'residential'
  AND first_follow_up IS NULL
  AND last_date > CAST($as_of AS DATE) - 7
  AND last_date <= CAST($as_of AS DATE)
  AND ($county IS NULL OR county_code = $county)
ORDER BY last_date, county_code, member_id;
