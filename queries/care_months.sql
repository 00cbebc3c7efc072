-- One county's care transitions and access month by month in fiscal year
-- $fiscal_year as known on $as_of (pane 8's trend and drilldown): the care
-- and access reports' rows side by side, a row per month with either.
WITH
care AS (
    SELECT * FROM county_month_care(
        CAST($as_of AS DATE), county := $county,
        first_day := fiscal_year_start($fiscal_year),
        last_day := fiscal_year_end($fiscal_year))
),
access AS (
    SELECT * FROM county_month_access(CAST($as_of AS DATE))
    WHERE fiscal_year = $fiscal_year AND ($county IS NULL OR county_code = $county)
)
SELECT
    coalesce(c.county_code, a.county_code) AS county_code,
    coalesce(c.month, a.month) AS month,
    coalesce(c.residential_discharges, 0) AS residential_discharges,
    coalesce(c.followup_7_eligible, 0) AS followup_7_eligible,
    coalesce(c.followup_7, 0) AS followup_7,
    c.pct_followup_7,
    coalesce(c.followup_30_eligible, 0) AS followup_30_eligible,
    coalesce(c.followup_30, 0) AS followup_30,
    c.pct_followup_30,
    coalesce(c.wm_episodes, 0) AS wm_episodes,
    coalesce(c.wm_readmit_eligible, 0) AS wm_readmit_eligible,
    coalesce(c.wm_readmitted_30, 0) AS wm_readmitted_30,
    c.pct_wm_readmitted_30,
    coalesce(a.referrals, 0) AS referrals,
    coalesce(a.served, 0) AS served,
    coalesce(a.served_within_14, 0) AS served_within_14,
    pct(coalesce(a.served_within_14, 0), coalesce(a.referrals, 0)) AS pct_served_within_14,
    a.median_days_to_service,
    a.median_business_days_to_offer
FROM care c
FULL JOIN access a ON a.county_code = c.county_code AND a.month = c.month
ORDER BY county_code, month;
