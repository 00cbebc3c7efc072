-- Sites offering a level and active on `day`, with coordinates.
CREATE OR REPLACE MACRO active_sites(day) AS TABLE
    SELECT DISTINCT p.provider_id, p.provider_name, p.county_code AS site_county,
           p.latitude, p.longitude, s.level_of_care
    FROM providers p
    JOIN provider_services s USING (provider_id)
    WHERE p.contract_start <= day
      AND (p.contract_end IS NULL OR p.contract_end >= day)
      AND p.credential_expires >= day
      AND p.latitude IS NOT NULL AND p.longitude IS NOT NULL;

-- Levels with a distance and timeliness standard.
CREATE OR REPLACE MACRO standard_levels() AS TABLE
    SELECT level_of_care, sort_order FROM ref_levels WHERE timely_days IS NOT NULL;

-- Per located ZIP and level with a standard, the nearest site active at the
-- end of month m and its distance from the ZIP centroid.
CREATE OR REPLACE MACRO nearest_sites(m) AS TABLE
    WITH zip_points AS (
        SELECT zip, any_value(latitude) AS latitude, any_value(longitude) AS longitude
        FROM zips WHERE zip IS NOT NULL GROUP BY zip
    )
    SELECT z.zip, s.level_of_care,
           min(haversine_miles(z.latitude, z.longitude, s.latitude, s.longitude)) AS miles,
           arg_min(s.provider_id,
                   haversine_miles(z.latitude, z.longitude, s.latitude, s.longitude))
               AS nearest_site
    FROM zip_points z
    CROSS JOIN active_sites(CAST(last_day(CAST(m AS DATE)) AS DATE)) s
    WHERE s.level_of_care IN (SELECT level_of_care FROM standard_levels())
    GROUP BY ALL;

-- Members eligible in month m, in their eligibility county, with the distance
-- from their ZIP centroid to the nearest active site for each level with a
-- standard. nearest_miles is NULL when the ZIP is not located or no site exists.
CREATE OR REPLACE MACRO member_access(m) AS TABLE
    WITH members AS (
        SELECT DISTINCT e.member_id, e.county_code, e.zip
        FROM eligibility e WHERE e.month = CAST(m AS DATE)
    )
    SELECT
        mb.member_id, mb.county_code, mb.zip, lv.level_of_care,
        c.max_miles,
        coalesce(mb.zip IN (SELECT zip FROM zips WHERE zip IS NOT NULL), false) AS located,
        n.miles AS nearest_miles,
        n.nearest_site,
        coalesce(n.miles <= c.max_miles, false) AS within_standard
    FROM members mb
    JOIN ref_counties c ON c.county_code = mb.county_code
    CROSS JOIN standard_levels() lv
    LEFT JOIN nearest_sites(m) n ON n.zip = mb.zip AND n.level_of_care = lv.level_of_care;

-- Per county and level with a standard, member_access counted: members
-- eligible in month m, those within the standard, those not located. The
-- same counts without listing members x levels: each (county, ZIP) gets a bit
-- per level within the standard; a member is within a level when any of
-- their rows' bits is set (a member-month has one row unless the extract
-- repeats its key). Members are read as eligible_zips counts them: alike
-- members (same county and ZIPs) once.
CREATE OR REPLACE MACRO county_access(m) AS TABLE
    WITH
    -- Every located ZIP in every county, so that a member without a match is
    -- one whose ZIP is not located.
    reach AS (
        SELECT c.county_code, z.zip,
               coalesce(bit_or(CASE WHEN n.miles <= c.max_miles THEN 1 << lv.sort_order END), 0)
                   AS within_bits
        FROM ref_counties c
        CROSS JOIN (SELECT DISTINCT zip FROM zips WHERE zip IS NOT NULL) z
        LEFT JOIN nearest_sites(m) n ON n.zip = z.zip
        LEFT JOIN standard_levels() lv ON lv.level_of_care = n.level_of_care
        GROUP BY ALL
    ),
    alike_members AS (
        SELECT e.county_code, e.zips, any_value(e.members) AS members,
               bit_or(coalesce(r.within_bits, 0)) AS within_bits,
               bool_or(r.zip IS NULL) AS not_located
        FROM (SELECT county_code, zips, members, unnest(zips) AS zip
              FROM eligible_zips WHERE month = CAST(m AS DATE)) e
        LEFT JOIN reach r ON r.county_code = e.county_code AND r.zip = e.zip
        GROUP BY e.county_code, e.zips
    ),
    by_reach AS (
        SELECT county_code, within_bits, not_located, sum(members) AS members
        FROM alike_members GROUP BY ALL
    )
    SELECT
        b.county_code, lv.level_of_care,
        CAST(sum(b.members) AS BIGINT) AS members,
        CAST(coalesce(sum(b.members) FILTER (WHERE b.within_bits & (1 << lv.sort_order) <> 0), 0)
             AS BIGINT) AS members_within,
        CAST(coalesce(sum(b.members) FILTER (WHERE b.not_located), 0) AS BIGINT)
            AS members_not_located
    FROM by_reach b
    JOIN ref_counties c USING (county_code)
    CROSS JOIN standard_levels() lv
    GROUP BY ALL;

-- Referrals requested in month m and known on as_of, judged against the
-- timely-access standard of their level.
CREATE OR REPLACE MACRO referral_timeliness(m, as_of) AS TABLE
    SELECT
        r.*,
        lv.timely_days,
        CASE WHEN r.first_offered_date <= as_of THEN r.first_offered_date END AS offered,
        business_days(r.request_date, offered) AS days_to_offer,
        CASE
            WHEN offered IS NOT NULL THEN
                CASE WHEN days_to_offer <= lv.timely_days THEN 'timely' ELSE 'untimely' END
            WHEN business_days(r.request_date, as_of) < lv.timely_days THEN 'pending'
            ELSE 'untimely'
        END AS outcome
    FROM referrals r
    JOIN ref_levels lv ON lv.level_of_care = r.level_of_care AND lv.timely_days IS NOT NULL
    WHERE r.request_date <= as_of
      AND r.request_date >= CAST(m AS DATE)
      AND r.request_date < CAST(CAST(m AS DATE) + INTERVAL 1 MONTH AS DATE);
