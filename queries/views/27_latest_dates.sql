-- The latest dates the claims and eligibility extracts carry: the default
-- as-of date and adequacy month. Cached with the claim facts, so that opening
-- the dashboard does not scan every claim for them.
CREATE OR REPLACE MACRO latest_dates_build() AS TABLE
    SELECT
        (SELECT max(paid_date) FROM claims) AS latest_paid_date,
        (SELECT max(month) FROM eligibility) AS latest_eligibility_month;

CREATE OR REPLACE VIEW latest_dates AS SELECT * FROM latest_dates_build();
