-- incremental/01_delta.sql: the records that changed since the last run.
--
-- `amigo resolve --incremental` matches a new ingest batch against the existing clusters
-- without recomputing everything. Only the new and changed records are normalized, blocked,
-- compared and scored, with the views and the trained model of the last full run (so with the
-- same rules: change a rule, then run the whole pipeline once). Only the clusters they touch are
-- re-clustered, and sql/identity/07_survive.sql and 08_audit.sql finish the run as they finish
-- a full one: stable ids, merges and splits logged, golden records of the touched customers.
--
-- The identity.* work tables (comparisons, scored pairs, ...) then hold this run's pairs only;
-- run the whole pipeline, not one of its steps, after an incremental run.
--
-- A record is new when the last run's identity.records does not have it, changed when its
-- updated_at differs, and gone when raw.customer_records no longer has it (an erasure).

-- The raw records this run reads: the new and changed ones. identity.normalized_batch
-- (01_normalize.sql) normalizes what this view holds.
CREATE OR REPLACE VIEW identity.batch_raw AS
SELECT c.*
FROM raw.customer_records c
LEFT JOIN identity.records r
  ON r.source_system = c.source_system AND r.source_id = c.source_id
 AND r.updated_at IS NOT DISTINCT FROM c.updated_at
WHERE r.record_id IS NULL;

CREATE OR REPLACE TABLE identity.delta_records AS SELECT * FROM identity.normalized_batch;

-- The last run's records that are gone, or changed (their old version leaves its cluster).
CREATE OR REPLACE TABLE identity.gone_records AS
SELECT r.record_id
FROM identity.records r
LEFT JOIN raw.customer_records c
  ON c.source_system = r.source_system AND c.source_id = r.source_id
 AND c.updated_at IS NOT DISTINCT FROM r.updated_at
WHERE c.source_id IS NULL;

DELETE FROM identity.records WHERE record_id IN (SELECT record_id FROM identity.gone_records);
INSERT INTO identity.records SELECT * FROM identity.delta_records;
