-- Services: PAID lines that no REVERSED line known on as_of points at.
-- unattributed services (county_code NULL) are kept for the exceptions check.
CREATE OR REPLACE MACRO services(as_of) AS TABLE
    SELECT * FROM attributed_lines(as_of)
    WHERE status = 'PAID' AND NOT reversed;

-- Lines whose paid_amount is claims cost: attributed PAID and REVERSED lines.
CREATE OR REPLACE MACRO cost_lines(as_of) AS TABLE
    SELECT * FROM attributed_lines(as_of)
    WHERE status IN ('PAID', 'REVERSED') AND county_code IS NOT NULL;
