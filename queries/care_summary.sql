-- Care transitions, access and penetration per county for fiscal year
-- $fiscal_year as known on $as_of (pane 8): the care and access reports'
-- counts over the year's months, medians over the year's referrals, and the
-- penetration report's row. Shares are of the year's totals: follow-up and
-- readmission of the eligible discharges / episodes, served within 14 days of
-- all referrals requested.
WITH
care AS (
    SELECT county_code,
           sum(residential_discharges) AS residential_discharges,
           sum(followup_7_eligible) AS followup_7_eligible,
           sum(followup_7) AS followup_7,
           sum(followup_30_eligible) AS followup_30_eligible,
           sum(followup_30) AS followup_30,
           sum(wm_episodes) AS wm_episodes,
           sum(wm_readmit_eligible) AS wm_readmit_eligible,
           sum(wm_readmitted_30) AS wm_readmitted_30
    FROM county_month_care(
        CAST($as_of AS DATE), county := $county,
        first_day := fiscal_year_start($fiscal_year),
        last_day := fiscal_year_end($fiscal_year))
    GROUP BY county_code
),
access AS (
    SELECT county_code,
           count(*) AS referrals,
           count(served_on) AS served,
           count(*) FILTER (WHERE days_to_service <= 14) AS served_within_14,
           median_1dp(days_to_service) AS median_days_to_service
    FROM referral_access(CAST($as_of AS DATE))
    WHERE fiscal_year = $fiscal_year
    GROUP BY county_code
),
reach AS (
    SELECT * FROM county_year_penetration(CAST($as_of AS DATE))
    WHERE fiscal_year = $fiscal_year
)
SELECT
    c.county_code,
    CAST($fiscal_year AS INTEGER) AS fiscal_year,
    coalesce(t.residential_discharges, 0) AS residential_discharges,
    pct(coalesce(t.followup_7, 0), coalesce(t.followup_7_eligible, 0)) AS pct_followup_7,
    pct(coalesce(t.followup_30, 0), coalesce(t.followup_30_eligible, 0)) AS pct_followup_30,
    coalesce(t.wm_episodes, 0) AS wm_episodes,
    pct(coalesce(t.wm_readmitted_30, 0), coalesce(t.wm_readmit_eligible, 0))
        AS pct_wm_readmitted_30,
    coalesce(a.referrals, 0) AS referrals,
    coalesce(a.served, 0) AS served,
    a.median_days_to_service,
    coalesce(a.served_within_14, 0) AS served_within_14,
    pct(coalesce(a.served_within_14, 0), coalesce(a.referrals, 0)) AS pct_served_within_14,
    coalesce(r.eligible_members, 0) AS eligible_members,
    coalesce(r.users, 0) AS users,
    r.penetration_pct,
    coalesce(t.followup_7_eligible, 0) AS followup_7_eligible,
    coalesce(t.followup_7, 0) AS followup_7,
    coalesce(t.followup_30_eligible, 0) AS followup_30_eligible,
    coalesce(t.followup_30, 0) AS followup_30,
    coalesce(t.wm_readmit_eligible, 0) AS wm_readmit_eligible,
    coalesce(t.wm_readmitted_30, 0) AS wm_readmitted_30
FROM ref_counties c
LEFT JOIN care t USING (county_code)
LEFT JOIN access a USING (county_code)
LEFT JOIN reach r USING (county_code)
WHERE ($county IS NULL OR c.county_code = $county)
ORDER BY c.county_code;
