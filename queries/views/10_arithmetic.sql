-- Exact arithmetic helpers. DuckDB divides DECIMALs into DOUBLE, so rounding
-- of money and percentages is done on integer cents instead.
CREATE OR REPLACE MACRO to_cents(amount) AS CAST(amount * 100 AS HUGEINT);
CREATE OR REPLACE MACRO from_cents(cents) AS CAST(cents AS DECIMAL(38, 0)) * CAST(0.01 AS DECIMAL(3, 2));
-- num / den rounded half away from zero (Python's ROUND_HALF_UP); NULL when den = 0.
CREATE OR REPLACE MACRO div_half_up(num, den) AS
    CASE WHEN den = 0 THEN NULL
         ELSE sign(num) * sign(den) * ((2 * abs(num) + abs(den)) // (2 * abs(den))) END;
-- part / whole x 100, rounded half-up to 2 places; NULL when whole = 0.
CREATE OR REPLACE MACRO pct(part, whole) AS
    CAST(div_half_up(CAST(part AS HUGEINT) * 10000, CAST(whole AS HUGEINT)) AS DOUBLE) / 100;
-- Weekdays from a fixed Monday up to and including d; differences count business days.
CREATE OR REPLACE MACRO weekday_ordinal(d) AS
    ((CAST(d AS DATE) - DATE '1970-01-05') // 7) * 5
    + least((CAST(d AS DATE) - DATE '1970-01-05') % 7 + 1, 5);
-- Business days after `start` up to and including `finish` (Mon-Fri, no holidays).
CREATE OR REPLACE MACRO business_days(start, finish) AS
    greatest(weekday_ordinal(finish) - weekday_ordinal(start), 0);
CREATE OR REPLACE MACRO haversine_miles(lat1, lon1, lat2, lon2) AS
    2 * 3958.8 * asin(sqrt(
        pow(sin(radians(lat2 - lat1) / 2), 2)
        + cos(radians(lat1)) * cos(radians(lat2)) * pow(sin(radians(lon2 - lon1) / 2), 2)));
