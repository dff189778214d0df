-- journey: cross_sell
-- description: Active one-category buyers (segments.cross_sell) get one suggestion of the category most often bought next; the suggested category is in detail.
CREATE OR REPLACE VIEW journeys.cross_sell AS
SELECT s.journey, s.step, x.unified_id,
       x.bought_category || ' > ' || x.suggested_category AS occasion,
       d.as_of AS due_on,
       x.suggested_category AS detail
FROM segments.cross_sell x
CROSS JOIN journeys.steps s
CROSS JOIN segments.reference_date d
WHERE s.journey = 'cross_sell' AND x.suggested_category IS NOT NULL;
