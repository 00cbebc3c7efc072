-- The members whose claims cost the county most in fiscal year $fiscal_year
-- (or month $month; at level $level when given), as known on $as_of, highest
-- first: the 25 a reviewer reads, not every member. PHI: callers mask
-- member_id (a pane column of kind "member").
SELECT
    member_id,
    sum(paid_amount) AS claims_cost,
    count(*) AS lines,
    count(DISTINCT service_month) AS months,
    string_agg(DISTINCT level_of_care, ', ' ORDER BY level_of_care) AS levels,
    pct(to_cents(sum(paid_amount)), to_cents(any_value(total))) AS cost_share_pct
FROM (
    SELECT *, sum(paid_amount) OVER () AS total
    FROM cost_lines(CAST($as_of AS DATE))
    WHERE county_code = $county
      AND fiscal_year = $fiscal_year
      AND ($month IS NULL OR service_month = CAST($month AS DATE))
      AND ($level IS NULL OR coalesce(level_of_care, '(none)') = $level)
)
GROUP BY member_id
ORDER BY claims_cost DESC, member_id
LIMIT 25;
