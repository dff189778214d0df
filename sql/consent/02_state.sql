-- 02_state.sql: the consent in force, per unified customer, channel and purpose.
--
-- Two rules, applied in this order:
--   1. per source record, the latest event wins (a later opt-in undoes an earlier opt-out in
--      the same system, and the other way round);
--   2. across the records merged into one person, the most restrictive state wins:
--      opt_out > pending_double_opt_in > opt_in. Someone who unsubscribed in the shop and not
--      on the website is not contactable; an unconfirmed web sign-up is not an opt-in.
-- No row for a channel and purpose means no consent was ever recorded: not contactable.
--
-- unified.consent_timeline keeps the same rule through time: one row per interval in which
-- the merged state did not change (valid_to NULL for the current one), so "was this person
-- contactable by SMS on date X" is a lookup (see contactable_on.sql).
--
-- requires: unified.consent_history

-- How restrictive each state is; the highest wins across records.
CREATE OR REPLACE TABLE unified.consent_status_rank (status VARCHAR, restrictiveness INT) AS
VALUES ('opt_in', 1), ('pending_double_opt_in', 2), ('opt_out', 3);

CREATE OR REPLACE TABLE unified.consent_state AS
WITH latest_per_record AS (
    SELECT h.*, r.restrictiveness,
           row_number() OVER (PARTITION BY h.unified_id, h.record_id, h.channel, h.purpose
                              ORDER BY h.recorded_at DESC, h.event_id DESC) AS recency
    FROM unified.consent_history h
    JOIN unified.consent_status_rank r ON r.status = h.status
    WHERE h.unified_id IS NOT NULL
),
ranked AS (
    SELECT *,
           row_number() OVER (PARTITION BY unified_id, channel, purpose
                              ORDER BY restrictiveness DESC, recorded_at DESC, record_id) AS strictest
    FROM latest_per_record
    WHERE recency = 1
)
SELECT
    unified_id,
    channel,
    purpose,
    status,
    status = 'opt_in'           AS contactable,
    source_system               AS decided_by_source,
    record_id                   AS decided_by_record,
    event_id                    AS decided_by_event,
    recorded_at                 AS decided_at,
    -- How many source records have a say, and how many of them say opt_in.
    (SELECT count(*) FROM latest_per_record x
      WHERE x.recency = 1 AND x.unified_id = ranked.unified_id
        AND x.channel = ranked.channel AND x.purpose = ranked.purpose) AS records,
    (SELECT count(*) FROM latest_per_record x
      WHERE x.recency = 1 AND x.status = 'opt_in' AND x.unified_id = ranked.unified_id
        AND x.channel = ranked.channel AND x.purpose = ranked.purpose) AS records_opted_in
FROM ranked
WHERE strictest = 1;

-- The merged state through time. Each event is a moment the state may change; at each such
-- moment every record's latest event so far is taken, then the most restrictive across records.
CREATE OR REPLACE TABLE unified.consent_timeline AS
WITH moments AS (
    SELECT DISTINCT unified_id, channel, purpose, recorded_at AS at
    FROM unified.consent_history WHERE unified_id IS NOT NULL
),
record_state_at AS (
    SELECT m.unified_id, m.channel, m.purpose, m.at, h.record_id, h.status,
           row_number() OVER (PARTITION BY m.unified_id, m.channel, m.purpose, m.at, h.record_id
                              ORDER BY h.recorded_at DESC, h.event_id DESC) AS recency
    FROM moments m
    JOIN unified.consent_history h
      ON h.unified_id = m.unified_id AND h.channel = m.channel AND h.purpose = m.purpose
     AND h.recorded_at <= m.at
),
merged AS (
    SELECT s.unified_id, s.channel, s.purpose, s.at,
           first_value(s.status ORDER BY r.restrictiveness DESC) AS status
    FROM record_state_at s
    JOIN unified.consent_status_rank r ON r.status = s.status
    WHERE s.recency = 1
    GROUP BY s.unified_id, s.channel, s.purpose, s.at
)
SELECT
    unified_id,
    channel,
    purpose,
    status,
    status = 'opt_in' AS contactable,
    at                AS valid_from,
    lead(at) OVER (PARTITION BY unified_id, channel, purpose ORDER BY at) AS valid_to
FROM merged;
