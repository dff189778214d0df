-- journey: reactivation
-- description: Customers with no purchase for 6 months (segments.lapsed), once per lapse: the message's value band (high, medium, low by lifetime spend) is in detail.
CREATE OR REPLACE VIEW journeys.reactivation AS
SELECT s.journey, s.step, l.unified_id,
       CAST(l.last_order_on AS VARCHAR) AS occasion,
       CAST(CAST(l.last_order_on AS INT) + s.offset_days AS DATE) AS due_on,
       l.value_band AS detail
FROM segments.lapsed l
CROSS JOIN journeys.steps s
CROSS JOIN segments.reference_date d
WHERE s.journey = 'reactivation'
  AND d.as_of - l.last_order_on BETWEEN s.offset_days AND s.offset_days + s.catch_up_days;
