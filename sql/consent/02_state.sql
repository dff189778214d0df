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
           row_number() OVER per_person
               AS strictest,
           -- How many source records have a say, and how many of them say opt_in.
           count(*) OVER whole_person AS records,
           sum(CASE WHEN status = 'opt_in' THEN 1 ELSE 0 END) OVER whole_person
               AS records_opted_in
    FROM latest_per_record
    WHERE recency = 1
    WINDOW per_person AS (PARTITION BY unified_id, channel, purpose
                          ORDER BY restrictiveness DESC, recorded_at DESC, record_id),
           whole_person AS (PARTITION BY unified_id, channel, purpose)
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
    records,
    records_opted_in
FROM ranked
WHERE strictest = 1;

-- The merged state through time. Each event is a moment the state may change. A record's
-- state holds from its event until its next event (in the same record, channel and purpose);
-- at each moment the records whose state holds then are merged, the most restrictive winning.
CREATE OR REPLACE TABLE unified.consent_timeline AS
WITH record_states AS (
    SELECT h.unified_id, h.channel, h.purpose, h.record_id, h.status,
           h.recorded_at AS held_from,
           lead(h.recorded_at) OVER (PARTITION BY h.unified_id, h.record_id, h.channel, h.purpose
                                     ORDER BY h.recorded_at, h.event_id) AS held_to,
           -- Two events of one record at the same instant: the later one (by event id) holds.
           row_number() OVER (PARTITION BY h.unified_id, h.record_id, h.channel, h.purpose,
                                           h.recorded_at
                              ORDER BY h.event_id DESC) AS last_at_instant
    FROM unified.consent_history h
    WHERE h.unified_id IS NOT NULL
),
moments AS (
    SELECT DISTINCT unified_id, channel, purpose, held_from AS at FROM record_states
),
merged AS (
    SELECT m.unified_id, m.channel, m.purpose, m.at,
           first_value(s.status ORDER BY r.restrictiveness DESC) AS status
    FROM moments m
    JOIN record_states s
      ON s.unified_id = m.unified_id AND s.channel = m.channel AND s.purpose = m.purpose
     AND s.held_from <= m.at AND (s.held_to IS NULL OR s.held_to > m.at)
    JOIN unified.consent_status_rank r ON r.status = s.status
    WHERE s.last_at_instant = 1
    GROUP BY m.unified_id, m.channel, m.purpose, m.at
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
