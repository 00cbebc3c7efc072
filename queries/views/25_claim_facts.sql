-- Every claim line ever received, once (rows identical in every column are
-- one line), with its county of responsibility and the date a REVERSED line
-- first pointed at it. As-of figures only filter this: a line is known on D
-- when paid_date <= D, and reversed on D when reversed_on <= D, because
-- reversed_on is the earliest reversal's paid_date.
-- The engine replaces these views by cached parquet copies (one build per
-- extract version) when it can write its cache folder.

-- Reversals point across service months, so they are indexed over all claims
-- (a small table: REVERSED lines and the PAID lines they point at).
CREATE OR REPLACE MACRO claim_reversals_build() AS TABLE
    SELECT original_claim_id AS claim_id, line_no, min(paid_date) AS reversed_on
    FROM claims
    WHERE status = 'REVERSED' AND original_claim_id IS NOT NULL
    GROUP BY ALL;

CREATE OR REPLACE VIEW claim_reversals AS SELECT * FROM claim_reversals_build();

-- The PAID lines that REVERSED lines point at, for the reversal checks (see
-- exception_lines): when each was first paid, per amount.
CREATE OR REPLACE MACRO reversal_targets_build() AS TABLE
    SELECT l.claim_id, l.line_no, l.paid_amount, min(l.paid_date) AS paid_on
    FROM claims l
    SEMI JOIN claim_reversals r ON r.claim_id = l.claim_id AND r.line_no = l.line_no
    WHERE l.status = 'PAID'
    GROUP BY ALL;

CREATE OR REPLACE VIEW reversal_targets AS SELECT * FROM reversal_targets_build();

-- Raw claim rows whose key (claim_id, line_no) is on more than one row, for
-- the duplicate_claim_line check and for deduplicating the claim facts (rows
-- here are not deduplicated).
CREATE OR REPLACE MACRO repeated_claim_keys_build() AS TABLE
    SELECT c.claim_id, c.line_no, c.member_id, c.paid_date, c.paid_amount
    FROM claims c
    SEMI JOIN (
        SELECT claim_id, line_no FROM claims GROUP BY claim_id, line_no HAVING count(*) > 1
    ) k ON k.claim_id = c.claim_id AND k.line_no = c.line_no;

CREATE OR REPLACE VIEW repeated_claim_keys AS SELECT * FROM repeated_claim_keys_build();

-- The claim facts of the lines served in [first_month, next_month), and of
-- the lines with no service date when `undated`. Identical rows share their
-- service date, so the cache builds this a few service months at a time.
CREATE OR REPLACE MACRO claim_facts_build(first_month, next_month, undated) AS TABLE
    WITH
    served AS (
        SELECT * FROM claims
        WHERE (service_date >= first_month AND service_date < next_month)
           OR (undated AND service_date IS NULL)
    ),
    -- Only rows whose key is on several rows can be identical: deduplicating
    -- those alone spares hashing every line on every column.
    lines AS (
        SELECT * FROM served s
        ANTI JOIN repeated_claim_keys k ON k.claim_id = s.claim_id AND k.line_no = s.line_no
        WHERE s.claim_id IS NOT NULL AND s.line_no IS NOT NULL
        UNION ALL
        SELECT DISTINCT * FROM served s
        WHERE s.claim_id IS NULL OR s.line_no IS NULL
           OR EXISTS (SELECT 1 FROM repeated_claim_keys k
                      WHERE k.claim_id = s.claim_id AND k.line_no = s.line_no)
    ),
    -- The eligibility rows of the members served, one per member and month
    -- (duplicate keys are a data problem; the lowest county code is taken so
    -- results stay deterministic).
    eligible AS (
        SELECT * FROM eligibility e
        SEMI JOIN served s ON s.member_id = e.member_id
        WHERE e.month >= first_month AND e.month < next_month
    ),
    eligibility_month AS (
        SELECT
            member_id,
            month,
            min(county_code) AS county_code,
            arg_min(plan_member, county_code) AS plan_member,
            arg_min(fmap_group, county_code) AS fmap_group
        FROM eligible
        GROUP BY member_id, month
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
    LEFT JOIN claim_reversals r ON r.claim_id = l.claim_id AND r.line_no = l.line_no
    LEFT JOIN eligibility_month e
        ON e.member_id = l.member_id
       AND e.month = CAST(date_trunc('month', l.service_date) AS DATE);

CREATE OR REPLACE VIEW claim_facts AS
    SELECT * FROM claim_facts_build(DATE '-infinity', DATE 'infinity', true);
