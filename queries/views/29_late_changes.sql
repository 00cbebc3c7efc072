-- Rollups of claim_facts for what changed in an invoiced month after its
-- invoice (late_changes.sql): it sums these instead of comparing every line
-- known on two dates (gigabytes at state scale). Cached, a few service months
-- at a time, like the rollups of 26_rollups.sql.

-- Attributed PAID and REVERSED lines by county, service month, status and
-- paid date: their amount and how many.
CREATE OR REPLACE MACRO paid_lines_by_date_build() AS TABLE
    SELECT county_code, service_month AS month, status, paid_date,
           sum(paid_amount) AS paid_amount, count(*) AS lines
    FROM claim_facts
    WHERE status IN ('PAID', 'REVERSED') AND county_code IS NOT NULL AND paid_date IS NOT NULL
    GROUP BY ALL;

CREATE OR REPLACE VIEW paid_lines_by_date AS SELECT * FROM paid_lines_by_date_build();

-- The member-months whose service has a break: a PAID line known from its
-- paid date until its reversal. A member-month without one is served from its
-- first paid line on, for good (so it can be added after an invoice, never
-- removed). Per such member-month: opened_on, the first paid date of a line
-- never reversed (NULL: none), and its reversed lines' spells [from, until);
-- member-months alike are counted, not listed.
CREATE OR REPLACE MACRO reversed_user_spells_build() AS TABLE
    WITH
    spans AS (
        SELECT DISTINCT county_code, service_month, member_id,
               paid_date AS known_from,
               coalesce(reversed_on, DATE 'infinity') AS known_until
        FROM claim_facts
        WHERE status = 'PAID' AND county_code IS NOT NULL AND paid_date IS NOT NULL
    ),
    member_months AS (
        SELECT county_code, service_month, member_id,
               min(known_from) FILTER (WHERE known_until = DATE 'infinity') AS opened_on,
               list(struct_pack(known_from, known_until) ORDER BY known_from, known_until)
                   FILTER (WHERE known_until < DATE 'infinity') AS spells
        FROM spans
        GROUP BY ALL
    )
    SELECT county_code, service_month AS month, opened_on, spells, count(*) AS members
    FROM member_months
    WHERE spells IS NOT NULL
    GROUP BY ALL;

CREATE OR REPLACE VIEW reversed_user_spells AS SELECT * FROM reversed_user_spells_build();

-- Whether a member-month of reversed_user_spells is served on day d.
CREATE OR REPLACE MACRO served_on(opened_on, spells, d) AS
    coalesce(opened_on <= d, false)
    OR coalesce(list_bool_or(list_transform(
           spells, lambda s: s.known_from <= d AND d < s.known_until)), false);
