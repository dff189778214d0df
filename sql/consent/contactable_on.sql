-- contactable_on.sql: was this person contactable on this channel, for this purpose, at this
-- moment? Not a pipeline step (its name has no number): a query to copy, or to run as a Flight
-- SQL prepared statement with $1 = unified id, $2 = channel, $3 = purpose, $4 = the moment.
--
-- Before any consent event there is no row: no consent, not contactable. The answer follows
-- the same rules as unified.consent_state (latest per record, most restrictive across records).

SELECT
    coalesce(max(t.contactable), false) AS contactable,
    max(t.status)                       AS status,
    max(t.valid_from)                   AS since
FROM unified.consent_timeline t
WHERE t.unified_id = $1
  AND t.channel = $2
  AND t.purpose = $3
  AND t.valid_from <= CAST($4 AS TIMESTAMP)
  AND (t.valid_to IS NULL OR t.valid_to > CAST($4 AS TIMESTAMP));
