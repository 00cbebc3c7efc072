-- Every claim line ever received, once (rows identical in every column are
-- one line), with its county of responsibility and the date a REVERSED line
-- first pointed at it; REVERSED lines carry when their target was first paid. As-of figures only filter this: a line is known on D
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
    ),
    -- The PAID lines that REVERSED lines point at, for the reversal checks: when
    -- a target was first known, and when one that the reversal negates exactly.
    targets AS (
        SELECT l.claim_id, l.line_no, l.paid_amount, l.paid_date
        FROM lines l
        SEMI JOIN reversals r ON r.claim_id = l.claim_id AND r.line_no = l.line_no
        WHERE l.status = 'PAID'
    ),
    target_known AS (
        SELECT claim_id, line_no, min(paid_date) AS paid_on FROM targets GROUP BY ALL
    ),
    negated_known AS (
        SELECT claim_id, line_no, paid_amount, min(paid_date) AS paid_on FROM targets GROUP BY ALL
    )
    SELECT
        l.*,
        CAST(date_trunc('month', l.service_date) AS DATE) AS service_month,
        fiscal_year_of(l.service_date) AS fiscal_year,
        e.county_code,
        e.plan_member,
        e.fmap_group,
        r.reversed_on,
        t.paid_on AS target_paid_on,
        n.paid_on AS negated_target_paid_on
    FROM lines l
    LEFT JOIN reversals r ON r.claim_id = l.claim_id AND r.line_no = l.line_no
    -- Equality only (a status test here would turn these into nested loops);
    -- the reversal checks read these columns on REVERSED lines alone.
    LEFT JOIN target_known t ON t.claim_id = l.original_claim_id AND t.line_no = l.line_no
    LEFT JOIN negated_known n
        ON n.claim_id = l.original_claim_id AND n.line_no = l.line_no
       AND n.paid_amount = -l.paid_amount
    LEFT JOIN eligibility_month() e
        ON e.member_id = l.member_id
       AND e.month = CAST(date_trunc('month', l.service_date) AS DATE);

CREATE OR REPLACE VIEW claim_facts AS SELECT * FROM claim_facts_build();
