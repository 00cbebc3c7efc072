-- The members whose claims cost the county most in fiscal year $fiscal_year
-- (or month $month; at level $level when given), as known on $as_of, highest
-- first: the 25 a reviewer reads, not every member. PHI: callers mask
-- member_id (a pane column of kind "member").
-- The cached facts hold pseudonyms: the member's eligibility rows in the county
-- give the CIN back (a line attributed here has its eligibility row here).
WITH cins AS (
    SELECT DISTINCT member_id AS cin, pseudonym(member_id) AS alias
    FROM eligibility
    WHERE county_code = $county
)
SELECT
    coalesce(any_value(c.cin), l.member_id) AS member_id,
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
) l
LEFT JOIN cins c ON c.alias = l.member_id
GROUP BY l.member_id
ORDER BY claims_cost DESC, 1
LIMIT 25;
