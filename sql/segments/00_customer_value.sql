-- 00_customer_value.sql: what the segments are cut from — each unified customer's purchases,
-- in euros, as of a reference date.
--
-- Runs after `amigo resolve` (orders reach unified customers through unified.customer_links).
-- The reference date is segments.settings.as_of when set (to replay a past day, or in tests),
-- else today. Amounts are converted with segments.fx_rates: fixed rates, edit them or load
-- your treasury's table in their place.

CREATE SCHEMA IF NOT EXISTS segments;

CREATE TABLE IF NOT EXISTS segments.settings (as_of DATE);

CREATE TABLE IF NOT EXISTS segments.fx_rates (currency VARCHAR NOT NULL, eur_per_unit DOUBLE NOT NULL);
INSERT INTO segments.fx_rates
SELECT * FROM (VALUES ('EUR', 1.0), ('USD', 0.92), ('GBP', 1.17), ('JPY', 0.0062), ('KRW', 0.00068),
                      ('CHF', 1.05), ('CNY', 0.13), ('HKD', 0.12), ('SGD', 0.69), ('AED', 0.25)) AS v(currency, eur_per_unit)
WHERE NOT EXISTS (SELECT 1 FROM segments.fx_rates);

-- The catalog `amigo segment list` reads, and the membership history of every segment.
CREATE TABLE IF NOT EXISTS segments.catalog (
    name         VARCHAR NOT NULL,
    description  VARCHAR NOT NULL,
    definition   VARCHAR NOT NULL,   -- the file that defines it
    installed_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS segments.membership (
    segment    VARCHAR NOT NULL,
    unified_id VARCHAR NOT NULL,
    entered_at TIMESTAMP NOT NULL,
    left_at    TIMESTAMP             -- NULL while a member
);

CREATE OR REPLACE VIEW segments.reference_date AS
SELECT coalesce((SELECT max(as_of) FROM segments.settings), current_date()) AS as_of;

-- Orders that count: completed or partly returned, up to the reference date.
CREATE OR REPLACE VIEW segments.customer_orders AS
SELECT
    l.unified_id,
    o.source_system,
    o.order_id,
    o.ordered_at,
    CAST(o.ordered_at AS DATE)                        AS order_day,
    CAST(o.total_amount AS DOUBLE) * f.eur_per_unit   AS amount_eur
FROM raw.orders o
JOIN unified.customer_links l
  ON l.source_system = o.source_system AND l.source_id = o.customer_source_id
JOIN segments.fx_rates f ON f.currency = o.currency
CROSS JOIN segments.reference_date d
WHERE o.status IN ('completed', 'partially_returned')
  AND CAST(o.ordered_at AS DATE) <= d.as_of;

-- One row per unified customer, buyers or not. The tier:
--   VIP      at least 15,000 EUR and 4 orders in the last 24 months, the last within a year;
--   Premium  at least 5,000 EUR in the last 24 months, or 2 orders in the last year;
--   Standard every other customer who has bought; NULL for those who never have.
CREATE OR REPLACE VIEW segments.customer_value AS
WITH per_customer AS (
    SELECT
        o.unified_id,
        count(*)                                                            AS orders,
        sum(o.amount_eur)                                                   AS revenue_eur,
        min(o.order_day)                                                    AS first_order_on,
        max(o.order_day)                                                    AS last_order_on,
        count(*) FILTER (WHERE o.order_day > d.as_of - INTERVAL '365' DAY)  AS orders_12m,
        coalesce(sum(o.amount_eur) FILTER (WHERE o.order_day > d.as_of - INTERVAL '730' DAY), 0)
                                                                            AS revenue_eur_24m,
        count(*) FILTER (WHERE o.order_day > d.as_of - INTERVAL '730' DAY)  AS orders_24m
    FROM segments.customer_orders o
    CROSS JOIN segments.reference_date d
    GROUP BY o.unified_id
)
SELECT
    c.unified_id,
    coalesce(p.orders, 0)                          AS orders,
    coalesce(p.revenue_eur, 0)                     AS revenue_eur,
    p.first_order_on,
    p.last_order_on,
    d.as_of - p.last_order_on                      AS days_since_last_order,
    coalesce(p.orders_12m, 0)                      AS orders_12m,
    coalesce(p.revenue_eur_24m, 0)                 AS revenue_eur_24m,
    CASE
        WHEN p.unified_id IS NULL THEN NULL
        WHEN p.revenue_eur_24m >= 15000 AND p.orders_24m >= 4
             AND p.last_order_on > d.as_of - INTERVAL '365' DAY THEN 'VIP'
        WHEN p.revenue_eur_24m >= 5000 OR p.orders_12m >= 2 THEN 'Premium'
        ELSE 'Standard'
    END                                            AS tier
FROM unified.customers c
CROSS JOIN segments.reference_date d
LEFT JOIN per_customer p ON p.unified_id = c.unified_id;
