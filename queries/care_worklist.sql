-- The care coordinators' worklist: residential discharges of the last 7 days
-- (D - 7 < discharge <= D) with no follow-up service yet, oldest first.
-- $county: county of responsibility of the discharge. PHI: callers mask
-- member_id. The cached facts hold pseudonyms: the member's eligibility rows of
-- the discharge months give the CIN back (a discharge is attributed by them).
WITH cins AS (
    SELECT DISTINCT member_id AS cin, pseudonym(member_id) AS alias, county_code, month
    FROM eligibility
    WHERE ($county IS NULL OR county_code = $county)
      AND month BETWEEN date_trunc('month', CAST($as_of AS DATE) - 6) AND CAST($as_of AS DATE)
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
LEFT JOIN cins c
    ON c.alias = t.member_id AND c.county_code = t.county_code
   AND c.month = date_trunc('month', t.last_date)
WHERE care = 'residential'
  AND first_follow_up IS NULL
  AND last_date > CAST($as_of AS DATE) - 7
  AND last_date <= CAST($as_of AS DATE)
  AND ($county IS NULL OR t.county_code = $county)
ORDER BY last_date, t.county_code, 1;
