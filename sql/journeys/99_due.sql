-- 99_due.sql: every journey's due steps, less those already delivered. A new journey file adds
-- its view to this union.
CREATE OR REPLACE VIEW journeys.due AS
WITH candidates AS (
    SELECT * FROM journeys.onboarding
    UNION ALL SELECT * FROM journeys.reactivation
    UNION ALL SELECT * FROM journeys.cross_sell
    UNION ALL SELECT * FROM journeys.vip
    UNION ALL SELECT * FROM journeys.post_purchase
)
SELECT DISTINCT c.journey, c.step, c.unified_id, c.occasion, c.due_on, c.detail
FROM candidates c
LEFT JOIN journeys.deliveries x
  ON x.journey = c.journey AND x.step = c.step AND x.unified_id = c.unified_id
 AND x.occasion = c.occasion
WHERE x.unified_id IS NULL;
