-- Claim lines known on as_of. Rows identical in every column are one line
-- (contract fine print); rows that share a key but differ are all kept.
CREATE OR REPLACE MACRO claim_lines(as_of) AS TABLE
    SELECT DISTINCT * FROM claims WHERE paid_date <= as_of;
