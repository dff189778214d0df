-- customer_360.sql: one customer's 360° view, for the store staff app (the `associate` role).
--
-- `amigo serve` runs this statement for `SELECT ... FROM analytics.customer_360 WHERE
-- lookup_key = '<email, phone or unified id>'`, with the key as $1. It returns one row per
-- customer the key finds (none when it finds nobody; several when an email or phone is shared,
-- and `match_count` tells how many). It reads the tables `amigo resolve` writes, so run that
-- first.
--
-- The key is compared the way identity resolution compares it, using the keys it stored in
-- identity.records:
--   email       email_canonical(): case, spaces, dots and +tags at gmail do not matter;
--   phone       normalize_phone() to E.164; a local number ('06 12 34 56 78') is read as French,
--               the brand's home market (change 'FR' below for another);
--   unified id  as printed; an id merged into another leads to the one that survived.
-- Any source record's email or phone finds the person, not only the golden record's.
--
-- The same statement builds the lookup's index (`amigo resolve`, last step): with $1 NULL it
-- returns the view of every customer whose unified id is in [$2, $3) ($3 NULL: no upper
-- bound), and the server then reads one customer's row from that stored table instead of
-- running this statement. lookup_key, matched_by and match_count mean nothing in that mode.
-- See src/serve/customer_360/ for when the server falls back to running it.

