-- segment: vip
-- description: VIP tier: at least 15,000 EUR and 4 orders in the last 24 months, the last order within a year.
CREATE OR REPLACE VIEW segments.vip AS
SELECT unified_id, revenue_eur_24m, orders, last_order_on
FROM segments.customer_value
WHERE tier = 'VIP';
