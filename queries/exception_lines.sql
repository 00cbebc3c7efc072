-- The rows behind the data-quality checks (the close checklist's drilldown);
-- $check narrows to one check. PHI: member_id is masked by the caller.
-- Lines from the cached facts carry pseudonyms: the raw claims give the CIN
-- back (eligibility's rows, zip_not_located, carry the CIN already).
WITH findings AS (
    SELECT * FROM exception_findings(CAST($as_of AS DATE), CAST($month AS DATE))
    WHERE $check IS NULL OR "check" = $check
),
cins AS (
    SELECT DISTINCT member_id AS cin, pseudonym(member_id) AS alias
    FROM claims
    WHERE claim_id IN (SELECT split_part(reference, '/', 1) FROM findings)
)
SELECT f."check", f.county_code, f.month, f.reference, coalesce(c.cin, f.member_id) AS member_id,
       f.amount, f.note
FROM findings f
LEFT JOIN cins c ON c.alias = f.member_id
-- references in natural order: C01/2 before C01/10 (the line number as a number)
ORDER BY f."check", f.county_code NULLS FIRST, f.month NULLS FIRST,
    regexp_extract(f.reference, '^(.*?)(\d*)$', 1),
    TRY_CAST(NULLIF(regexp_extract(f.reference, '(\d+)$', 1), '') AS BIGINT) NULLS FIRST,
    f.reference;
