-- Every claim line known on as_of with the county of responsibility of its
-- service month. county_code is NULL for unattributed lines; reversed_on is
-- the date a REVERSED line known on as_of first pointed at this line.
-- `facts` names claim_facts or a subset of it (exception_lines).
CREATE OR REPLACE MACRO attributed_lines(as_of, facts := 'claim_facts') AS TABLE
    SELECT
        * REPLACE (CASE WHEN reversed_on <= as_of THEN reversed_on END AS reversed_on),
        coalesce(reversed_on <= as_of, false) AS reversed
    FROM query_table(facts)
    WHERE paid_date <= as_of;
