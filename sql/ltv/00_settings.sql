-- 00_settings.sql: the settings of the LTV pipeline, one row, created with defaults on the first
-- run and kept afterwards (change them with UPDATE, or `amigo ltv --cutoff DATE`).
--   cutoff                 last day of the observation period (orders up to and including that
--                          day count); NULL: the day of the latest order.
--   horizon_months         horizon of the lifetime value, in months.
--   monthly_discount_rate  discount rate per month of the lifetime value (0.01 = 1 %).
CREATE SCHEMA IF NOT EXISTS analytics;

CREATE TABLE IF NOT EXISTS analytics.ltv_settings AS
SELECT CAST(NULL AS DATE) AS cutoff, 12 AS horizon_months, 0.01 AS monthly_discount_rate;

-- Exchange rates to euros. Amounts are summed across currencies, so they are converted first,
-- with the same table as sql/segments (segments.fx_rates, same definition and defaults): the
-- customer value that tiers customers and the lifetime value then agree, and a rate changed
-- there (or your treasury's table loaded in its place) changes both. Whichever pipeline runs
-- first creates it; neither overwrites it.
CREATE SCHEMA IF NOT EXISTS segments;

CREATE TABLE IF NOT EXISTS segments.fx_rates (currency VARCHAR NOT NULL, eur_per_unit DOUBLE NOT NULL);
INSERT INTO segments.fx_rates
SELECT * FROM (VALUES ('EUR', 1.0), ('USD', 0.92), ('GBP', 1.17), ('JPY', 0.0062), ('KRW', 0.00068),
                      ('CHF', 1.05), ('CNY', 0.13), ('HKD', 0.12), ('SGD', 0.69), ('AED', 0.25)) AS v(currency, eur_per_unit)
WHERE NOT EXISTS (SELECT 1 FROM segments.fx_rates);
