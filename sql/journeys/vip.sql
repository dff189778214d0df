-- journey: vip
-- description: VIP detection (a welcome once, when someone first reaches the VIP tier) and a birthday message for VIPs, due a week before the birthday (29 February birthdays on 28 February).
CREATE OR REPLACE VIEW journeys.vip AS
WITH birthdays AS (
    SELECT v.unified_id,
           make_date(
               CAST(date_part('year', d.as_of) AS INT) + k.years_ahead,
               CAST(date_part('month', c.birth_date) AS INT),
               CASE WHEN date_part('month', c.birth_date) = 2 AND date_part('day', c.birth_date) = 29
                    THEN 28 ELSE CAST(date_part('day', c.birth_date) AS INT) END) AS birthday
    FROM segments.vip v
    JOIN unified.customers c ON c.unified_id = v.unified_id
    CROSS JOIN segments.reference_date d
    -- This year's and next year's, so a January birthday is seen in late December.
    CROSS JOIN (VALUES (0), (1)) AS k(years_ahead)
    WHERE c.birth_date IS NOT NULL
)
SELECT s.journey, s.step, v.unified_id, 'vip' AS occasion, d.as_of AS due_on,
       CAST(NULL AS VARCHAR) AS detail
FROM segments.vip v
CROSS JOIN journeys.steps s
CROSS JOIN segments.reference_date d
WHERE s.journey = 'vip' AND s.step = 'vip_welcome'
UNION ALL
SELECT s.journey, s.step, b.unified_id,
       CAST(CAST(date_part('year', b.birthday) AS INT) AS VARCHAR) AS occasion,
       CAST(CAST(b.birthday AS INT) + s.offset_days AS DATE) AS due_on,
       CAST(b.birthday AS VARCHAR) AS detail
FROM birthdays b
CROSS JOIN journeys.steps s
CROSS JOIN segments.reference_date d
WHERE s.journey = 'vip' AND s.step = 'birthday'
  AND d.as_of - b.birthday BETWEEN s.offset_days AND s.offset_days + s.catch_up_days;
