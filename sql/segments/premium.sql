-- segment: premium
-- description: Premium tier: at least 5,000 EUR in the last 24 months or 2 orders in the last year, and not VIP.
CREATE OR REPLACE VIEW segments.premium AS
SELECT unified_id, revenue_eur_24m, orders, last_order_on
FROM segments.customer_value
WHERE tier = 'Premium';
