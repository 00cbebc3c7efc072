-- Rollups of claim_facts for care transitions and penetration: as-of figures
-- filter these instead of the lines. Each line is a service on D when it is
-- PAID, known (paid_date <= D) and not yet reversed (D < reversed_on): an
-- interval per line, kept as [known_from, known_until). Views on the fly until
-- the engine replaces them with cached parquet copies (built with the other
-- rollups, a chunk of service months at a time; every row depends on the
-- lines of its own service date or fiscal year's months, so the chunks'
-- rows together answer the same).

-- What a level of care is to the care-transition rules (contract v1.1); NULL
-- for levels that are neither stays nor follow-ups (unknown ones included).
CREATE OR REPLACE MACRO care_kind(level) AS
    CASE WHEN level IN ('3.1', '3.3', '3.5') THEN 'residential'
         WHEN level = '3.2-WM' THEN 'wm'
         WHEN level IN ('1.0', '2.1', 'OTP', 'RS', 'CM') THEN 'follow_up' END;

-- Every day with a residential claim line (any status, any as-of date): a
-- follow-up can only count when it comes 1-30 days after one of these.
-- Built over all claims at once (a follow-up may fall in the next chunk).
CREATE OR REPLACE MACRO residential_days_build() AS TABLE
    SELECT DISTINCT member_id, service_date
    FROM claims
    WHERE care_kind(level_of_care) = 'residential'
      AND member_id IS NOT NULL AND service_date IS NOT NULL;

CREATE OR REPLACE VIEW residential_days AS SELECT * FROM residential_days_build();

-- Attributed service days of the care-transition levels: member, day, kind.
-- Follow-up days are kept only within 30 days after a residential day (most
-- outpatient and OTP days follow no stay: leaving them out keeps this small).
CREATE OR REPLACE MACRO care_days_build() AS TABLE
    WITH lines AS (
        SELECT DISTINCT
            member_id, service_date, county_code, care_kind(level_of_care) AS care,
            paid_date AS known_from, coalesce(reversed_on, DATE 'infinity') AS known_until
        FROM claim_facts
        WHERE status = 'PAID' AND county_code IS NOT NULL AND paid_date IS NOT NULL
          AND service_date IS NOT NULL AND care_kind(level_of_care) IS NOT NULL
    )
    SELECT * FROM lines WHERE care <> 'follow_up'
    UNION ALL
    SELECT * FROM lines l
    SEMI JOIN residential_days r
        ON r.member_id = l.member_id
       AND l.service_date > r.service_date AND l.service_date <= r.service_date + 30
    WHERE l.care = 'follow_up';

CREATE OR REPLACE VIEW care_days AS SELECT * FROM care_days_build();

-- When each member was a user of a county in a fiscal year (any level). Once
-- a never-reversed line is known the member stays a user, so only it and the
-- lines paid before it matter.
CREATE OR REPLACE MACRO member_year_spans_build() AS TABLE
    WITH
    spans AS (
        SELECT DISTINCT county_code, fiscal_year, member_id,
               paid_date AS known_from,
               coalesce(reversed_on, DATE 'infinity') AS known_until
        FROM claim_facts
        WHERE status = 'PAID' AND county_code IS NOT NULL AND paid_date IS NOT NULL
    ),
    opened AS (
        SELECT county_code, fiscal_year, member_id, min(known_from) AS opened_on
        FROM spans WHERE known_until = DATE 'infinity'
        GROUP BY ALL
    )
    SELECT s.*
    FROM spans s
    LEFT JOIN opened o USING (county_code, fiscal_year, member_id)
    WHERE o.opened_on IS NULL
       OR s.known_from < o.opened_on
       OR (s.known_from = o.opened_on AND s.known_until = DATE 'infinity');

CREATE OR REPLACE VIEW member_year_spans AS SELECT * FROM member_year_spans_build();

-- Distinct members eligible per county and fiscal year (penetration's
-- denominator): eligibility carries no date of knowledge, so this holds on
-- every as-of date and is built once.
CREATE OR REPLACE MACRO eligible_by_year_build() AS TABLE
    SELECT county_code, fiscal_year_of(month) AS fiscal_year,
           count(DISTINCT member_id) AS eligible_members
    FROM eligibility
    WHERE month IS NOT NULL AND member_id IS NOT NULL
    GROUP BY ALL;

CREATE OR REPLACE VIEW eligible_by_year AS SELECT * FROM eligible_by_year_build();
