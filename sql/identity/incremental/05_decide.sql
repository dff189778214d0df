-- incremental/05_decide.sql: the new pairs that link, by 05_decide.sql's rules (the view
-- identity.linked_pairs), added to the last run's edges.

-- This run's edges: the linked new pairs and every must-link decision.
CREATE OR REPLACE TABLE identity.new_edges AS
SELECT * FROM identity.linked_pairs
UNION ALL
SELECT * FROM identity.must_link_pairs;

-- The last run's edges, less those of gone and changed records and those a person has since
-- decided cannot link, and this run's.
CREATE OR REPLACE TABLE unified.match_edges AS
WITH cannot_link AS (
    SELECT DISTINCT least(left_id, right_id) AS left_id, greatest(left_id, right_id) AS right_id
    FROM unified.match_decisions WHERE decision = 'cannot_link'
)
SELECT e.*
FROM unified.match_edges e
LEFT JOIN identity.gone_records gl ON gl.record_id = e.left_id
LEFT JOIN identity.gone_records gr ON gr.record_id = e.right_id
LEFT JOIN cannot_link c ON c.left_id = e.left_id AND c.right_id = e.right_id
WHERE e.rule <> 'must_link' AND gl.record_id IS NULL AND gr.record_id IS NULL
  AND c.left_id IS NULL
UNION ALL
SELECT * FROM identity.new_edges;
