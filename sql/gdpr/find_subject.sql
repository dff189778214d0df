-- find_subject.sql: whom an email, phone number or id names. The lookup behind every
-- `amigo gdpr request`, as a query a DPO can run first, over the server as a prepared
-- statement with $1 = the identifier as the person gave it (`amigo gdpr` puts it in as a
-- literal). Not a pipeline step (its name has no number).
--
-- An email or phone is compared normalized (normalize_email; normalize_phone to E.164, with the
-- record's country, else France) with every source record, and with the golden records, where
-- a rectified email or phone lives; an id is a unified id or a source record id
-- (cegid:C000102307). One row per unified customer and way it matched. No row: nobody. Several
-- unified ids: the identifier is ambiguous, and a request must name one of them.

SELECT DISTINCT unified_id, matched_on
FROM (
    SELECT l.unified_id, 'source record email' AS matched_on
    FROM raw.customer_records c
    JOIN unified.customer_links l
      ON l.source_system = c.source_system AND l.source_id = c.source_id
    WHERE normalize_email(c.email) = normalize_email($1)
    UNION ALL
    SELECT l.unified_id, 'source record phone'
    FROM raw.customer_records c
    JOIN unified.customer_links l
      ON l.source_system = c.source_system AND l.source_id = c.source_id
    WHERE normalize_phone(c.phone, coalesce(normalize_country(c.country), 'FR'))
          = normalize_phone($1, 'FR')
    UNION ALL
    SELECT unified_id, 'golden record email' FROM unified.customers
    WHERE normalize_email(email) = normalize_email($1)
    UNION ALL
    SELECT unified_id, 'golden record phone' FROM unified.customers
    WHERE phone_e164 = normalize_phone($1, 'FR')
    UNION ALL
    SELECT unified_id, 'id' FROM unified.customer_links
    WHERE unified_id = $1 OR record_id = $1
) AS matches
ORDER BY unified_id, matched_on;
