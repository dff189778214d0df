-- 01_overrides.sql: corrections a person made (GDPR rectification, a steward's fix) win over
-- every survivorship rule.
--
-- Runs after sql/identity/07_survive.sql, on every `amigo resolve`, so a re-resolution never
-- undoes a correction: survive rebuilds the golden records from the sources, then this step
-- writes them to unified.customers with the corrections. unified.overrides is append-only; the latest override of a field wins.
-- Each override row is its own audit record (who, when, which request).
--
-- Fields that can be overridden: civility, first_name, last_name, birth_date (YYYY-MM-DD),
-- email, phone_e164, address_line1, address_line2, postal_code, city, country_iso2,
-- preferred_language, preferred_store_id.

CREATE TABLE IF NOT EXISTS unified.overrides (
    unified_id    VARCHAR NOT NULL,
    field         VARCHAR NOT NULL,
    value         VARCHAR,            -- NULL clears the field
    actor         VARCHAR NOT NULL,
    overridden_at TIMESTAMP NOT NULL,
    request_id    VARCHAR             -- unified.gdpr_requests.request_id, when there is one
);

CREATE OR REPLACE TABLE unified.customers AS
WITH latest AS (
    SELECT *, row_number() OVER (PARTITION BY unified_id, field ORDER BY overridden_at DESC) AS recency
    FROM unified.overrides
),
o AS (
    -- One row per customer with an override; has_<field> tells an override to NULL from none.
    SELECT
        unified_id,
        string_agg(field, ',' ORDER BY field) AS overridden_fields,
        bool_or(field = 'civility') AS has_civility,               max(CASE WHEN field = 'civility' THEN value END) AS civility,
        bool_or(field = 'first_name') AS has_first_name,           max(CASE WHEN field = 'first_name' THEN value END) AS first_name,
        bool_or(field = 'last_name') AS has_last_name,             max(CASE WHEN field = 'last_name' THEN value END) AS last_name,
        bool_or(field = 'birth_date') AS has_birth_date,           max(CASE WHEN field = 'birth_date' THEN value END) AS birth_date,
        bool_or(field = 'email') AS has_email,                     max(CASE WHEN field = 'email' THEN value END) AS email,
        bool_or(field = 'phone_e164') AS has_phone_e164,           max(CASE WHEN field = 'phone_e164' THEN value END) AS phone_e164,
        bool_or(field = 'address_line1') AS has_address_line1,     max(CASE WHEN field = 'address_line1' THEN value END) AS address_line1,
        bool_or(field = 'address_line2') AS has_address_line2,     max(CASE WHEN field = 'address_line2' THEN value END) AS address_line2,
        bool_or(field = 'postal_code') AS has_postal_code,         max(CASE WHEN field = 'postal_code' THEN value END) AS postal_code,
        bool_or(field = 'city') AS has_city,                       max(CASE WHEN field = 'city' THEN value END) AS city,
        bool_or(field = 'country_iso2') AS has_country_iso2,       max(CASE WHEN field = 'country_iso2' THEN value END) AS country_iso2,
        bool_or(field = 'preferred_language') AS has_preferred_language, max(CASE WHEN field = 'preferred_language' THEN value END) AS preferred_language,
        bool_or(field = 'preferred_store_id') AS has_preferred_store_id, max(CASE WHEN field = 'preferred_store_id' THEN value END) AS preferred_store_id
    FROM latest
    WHERE recency = 1
    GROUP BY unified_id
)
SELECT
    c.unified_id,
    CASE WHEN o.has_civility THEN o.civility ELSE c.civility END                               AS civility,
    CASE WHEN o.has_first_name THEN o.first_name ELSE c.first_name END                         AS first_name,
    CASE WHEN o.has_last_name THEN o.last_name ELSE c.last_name END                            AS last_name,
    CASE WHEN o.has_birth_date THEN CAST(o.birth_date AS DATE) ELSE c.birth_date END           AS birth_date,
    CASE WHEN o.has_email THEN o.email ELSE c.email END                                        AS email,
    CASE WHEN o.has_phone_e164 THEN o.phone_e164 ELSE c.phone_e164 END                         AS phone_e164,
    CASE WHEN o.has_address_line1 THEN o.address_line1 ELSE c.address_line1 END                AS address_line1,
    CASE WHEN o.has_address_line2 THEN o.address_line2 ELSE c.address_line2 END                AS address_line2,
    CASE WHEN o.has_postal_code THEN o.postal_code ELSE c.postal_code END                      AS postal_code,
    CASE WHEN o.has_city THEN o.city ELSE c.city END                                           AS city,
    CASE WHEN o.has_country_iso2 THEN o.country_iso2 ELSE c.country_iso2 END                   AS country_iso2,
    CASE WHEN o.has_preferred_language THEN o.preferred_language ELSE c.preferred_language END AS preferred_language,
    CASE WHEN o.has_preferred_store_id THEN o.preferred_store_id ELSE c.preferred_store_id END AS preferred_store_id,
    c.source_records,
    c.sources,
    c.first_seen_at,
    c.last_updated_at,
    -- Provenance of the fields survivorship chose; overridden_fields names those replaced by
    -- an override (see unified.overrides for who, when and why).
    c.provenance,
    o.overridden_fields
-- The golden records survivorship made (sql/identity/07_survive.sql defines the view).
FROM identity.customers_before_corrections c
LEFT JOIN o ON o.unified_id = c.unified_id;
