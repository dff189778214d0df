-- incremental/02_block.sql: the pairs a new or changed record makes with any record.
--
-- The blocking keys are 02_block.sql's (its view identity.batch_blocking_keys), computed for
-- this run's records only and added to identity.blocking_keys. A block is still skipped when
-- more than 50 records share its key, counted over all records.

CREATE OR REPLACE VIEW identity.batch_records AS SELECT * FROM identity.delta_records;

CREATE OR REPLACE TABLE identity.delta_blocking_keys AS SELECT * FROM identity.batch_blocking_keys;

DELETE FROM identity.blocking_keys WHERE record_id IN (SELECT record_id FROM identity.gone_records);
INSERT INTO identity.blocking_keys SELECT * FROM identity.delta_blocking_keys;

-- Every record sharing a key with this run's records, in blocks of 2 to 50 records, with the
-- bit of the rule (identity.blocking_rules).
CREATE OR REPLACE TABLE identity.delta_block_members AS
WITH touched AS (
    SELECT k.record_id, k.rule, k.key
    FROM identity.blocking_keys k
    JOIN (SELECT DISTINCT rule, key FROM identity.delta_blocking_keys) d
      ON d.rule = k.rule AND d.key = k.key
),
sized AS (
    SELECT *, count(*) OVER (PARTITION BY rule, key) AS size FROM touched
)
SELECT s.record_id, s.rule, s.key, b.bit AS rule_bit
FROM sized s
JOIN identity.blocking_rules b ON b.rule = s.rule
WHERE s.size BETWEEN 2 AND 50;

-- Each pair with a record of this run once, with the rules that found it as bits, then spelt
-- out by 02_block.sql's view identity.named_candidate_pairs.
CREATE OR REPLACE TABLE identity.candidate_pair_rules AS
SELECT
    least(n.record_id, m.record_id)    AS left_id,
    greatest(n.record_id, m.record_id) AS right_id,
    bit_or(n.rule_bit)                 AS rule_bits
FROM identity.delta_block_members n
JOIN identity.delta_records d ON d.record_id = n.record_id
JOIN identity.delta_block_members m
  ON m.rule = n.rule AND m.key = n.key AND m.record_id <> n.record_id
GROUP BY least(n.record_id, m.record_id), greatest(n.record_id, m.record_id);

CREATE OR REPLACE TABLE identity.candidate_pairs AS SELECT * FROM identity.named_candidate_pairs;
