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

-- Members eligible in month m, in their eligibility county, with the distance
-- from their ZIP centroid to the nearest active site for each level with a
-- standard. nearest_miles is NULL when the ZIP is not located or no site exists.
CREATE OR REPLACE MACRO member_access(m) AS TABLE
    WITH
    members AS (
        SELECT DISTINCT e.member_id, e.county_code, e.zip
        FROM eligibility e WHERE e.month = CAST(m AS DATE)
    ),
    zip_points AS (
        SELECT zip, any_value(latitude) AS latitude, any_value(longitude) AS longitude
        FROM zips WHERE zip IS NOT NULL GROUP BY zip
    ),
    nearest AS (
        SELECT z.zip, s.level_of_care,
               min(haversine_miles(z.latitude, z.longitude, s.latitude, s.longitude)) AS miles,
               arg_min(s.provider_id,
                       haversine_miles(z.latitude, z.longitude, s.latitude, s.longitude))
                   AS nearest_site
        FROM zip_points z
        CROSS JOIN active_sites(CAST(last_day(CAST(m AS DATE)) AS DATE)) s
        WHERE s.level_of_care IN (SELECT level_of_care FROM ref_levels WHERE timely_days IS NOT NULL)
        GROUP BY ALL
    )
    SELECT
        mb.member_id, mb.county_code, mb.zip, lv.level_of_care,
        c.max_miles,
        zp.zip IS NOT NULL AS located,
        n.miles AS nearest_miles,
        n.nearest_site,
        coalesce(n.miles <= c.max_miles, false) AS within_standard
    FROM members mb
    JOIN ref_counties c ON c.county_code = mb.county_code
    CROSS JOIN (SELECT level_of_care FROM ref_levels WHERE timely_days IS NOT NULL) lv
    LEFT JOIN zip_points zp ON zp.zip = mb.zip
    LEFT JOIN nearest n ON n.zip = mb.zip AND n.level_of_care = lv.level_of_care;

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
      AND date_trunc('month', r.request_date) = CAST(m AS DATE);
