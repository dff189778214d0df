-- segment: lapsed
-- description: Bought before, but not in the last 6 months (180 days) nor more than 2 years ago; value band by lifetime spend, for reactivation.
CREATE OR REPLACE VIEW segments.lapsed AS
SELECT
    unified_id,
    revenue_eur,
    last_order_on,
    days_since_last_order,
    CASE
        WHEN revenue_eur >= 15000 THEN 'high'
        WHEN revenue_eur >= 3000 THEN 'medium'
        ELSE 'low'
    END AS value_band
FROM segments.customer_value
WHERE orders > 0 AND days_since_last_order > 180 AND days_since_last_order <= 730;
