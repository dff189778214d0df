-- segment: standard
-- description: Standard tier: every other customer who has bought at least once.
CREATE OR REPLACE VIEW segments.standard AS
SELECT unified_id, revenue_eur_24m, orders, last_order_on
FROM segments.customer_value
WHERE tier = 'Standard';
