-- customer_360_keys.sql: every key the 360° lookup (customer_360.sql) finds a customer by,
-- with the customer it finds. `amigo resolve` stores it as serve.customer_360_keys, the
-- server's index of the lookup; each branch is one of the lookup's three ways to match, on
-- the same stored keys:
--   unified_id  the id as printed, leading to the id that survived a merge;
--   email       identity.records.email_key (email_canonical of the source record's email);
--   phone       identity.records.phone_key (E.164).
-- A key shared by several customers has a row for each.

SELECT DISTINCT lookup_key, matched_by, unified_id
FROM (
    SELECT i.unified_id AS lookup_key, 'unified_id' AS matched_by,
           coalesce(i.merged_into, i.unified_id) AS unified_id
    FROM unified.customer_ids i
    UNION ALL
    SELECT r.email_key, 'email', l.unified_id
    FROM identity.records r
    JOIN unified.customer_links l ON l.record_id = r.record_id
    WHERE r.email_key IS NOT NULL
    UNION ALL
    SELECT r.phone_key, 'phone', l.unified_id
    FROM identity.records r
    JOIN unified.customer_links l ON l.record_id = r.record_id
    WHERE r.phone_key IS NOT NULL
) keys
ORDER BY matched_by, lookup_key, unified_id
