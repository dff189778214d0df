-- 01_history.sql: every consent event, attached to the unified customer it is about.
--
-- Reads raw.consent_events (each source's consent changes, in the canonical model) and
-- unified.customer_links (source record -> unified id, written by sql/identity/07_survive.sql),
-- and writes unified.consent_history: one row per event, never summarised, so any past state
-- can be recomputed and shown to an auditor. An event whose customer record is not linked (not
-- resolved yet) keeps a NULL unified_id rather than being dropped.
--
-- requires: raw.consent_events

CREATE SCHEMA IF NOT EXISTS unified;

CREATE OR REPLACE TABLE unified.consent_history AS
SELECT
    l.unified_id,
    e.source_system || ':' || e.customer_source_id AS record_id,
    e.source_system,
    e.event_id,
    e.channel,
    e.purpose,
    e.status,
    e.recorded_at,
    e.collection_point
FROM raw.consent_events e
LEFT JOIN unified.customer_links l
       ON l.source_system = e.source_system AND l.source_id = e.customer_source_id;
