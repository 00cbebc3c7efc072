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
