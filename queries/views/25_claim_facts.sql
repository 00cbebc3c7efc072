-- Every claim line ever received, once (rows identical in every column are
-- one line), with its county of responsibility and the date a REVERSED line
-- first pointed at it. As-of figures only filter this: a line is known on D
-- when paid_date <= D, and reversed on D when reversed_on <= D, because
-- reversed_on is the earliest reversal's paid_date.
-- The engine replaces the claim_facts view by a cached parquet copy of it
-- (one build per extract version) when it can write its cache folder.
CREATE OR REPLACE MACRO claim_facts_build() AS TABLE
    WITH
    lines AS (SELECT DISTINCT * FROM claims),
    reversals AS (
        SELECT original_claim_id AS claim_id, line_no, min(paid_date) AS reversed_on
        FROM lines
        WHERE status = 'REVERSED' AND original_claim_id IS NOT NULL
        GROUP BY ALL
    )
    SELECT
        l.*,
        CAST(date_trunc('month', l.service_date) AS DATE) AS service_month,
        fiscal_year_of(l.service_date) AS fiscal_year,
        e.county_code,
        e.plan_member,
        e.fmap_group,
        r.reversed_on
    FROM lines l
    LEFT JOIN reversals r ON r.claim_id = l.claim_id AND r.line_no = l.line_no
    LEFT JOIN eligibility_month() e
        ON e.member_id = l.member_id
       AND e.month = CAST(date_trunc('month', l.service_date) AS DATE);

CREATE OR REPLACE VIEW claim_facts AS SELECT * FROM claim_facts_build();