WITH matched AS (
    SELECT coalesce(i.merged_into, i.unified_id) AS unified_id, 'unified_id' AS matched_by
    FROM unified.customer_ids i
    WHERE i.unified_id = trim($1)
    UNION ALL
    SELECT l.unified_id, 'email' AS matched_by
    FROM identity.records r
    JOIN unified.customer_links l ON l.record_id = r.record_id
    WHERE r.email_key = email_canonical($1)
    UNION ALL
    SELECT l.unified_id, 'phone' AS matched_by
    FROM identity.records r
    JOIN unified.customer_links l ON l.record_id = r.record_id
    WHERE r.phone_key = normalize_phone($1, 'FR')
    UNION ALL
    SELECT c.unified_id, 'unified_id' AS matched_by
    FROM unified.customers c
    WHERE $1 IS NULL AND c.unified_id >= $2 AND (c.unified_id < $3 OR $3 IS NULL)
),
ids AS (
    SELECT unified_id, min(matched_by) AS matched_by FROM matched GROUP BY unified_id
),
-- The customer's source records (one per source system record linked to the unified id).
links AS (
    SELECT l.unified_id, l.record_id, l.source_system, l.source_id, l.rule, l.match_probability
    FROM unified.customer_links l
    WHERE l.unified_id IN (SELECT unified_id FROM ids)
),
source_records AS (
    SELECT l.unified_id,
           array_agg(named_struct(
               'record_id', l.record_id, 'source_system', c.source_system, 'source_id', c.source_id,
               'civility', c.civility, 'first_name', c.first_name, 'last_name', c.last_name,
               'email', c.email, 'phone', c.phone, 'birth_date', c.birth_date,
               'address_line1', c.address_line1, 'postal_code', c.postal_code, 'city', c.city,
               'country', c.country, 'preferred_store_id', c.preferred_store_id,
               'created_at', c.created_at, 'updated_at', c.updated_at,
               'link_rule', l.rule, 'match_probability', l.match_probability)
               ORDER BY l.record_id) AS source_records
    FROM links l
    JOIN raw.customer_records c ON c.source_system = l.source_system AND c.source_id = l.source_id
    GROUP BY l.unified_id
),
orders AS (
    SELECT l.unified_id, o.*
    FROM links l
    JOIN raw.orders o ON o.source_system = l.source_system AND o.customer_source_id = l.source_id
),
order_lines AS (
    SELECT o.unified_id, o.source_system, o.order_id,
           array_agg(named_struct(
               'line_number', x.line_number, 'sku', x.sku, 'product_name', x.product_name,
               'quantity', x.quantity, 'unit_price', x.unit_price,
               'discount_amount', x.discount_amount, 'line_total', x.line_total)
               ORDER BY x.line_number) AS lines
    FROM orders o
    JOIN raw.order_lines x ON x.source_system = o.source_system AND x.order_id = o.order_id
    GROUP BY o.unified_id, o.source_system, o.order_id
),
-- Orders, newest first, each with its lines.
order_list AS (
    SELECT o.unified_id,
           count(*) AS order_count,
           array_agg(named_struct(
               'source_system', o.source_system, 'order_id', o.order_id,
               'order_number', o.order_number, 'ordered_at', o.ordered_at,
               'channel', o.channel, 'status', o.status, 'store_id', o.store_id,
               'associate_id', o.associate_id, 'currency', o.currency,
               'total_amount', o.total_amount, 'lines', x.lines)
               ORDER BY o.ordered_at DESC, o.order_id) AS orders
    FROM orders o
    LEFT JOIN order_lines x
      ON x.unified_id = o.unified_id AND x.source_system = o.source_system AND x.order_id = o.order_id
    GROUP BY o.unified_id
),
-- Consent as of now, per channel and purpose: the latest event across the person's records.
-- (Read from raw.consent_events; a unified consent table, once the pipeline writes one, can
-- take its place here.)
consents AS (
    SELECT unified_id,
           array_agg(named_struct(
               'channel', channel, 'purpose', purpose, 'status', status,
               'recorded_at', recorded_at, 'source_system', source_system,
               'collection_point', collection_point)
               ORDER BY channel, purpose) AS consents
    FROM (
        SELECT l.unified_id, e.*,
               row_number() OVER (PARTITION BY l.unified_id, e.channel, e.purpose
                                  ORDER BY e.recorded_at DESC, e.event_id DESC) AS newest
        FROM links l
        JOIN raw.consent_events e
          ON e.source_system = l.source_system AND e.customer_source_id = l.source_id
    ) latest
    WHERE newest = 1
    GROUP BY unified_id
),
-- The customer's associate: who served most of their orders (the most recent breaks ties).
served AS (
    SELECT unified_id, associate_id,
           row_number() OVER (PARTITION BY unified_id
                              ORDER BY count(*) DESC, max(ordered_at) DESC, associate_id) AS rank
    FROM orders
    WHERE associate_id IS NOT NULL AND associate_id <> ''
    GROUP BY unified_id, associate_id
)
SELECT
    CAST($1 AS VARCHAR)                       AS lookup_key,
    ids.matched_by,
    (SELECT count(*) FROM ids)                AS match_count,
    g.unified_id, g.civility, g.first_name, g.last_name, g.birth_date, g.email, g.phone_e164,
    g.address_line1, g.address_line2, g.postal_code, g.city, g.country_iso2,
    g.preferred_language, g.source_records AS source_record_count, g.sources,
    g.first_seen_at, g.last_updated_at,
    CASE WHEN st.store_id IS NOT NULL THEN named_struct(
        'store_id', st.store_id, 'name', st.name, 'city', st.city, 'phone', st.phone,
        'email', st.email)
    END                                       AS preferred_store,
    CASE WHEN a.associate_id IS NOT NULL THEN named_struct(
        'associate_id', a.associate_id, 'first_name', a.first_name, 'last_name', a.last_name,
        'email', a.email, 'store_id', a.store_id)
    END                                       AS associate,
    coalesce(ol.order_count, 0)               AS order_count,
    sr.source_records,
    ol.orders,
    cs.consents
FROM ids
JOIN unified.customers g ON g.unified_id = ids.unified_id
LEFT JOIN source_records sr ON sr.unified_id = g.unified_id
LEFT JOIN order_list ol ON ol.unified_id = g.unified_id
LEFT JOIN consents cs ON cs.unified_id = g.unified_id
LEFT JOIN served s ON s.unified_id = g.unified_id AND s.rank = 1
LEFT JOIN raw.associates a ON a.associate_id = s.associate_id
LEFT JOIN raw.stores st ON st.store_id = g.preferred_store_id
ORDER BY g.unified_id
