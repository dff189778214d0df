-- segment: cross_sell
-- description: Active buyers (an order in the last 24 months) who have only ever bought in one product category, with the category most often bought next by people who started there.
CREATE OR REPLACE VIEW segments.cross_sell AS
WITH bought AS (
    SELECT DISTINCT o.unified_id, p.category
    FROM segments.customer_orders o
    JOIN raw.order_lines li ON li.source_system = o.source_system AND li.order_id = o.order_id
    JOIN raw.products p ON p.sku = li.sku
),
single AS (
    SELECT unified_id, min(category) AS category
    FROM bought GROUP BY unified_id HAVING count(*) = 1
),
-- Among customers who bought in category A and in others, how often each other category B.
next_category AS (
    SELECT a.category AS from_category, b.category AS to_category, count(*) AS customers
    FROM bought a JOIN bought b ON a.unified_id = b.unified_id AND a.category <> b.category
    GROUP BY a.category, b.category
),
best_next AS (
    SELECT from_category,
           first_value(to_category ORDER BY customers DESC, to_category) AS suggested_category
    FROM next_category GROUP BY from_category
)
SELECT s.unified_id, s.category AS bought_category, n.suggested_category
FROM single s
JOIN segments.customer_value v ON v.unified_id = s.unified_id
LEFT JOIN best_next n ON n.from_category = s.category
WHERE v.revenue_eur_24m > 0;
