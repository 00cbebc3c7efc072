-- Care transitions, access and penetration (contract v1.1 additions), as
-- known on as_of. Built on services: attributed, known on D, not reversed by
-- D; a member's services taken by their distinct service dates across all
-- counties and providers.

-- One row per member, day and kind of care with a service that day; the
-- county of responsibility of the day (one per member-month in claim_facts).
-- Every macro below takes the same optional narrowing: only members with a
-- residential or WM day in `county` between `first_day` and `last_day` (a
-- stay or episode ending there has its last day there). All of such a
-- member's days are kept, so their stays, follow-ups and readmissions are
-- whole; callers then keep the ends they asked about.
CREATE OR REPLACE MACRO care_service_days(as_of, county := NULL, first_day := NULL,
                                          last_day := NULL) AS TABLE
    SELECT member_id, service_date, care, min(county_code) AS county_code
    FROM care_days
    WHERE known_from <= as_of AND known_until > as_of
      AND ((county IS NULL AND first_day IS NULL AND last_day IS NULL)
           OR member_id IN (
               SELECT member_id FROM care_days
               WHERE care IN ('residential', 'wm')
                 AND (county IS NULL OR county_code = county)
                 AND (first_day IS NULL OR service_date >= first_day)
                 AND (last_day IS NULL OR service_date <= last_day)))
    GROUP BY ALL;

-- Residential stays and WM episodes: maximal runs of a member's days of the
-- kind in which each day is at most 1 after the one before. An episode counts
-- in the county of its last day.
CREATE OR REPLACE MACRO care_episodes(as_of, county := NULL, first_day := NULL,
                                      last_day := NULL) AS TABLE
    WITH
    days AS (
        SELECT * FROM care_service_days(as_of, county := county, first_day := first_day,
                                        last_day := last_day)
        WHERE care IN ('residential', 'wm')
    ),
    marked AS (
        SELECT *,
               coalesce(service_date - lag(service_date) OVER (
                   PARTITION BY member_id, care ORDER BY service_date) > 1, true) AS opens
        FROM days
    ),
    numbered AS (
        SELECT *,
               sum(CAST(opens AS INTEGER)) OVER (
                   PARTITION BY member_id, care ORDER BY service_date
                   ROWS UNBOUNDED PRECEDING) AS episode_no
        FROM marked
    )
    SELECT member_id, care, episode_no,
           min(service_date) AS first_date,
           max(service_date) AS last_date,
           count(*) AS days,
           arg_max(county_code, service_date) AS county_code
    FROM numbered
    GROUP BY member_id, care, episode_no;

-- Every residential discharge and WM episode end, with what followed it:
-- the first follow-up service within 30 days (residential), the first WM
-- episode starting end + 2 .. end + 30 (WM), and whether the 7- and 30-day
-- windows have closed by as_of (eligible).
CREATE OR REPLACE MACRO care_transitions(as_of, county := NULL, first_day := NULL,
                                         last_day := NULL) AS TABLE
    WITH
    episodes AS (
        SELECT * FROM care_episodes(as_of, county := county, first_day := first_day,
                                    last_day := last_day)
    ),
    follow_ups AS (
        SELECT member_id, service_date
        FROM care_service_days(as_of, county := county, first_day := first_day,
                               last_day := last_day)
        WHERE care = 'follow_up'
    ),
    residential AS (
        SELECT e.member_id, e.county_code, e.first_date, e.last_date, e.days,
               min(f.service_date) AS first_follow_up
        FROM episodes e
        LEFT JOIN follow_ups f
          ON f.member_id = e.member_id
         AND f.service_date >= e.last_date + 1 AND f.service_date <= e.last_date + 30
        WHERE e.care = 'residential'
        GROUP BY ALL
    ),
    wm AS (
        SELECT e.member_id, e.county_code, e.first_date, e.last_date, e.days,
               min(n.first_date) AS readmitted_on
        FROM episodes e
        LEFT JOIN episodes n
          ON n.member_id = e.member_id AND n.care = 'wm'
         AND n.first_date >= e.last_date + 2 AND n.first_date <= e.last_date + 30
        WHERE e.care = 'wm'
        GROUP BY ALL
    ),
    ends AS (
        SELECT 'residential' AS care, *, CAST(NULL AS DATE) AS readmitted_on FROM residential
        UNION ALL BY NAME
        SELECT 'wm' AS care, *, CAST(NULL AS DATE) AS first_follow_up FROM wm
    )
    SELECT
        member_id, care, county_code,
        CAST(date_trunc('month', last_date) AS DATE) AS month,
        fiscal_year_of(last_date) AS fiscal_year,
        first_date, last_date, days, first_follow_up, readmitted_on,
        last_date + 7 <= as_of AS followup_7_eligible,
        coalesce(first_follow_up <= last_date + 7, false) AS followup_7,
        last_date + 30 <= as_of AS followup_30_eligible,
        first_follow_up IS NOT NULL AS followup_30,
        last_date + 30 <= as_of AS wm_readmit_eligible,
        readmitted_on IS NOT NULL AS wm_readmitted_30
    FROM ends;

