-- What a county's claims cost was spent on, by level of care, in fiscal year
-- $fiscal_year (or only month $month), as known on $as_of: cost (PAID and
-- REVERSED lines, as in reconciliation), users (members with a service at
-- that level), lines, and the level's share of the cost.
WITH lines AS (
    SELECT * FROM cost_lines(CAST($as_of AS DATE))
    WHERE county_code = $county
      AND fiscal_year = $fiscal_year
      AND ($month IS NULL OR service_month = CAST($month AS DATE))
),
levels AS (
    SELECT
        coalesce(l.level_of_care, '(none)') AS level_of_care,
        coalesce(lv.level_name, 'not a contract level') AS level_name,
        sum(l.paid_amount) AS claims_cost,
        count(DISTINCT l.member_id) FILTER (WHERE l.status = 'PAID' AND NOT l.reversed) AS users,
        count(*) AS lines
    FROM lines l
    LEFT JOIN ref_levels lv USING (level_of_care)
    GROUP BY ALL
)
SELECT
    *,
    pct(to_cents(claims_cost), to_cents(sum(claims_cost) OVER ())) AS cost_share_pct,
    CASE WHEN users > 0 THEN from_cents(div_half_up(to_cents(claims_cost), users)) END
        AS cost_per_user
FROM levels
ORDER BY claims_cost DESC, level_of_care;
