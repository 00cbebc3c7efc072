-- Members eligible per month and county, counted by the ZIPs their rows of
-- the month carry (one ZIP but for a repeated key; a missing ZIP is a NULL
-- in the list): what network adequacy's distance figures need of the
-- eligibility extract (county_access), a few thousand rows instead of every
-- member's. Cached with the claim facts.
CREATE OR REPLACE MACRO eligible_zips_build() AS TABLE
    SELECT month, county_code, zips, count(*) AS members
    FROM (
        SELECT month, member_id, county_code, list_sort(list(DISTINCT zip)) AS zips
        FROM eligibility
        GROUP BY ALL
    )
    GROUP BY ALL;

CREATE OR REPLACE VIEW eligible_zips AS SELECT * FROM eligible_zips_build();
