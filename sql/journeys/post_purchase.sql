-- journey: post_purchase
-- description: After each order that counts (completed or partly returned): a thank-you at J+1 and a review request at J+14; the order is the occasion, its number in detail.
CREATE OR REPLACE VIEW journeys.post_purchase AS
SELECT s.journey, s.step, o.unified_id,
       o.source_system || ':' || o.order_id AS occasion,
       CAST(CAST(o.order_day AS INT) + s.offset_days AS DATE) AS due_on,
       o.order_id AS detail
FROM segments.customer_orders o
CROSS JOIN journeys.steps s
CROSS JOIN segments.reference_date d
WHERE s.journey = 'post_purchase'
  AND d.as_of - o.order_day BETWEEN s.offset_days AND s.offset_days + s.catch_up_days;
