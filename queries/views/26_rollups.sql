-- Rollups of claim_facts that the as-of figures filter instead of the lines.
-- Like claim_facts, each is a view computed on the fly until the engine
-- replaces it with its cached parquet copy.

-- When each member was a user of a county-month: the union of the intervals
-- [paid_date, reversed_on) of their PAID lines, merged into disjoint islands.
-- A member is a user on D when known_from <= D and D < known_until (or no
-- known_until): exactly the contract's "service as of D".
CREATE OR REPLACE MACRO user_spans_build() AS TABLE
    WITH
    spans AS (
        SELECT DISTINCT county_code, service_month, fiscal_year, member_id, plan_member,
               paid_date AS known_from,
               coalesce(reversed_on, DATE '9999-12-31') AS known_until
        FROM claim_facts
        WHERE status = 'PAID' AND county_code IS NOT NULL
    ),
    -- seq is a total order within a member-month, computed once, so that the
    -- two windows below see tied spans in the same order.
    ordered AS (
        SELECT *,
               row_number() OVER (
                   PARTITION BY county_code, service_month, member_id
                   ORDER BY known_from, known_until) AS seq
        FROM spans
    ),
    reach AS (
        SELECT *,
               max(known_until) OVER (
                   PARTITION BY county_code, service_month, member_id ORDER BY seq
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reached
        FROM ordered
    ),
    islands AS (
        SELECT *,
               sum(CASE WHEN reached IS NULL OR known_from > reached THEN 1 ELSE 0 END) OVER (
                   PARTITION BY county_code, service_month, member_id ORDER BY seq
                   ROWS UNBOUNDED PRECEDING) AS island
        FROM reach
    )
    SELECT
        county_code,
        service_month AS month,
        fiscal_year,
        member_id,
        bool_or(plan_member) AS plan_member,
        min(known_from) AS known_from,
        nullif(max(known_until), DATE '9999-12-31') AS known_until
    FROM islands
    GROUP BY county_code, service_month, fiscal_year, member_id, island;

CREATE OR REPLACE VIEW user_spans AS SELECT * FROM user_spans_build();

-- Claims cost by county, service month and paid date: cost as of D is the sum
-- of the rows paid by D.
CREATE OR REPLACE MACRO cost_by_paid_date_build() AS TABLE
    SELECT
        county_code,
        service_month AS month,
        fiscal_year,
        paid_date,
        sum(paid_amount) AS claims_cost,
        sum(paid_amount * CASE WHEN fmap_group = 'EXPANSION' THEN 0.90 ELSE 0.50 END)
            AS federal_match
    FROM claim_facts
    WHERE status IN ('PAID', 'REVERSED') AND county_code IS NOT NULL
    GROUP BY ALL;

CREATE OR REPLACE VIEW cost_by_paid_date AS SELECT * FROM cost_by_paid_date_build();

-- Raw claim rows whose key (claim_id, line_no) is on more than one row, for
-- the duplicate_claim_line check (rows here are not deduplicated).
CREATE OR REPLACE MACRO repeated_claim_keys_build() AS TABLE
    SELECT c.claim_id, c.line_no, c.member_id, c.paid_date, c.paid_amount
    FROM claims c
    SEMI JOIN (
        SELECT claim_id, line_no FROM claims GROUP BY claim_id, line_no HAVING count(*) > 1
    ) k ON k.claim_id = c.claim_id AND k.line_no = c.line_no;

CREATE OR REPLACE VIEW repeated_claim_keys AS SELECT * FROM repeated_claim_keys_build();
