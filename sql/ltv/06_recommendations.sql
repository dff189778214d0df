-- 06_recommendations.sql: product recommendations from co-purchases ("customers who bought
-- this also bought"), per unified customer:
--   analytics.product_recommendations   up to 5 products the customer has never bought, scored
--     by how many other customers bought each together with one of the customer's products;
--   analytics.category_recommendations  up to 3 categories the customer has never bought from,
--     scored the same way over categories.
-- Products are counted once per customer whatever the quantity; returned and cancelled orders
-- do not count as owning a product. Ties are broken by sku / category for stable output.
CREATE OR REPLACE TABLE analytics.customer_products AS
SELECT DISTINCT l.unified_id, ol.sku, p.category
FROM raw.order_lines ol
JOIN raw.orders o ON o.source_system = ol.source_system AND o.order_id = ol.order_id
JOIN unified.customer_links l
  ON l.source_system = o.source_system AND l.source_id = o.customer_source_id
LEFT JOIN raw.products p ON p.sku = ol.sku
WHERE o.status IN ('completed', 'partially_returned');

CREATE OR REPLACE TABLE analytics.product_recommendations AS
WITH pairs AS (
    -- How many customers bought both a and b.
    SELECT a.sku AS sku, b.sku AS other_sku, count(*) AS customers
    FROM analytics.customer_products a
    JOIN analytics.customer_products b ON a.unified_id = b.unified_id AND a.sku <> b.sku
    GROUP BY a.sku, b.sku
),
candidates AS (
    SELECT c.unified_id, p.other_sku AS sku, sum(p.customers) AS score
    FROM analytics.customer_products c
    JOIN pairs p ON p.sku = c.sku
    -- Co-purchases by this customer alone say nothing: keep pairs other customers made too.
    WHERE p.customers > 1
    GROUP BY c.unified_id, p.other_sku
),
unowned AS (
    SELECT c.* FROM candidates c
    LEFT JOIN analytics.customer_products o ON o.unified_id = c.unified_id AND o.sku = c.sku
    WHERE o.sku IS NULL
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY unified_id ORDER BY score DESC, sku) AS rank
    FROM unowned
)
SELECT r.unified_id, r.rank, r.sku, p.name AS product_name, p.category, r.score
FROM ranked r LEFT JOIN raw.products p ON p.sku = r.sku
WHERE r.rank <= 5;

CREATE OR REPLACE TABLE analytics.category_recommendations AS
WITH owned AS (
    SELECT DISTINCT unified_id, category FROM analytics.customer_products
    WHERE category IS NOT NULL
),
pairs AS (
    SELECT a.category, b.category AS other_category, count(*) AS customers
    FROM owned a JOIN owned b ON a.unified_id = b.unified_id AND a.category <> b.category
    GROUP BY a.category, b.category
),
candidates AS (
    SELECT o.unified_id, p.other_category AS category, sum(p.customers) AS score
    FROM owned o JOIN pairs p ON p.category = o.category
    WHERE p.customers > 1
    GROUP BY o.unified_id, p.other_category
),
unowned AS (
    SELECT c.* FROM candidates c
    LEFT JOIN owned o ON o.unified_id = c.unified_id AND o.category = c.category
    WHERE o.category IS NULL
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY unified_id ORDER BY score DESC, category) AS rank
    FROM unowned
)
SELECT unified_id, rank, category, score FROM ranked WHERE rank <= 3;