-- The care report's counts per county and month of discharge / episode end.
CREATE OR REPLACE MACRO county_month_care(as_of, county := NULL, first_day := NULL,
                                          last_day := NULL) AS TABLE
    WITH counted AS (
        SELECT
            county_code, month, fiscal_year,
            count(*) FILTER (WHERE care = 'residential') AS residential_discharges,
            count(*) FILTER (WHERE care = 'residential' AND followup_7_eligible)
                AS followup_7_eligible,
            count(*) FILTER (WHERE care = 'residential' AND followup_7_eligible AND followup_7)
                AS followup_7,
            count(*) FILTER (WHERE care = 'residential' AND followup_30_eligible)
                AS followup_30_eligible,
            count(*) FILTER (WHERE care = 'residential' AND followup_30_eligible AND followup_30)
                AS followup_30,
            count(*) FILTER (WHERE care = 'wm') AS wm_episodes,
            count(*) FILTER (WHERE care = 'wm' AND wm_readmit_eligible) AS wm_readmit_eligible,
            count(*) FILTER (WHERE care = 'wm' AND wm_readmit_eligible AND wm_readmitted_30)
                AS wm_readmitted_30
        FROM care_transitions(as_of, county := county, first_day := first_day,
                              last_day := last_day)
        WHERE (county IS NULL OR county_code = county)
          AND (first_day IS NULL OR last_date >= first_day)
          AND (last_day IS NULL OR last_date <= last_day)
        GROUP BY ALL
    )
    SELECT
        county_code, month, fiscal_year,
        residential_discharges,
        followup_7_eligible, followup_7, pct(followup_7, followup_7_eligible) AS pct_followup_7,
        followup_30_eligible, followup_30,
        pct(followup_30, followup_30_eligible) AS pct_followup_30,
        wm_episodes, wm_readmit_eligible, wm_readmitted_30,
        pct(wm_readmitted_30, wm_readmit_eligible) AS pct_wm_readmitted_30
    FROM counted;

-- Median of whole numbers rounded half-up to 1 decimal: the middle value or
-- the mean of the two middle ones is a whole or a half, already exact at 1
-- decimal (rounding is for the record).
CREATE OR REPLACE MACRO median_1dp(x) AS round(median(x), 1);

-- Every referral known on as_of (any level), with what had happened by then.
CREATE OR REPLACE MACRO referral_access(as_of) AS TABLE
    SELECT
        r.*,
        CAST(date_trunc('month', r.request_date) AS DATE) AS month,
        fiscal_year_of(r.request_date) AS fiscal_year,
        CASE WHEN r.first_offered_date <= as_of THEN r.first_offered_date END AS offered_on,
        -- greatest() in business_days skips NULLs: no offer must stay NULL.
        CASE WHEN offered_on IS NOT NULL
             THEN business_days(r.request_date, offered_on) END AS business_days_to_offer,
        CASE WHEN r.first_service_date <= as_of THEN r.first_service_date END AS served_on,
        served_on - r.request_date AS days_to_service
    FROM referrals r
    WHERE r.request_date <= as_of;

-- The access report per referral county and month of request.
CREATE OR REPLACE MACRO county_month_access(as_of) AS TABLE
    SELECT
        county_code, month, fiscal_year,
        count(*) AS referrals,
        count(offered_on) AS offered,
        median_1dp(business_days_to_offer) AS median_business_days_to_offer,
        count(served_on) AS served,
        count(*) FILTER (WHERE days_to_service <= 14) AS served_within_14,
        median_1dp(days_to_service) AS median_days_to_service
    FROM referral_access(as_of)
    GROUP BY ALL;

-- Penetration per county and fiscal year with eligible members: users (as of
-- as_of) over members eligible in the county in some month of the year.
-- Eligibility carries no date of knowledge, so it has no as-of cut.
CREATE OR REPLACE MACRO county_year_penetration(as_of) AS TABLE
    WITH
    eligible AS (SELECT * FROM eligible_by_year),
    served AS (
        SELECT county_code, fiscal_year, count(DISTINCT member_id) AS users
        FROM member_year_spans
        WHERE known_from <= as_of AND known_until > as_of
        GROUP BY ALL
    )
    SELECT e.county_code, e.fiscal_year, e.eligible_members,
           coalesce(s.users, 0) AS users,
           pct(coalesce(s.users, 0), e.eligible_members) AS penetration_pct
    FROM eligible e
    LEFT JOIN served s
      ON s.county_code IS NOT DISTINCT FROM e.county_code AND s.fiscal_year = e.fiscal_year;
