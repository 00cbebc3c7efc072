-- The rows behind the data-quality checks (the close checklist's drilldown);
-- $check narrows to one check. PHI: member_id is masked by the caller.
SELECT "check", county_code, month, reference, member_id, amount, note
FROM exception_findings(CAST($as_of AS DATE), CAST($month AS DATE))
WHERE $check IS NULL OR "check" = $check
ORDER BY "check", county_code NULLS FIRST, month NULLS FIRST, reference;
