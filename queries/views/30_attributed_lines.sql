-- One eligibility row per member and month (duplicate keys are a data problem;
-- the lowest county code is taken so results stay deterministic).
CREATE OR REPLACE MACRO eligibility_month() AS TABLE
    SELECT DISTINCT ON (member_id, month) *
    FROM eligibility
    ORDER BY member_id, month, county_code;

-- Every claim line known on as_of with the county of responsibility of its
-- service month. county_code is NULL for unattributed lines.
CREATE OR REPLACE MACRO attributed_lines(as_of) AS TABLE
    SELECT
        l.*,
        CAST(date_trunc('month', l.service_date) AS DATE) AS service_month,
        fiscal_year_of(l.service_date) AS fiscal_year,
        e.county_code,
        e.plan_member,
        e.fmap_group,
        EXISTS (
            SELECT 1 FROM claim_lines(as_of) r
            WHERE r.status = 'REVERSED'
              AND r.original_claim_id = l.claim_id
              AND r.line_no = l.line_no
        ) AS reversed
    FROM claim_lines(as_of) l
    LEFT JOIN eligibility_month() e
        ON e.member_id = l.member_id
       AND e.month = CAST(date_trunc('month', l.service_date) AS DATE);
