-- Rollups of claim_facts that the as-of figures filter instead of the lines.
-- Like claim_facts, each is a view computed on the fly until the engine
-- replaces it with its cached parquet copy; the cache builds the first four
-- from a few service months of claim_facts at a time.

-- How many members were users of a county-month on each as-of date, and since
-- when each was known. A member is a user on D when one of their PAID lines
-- is known (paid_date <= D) and not yet reversed (D < reversed_on): an
-- interval per line. Per member-month, first_known on D is the earliest
-- paid_date of the lines whose interval holds D; it is constant on the
-- segments [valid_from, valid_until) cut by the intervals' ends, so
--     users on D = sum(users) of the segments holding D,
-- exactly the contract's "service as of D", and the lag of first_known feeds
-- the claims-lag triangle. Segments are counted, not listed: without
-- reversals a member-month is one segment [first paid, forever).
CREATE OR REPLACE MACRO user_counts_build() AS TABLE
    WITH
    spans AS (
        SELECT DISTINCT county_code, service_month, fiscal_year, member_id, plan_member,
               paid_date AS known_from,
               coalesce(reversed_on, DATE 'infinity') AS known_until
        FROM claim_facts
        WHERE status = 'PAID' AND county_code IS NOT NULL AND paid_date IS NOT NULL
    ),
    -- Once a never-reversed line is known, no later line can be the earliest
    -- known: only it and the reversed lines paid before it matter.
    opened AS (
        SELECT county_code, service_month, member_id, min(known_from) AS opened_on
        FROM spans WHERE known_until = DATE 'infinity'
        GROUP BY ALL
    ),
    relevant AS (
        SELECT s.*
        FROM spans s
        LEFT JOIN opened o USING (county_code, service_month, member_id)
        WHERE o.opened_on IS NULL
           OR s.known_from < o.opened_on
           OR (s.known_from = o.opened_on AND s.known_until = DATE 'infinity')
    ),
    edges AS (
        SELECT county_code, service_month, member_id, known_from AS edge FROM relevant
        UNION
        SELECT county_code, service_month, member_id, known_until FROM relevant
        WHERE known_until < DATE 'infinity'
    ),
    pieces AS (
        SELECT *,
               lead(edge) OVER (
                   PARTITION BY county_code, service_month, member_id ORDER BY edge
               ) AS next_edge
        FROM edges
    ),
    segments AS (
        SELECT p.county_code, p.service_month, p.member_id,
               p.edge AS valid_from, p.next_edge AS valid_until,
               any_value(r.fiscal_year) AS fiscal_year,
               bool_or(r.plan_member) AS plan_member,
               min(r.known_from) AS first_known
        FROM pieces p
        JOIN relevant r
          ON r.county_code = p.county_code AND r.service_month = p.service_month
         AND r.member_id = p.member_id
         AND r.known_from <= p.edge AND r.known_until > p.edge
        GROUP BY ALL
    )
    SELECT county_code, service_month AS month, fiscal_year, plan_member, first_known,
           valid_from, valid_until, count(*) AS users
    FROM segments
    GROUP BY ALL;

CREATE OR REPLACE VIEW user_counts AS SELECT * FROM user_counts_build();

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

-- The claim facts that a line-level exception check may flag on some as-of
-- date (see exception_findings), a small share of the lines; REVERSED lines
-- carry when the line they point at was first paid, and first paid with the
-- negated amount.
CREATE OR REPLACE MACRO exception_lines_build() AS TABLE
    WITH
    target_known AS (
        SELECT claim_id, line_no, min(paid_on) AS paid_on FROM reversal_targets GROUP BY ALL
    )
    SELECT f.*, t.paid_on AS target_paid_on, n.paid_on AS negated_target_paid_on
    FROM claim_facts f
    -- Equality only (a status test here would turn these into nested loops);
    -- the reversal checks read these columns on REVERSED lines alone.
    LEFT JOIN target_known t ON t.claim_id = f.original_claim_id AND t.line_no = f.line_no
    LEFT JOIN reversal_targets n
        ON n.claim_id = f.original_claim_id AND n.line_no = f.line_no
       AND n.paid_amount = -f.paid_amount
    WHERE (f.status = 'PAID' AND (f.county_code IS NULL OR f.paid_amount < 0))
       OR f.status = 'REVERSED'
       OR f.provider_id IS NULL
       OR f.provider_id NOT IN (SELECT provider_id FROM providers WHERE provider_id IS NOT NULL)
       OR f.level_of_care IS NULL
       OR f.level_of_care NOT IN (SELECT level_of_care FROM ref_levels);

CREATE OR REPLACE VIEW exception_lines AS SELECT * FROM exception_lines_build();
