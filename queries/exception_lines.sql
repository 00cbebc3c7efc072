-- The rows behind the data-quality checks (the close checklist's drilldown);
-- $check narrows to one check. PHI: member_id is masked by the caller.
SELECT "check", county_code, month, reference, member_id, amount, note
FROM exception_findings(CAST($as_of AS DATE), CAST($month AS DATE))
WHERE $check IS NULL OR "check" = $check
-- references in natural order: C01/2 before C01/10 (the line number as a number)
ORDER BY "check", county_code NULLS FIRST, month NULLS FIRST,
    regexp_extract(reference, '^(.*?)(\d*)$', 1),
    TRY_CAST(NULLIF(regexp_extract(reference, '(\d+)$', 1), '') AS BIGINT) NULLS FIRST,
    reference;
