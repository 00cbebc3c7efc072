-- The care coordinators' worklist: residential discharges of the last 7 days
-- (D - 7 < discharge <= D) with no follow-up service yet, oldest first.
-- $county: county of responsibility of the discharge. PHI: callers mask
-- member_id. The cached facts hold pseudonyms: the claims give the CIN back
-- (a discharge in the window is the date of a residential claim line in it).
WITH cins AS (
    SELECT DISTINCT member_id AS cin, pseudonym(member_id) AS alias
    FROM claims
    WHERE care_kind(level_of_care) = 'residential'
      AND service_date > CAST($as_of AS DATE) - 7 AND service_date <= CAST($as_of AS DATE)
)
SELECT
    coalesce(c.cin, t.member_id) AS member_id,
    t.county_code,
    first_date AS admitted,
    last_date AS discharged,
    days AS stay_days,
    CAST($as_of AS DATE) - last_date AS days_since_discharge,
    last_date + 7 AS follow_up_due
FROM care_transitions(
    CAST($as_of AS DATE), county := $county, first_day := CAST($as_of AS DATE) - 6,
    last_day := CAST($as_of AS DATE)) t
LEFT JOIN cins c ON c.alias = t.member_id
WHERE care = 'residential'
  AND first_follow_up IS NULL
  AND last_date > CAST($as_of AS DATE) - 7
  AND last_date <= CAST($as_of AS DATE)
  AND ($county IS NULL OR t.county_code = $county)
ORDER BY last_date, t.county_code, 1;
