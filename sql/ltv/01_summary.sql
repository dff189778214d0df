-- 01_summary.sql: one row per unified customer who bought something, summarised the way the
-- BG/NBD and Gamma-Gamma models expect (Fader, Hardie & Lee; lifetimes'
-- summary_data_from_transaction_data with freq='D', freq_multiplier=7):
--   frequency  repeat purchase days: distinct days with a purchase, minus the first one
--              (several orders on one day count once);
--   recency    weeks (exact days / 7) from the first purchase day to the last one;
--   t          weeks from the first purchase day to the cutoff day;
--   monetary   mean spend of the repeat purchase days (the first day excluded, as the
--              Gamma-Gamma model requires); 0 without repeat purchases.
-- Orders are raw.orders linked to their buyer's unified id through unified.customer_links
-- (run `amigo resolve` first); anonymous sales, cancelled and fully returned orders are left
-- out (as in sql/segments), and so are orders after the cutoff. Days are UTC calendar days.
-- Spend is total_amount (what the customer paid, shipping included) in euros, converted with
-- segments.fx_rates (00_settings.sql); an order in a currency without a rate is left out, as
-- sql/segments does, and `amigo ltv` warns about it.
CREATE OR REPLACE TABLE analytics.ltv_purchase_days AS
WITH cutoff AS (
    SELECT coalesce(
        (SELECT max(cutoff) FROM analytics.ltv_settings),
        (SELECT CAST(max(ordered_at) AS DATE) FROM raw.orders)
    ) AS cutoff_day
)
SELECT
    l.unified_id,
    CAST(o.ordered_at AS DATE)                            AS purchase_day,
    sum(CAST(o.total_amount AS DOUBLE) * f.eur_per_unit)  AS spend,
    count(*)                                              AS orders
FROM raw.orders o
JOIN unified.customer_links l
  ON l.source_system = o.source_system AND l.source_id = o.customer_source_id
JOIN segments.fx_rates f ON f.currency = o.currency
CROSS JOIN cutoff c
WHERE o.status IN ('completed', 'partially_returned')
  AND CAST(o.ordered_at AS DATE) <= c.cutoff_day
GROUP BY l.unified_id, CAST(o.ordered_at AS DATE);

CREATE OR REPLACE TABLE analytics.ltv_summary AS
WITH cutoff AS (
    SELECT coalesce(
        (SELECT max(cutoff) FROM analytics.ltv_settings),
        (SELECT CAST(max(ordered_at) AS DATE) FROM raw.orders)
    ) AS cutoff_day
),
firsts AS (
    SELECT unified_id, min(purchase_day) AS first_day, max(purchase_day) AS last_day,
           count(*) AS purchase_days, sum(spend) AS total_spend
    FROM analytics.ltv_purchase_days
    GROUP BY unified_id
),
repeats AS (
    -- The repeat purchase days: every day but the first.
    SELECT d.unified_id, avg(d.spend) AS monetary
    FROM analytics.ltv_purchase_days d
    JOIN firsts f ON f.unified_id = d.unified_id AND d.purchase_day > f.first_day
    GROUP BY d.unified_id
)
SELECT
    f.unified_id,
    f.purchase_days - 1                                                  AS frequency,
    -- Date minus date is a whole number of days in DataFusion.
    CAST(f.last_day - f.first_day AS DOUBLE) / 7.0                       AS recency,
    CAST(c.cutoff_day - f.first_day AS DOUBLE) / 7.0                     AS t,
    coalesce(r.monetary, 0.0)                                            AS monetary,
    f.first_day,
    f.last_day,
    f.total_spend,
    c.cutoff_day
FROM firsts f
CROSS JOIN cutoff c
LEFT JOIN repeats r ON r.unified_id = f.unified_id;
