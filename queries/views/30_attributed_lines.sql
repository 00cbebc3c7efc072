-- One eligibility row per member and month (duplicate keys are a data problem;
-- the lowest county code is taken so results stay deterministic).
CREATE OR REPLACE MACRO eligibility_month() AS TABLE
    SELECT
        member_id,
        month,
        min(county_code) AS county_code,
        arg_min(plan_member, county_code) AS plan_member,
        arg_min(fmap_group, county_code) AS fmap_group
    FROM eligibility
    GROUP BY member_id, month;

-- When each reversed line was first reversed, as known on as_of.
CREATE OR REPLACE MACRO reversals(as_of) AS TABLE
    SELECT original_claim_id AS claim_id, line_no, min(paid_date) AS reversed_on
    FROM claim_lines(as_of)
    WHERE status = 'REVERSED' AND original_claim_id IS NOT NULL
    GROUP BY ALL;

-- Every claim line known on as_of with the county of responsibility of its
-- service month. county_code is NULL for unattributed lines; reversed_on is
-- the date a REVERSED line first pointed at this line.
CREATE OR REPLACE MACRO attributed_lines(as_of) AS TABLE
    SELECT
        l.*,
        CAST(date_trunc('month', l.service_date) AS DATE) AS service_month,
        fiscal_year_of(l.service_date) AS fiscal_year,
        e.county_code,
        e.plan_member,
        e.fmap_group,
        r.reversed_on,
        r.reversed_on IS NOT NULL AS reversed
    FROM claim_lines(as_of) l
    LEFT JOIN reversals(as_of) r ON r.claim_id = l.claim_id AND r.line_no = l.line_no
    LEFT JOIN eligibility_month() e
        ON e.member_id = l.member_id
       AND e.month = CAST(date_trunc('month', l.service_date) AS DATE);
