-- 00_settings.sql: the settings of the LTV pipeline, one row, created with defaults on the first
-- run and kept afterwards (change them with UPDATE, or `amigo ltv --cutoff DATE`).
--   cutoff                 last day of the observation period (orders up to and including that
--                          day count); NULL: the day of the latest order.
--   horizon_months         horizon of the lifetime value, in months.
--   monthly_discount_rate  discount rate per month of the lifetime value (0.01 = 1 %).
CREATE TABLE IF NOT EXISTS analytics.ltv_settings AS
SELECT CAST(NULL AS DATE) AS cutoff, 12 AS horizon_months, 0.01 AS monthly_discount_rate;
