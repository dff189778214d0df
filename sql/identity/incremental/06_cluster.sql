-- incremental/06_cluster.sql: the clusters this run's records touch, clustered again.
--
-- The unified ids reassessed are those of the gone and changed records, of the records at either
-- end of a new edge, and of the records a person's decision names. Their records (and the new
-- ones) are clustered again over their edges, as 06_cluster.sql does for all records; every
-- other customer stays as it is. A component over the cap of 20 records is held for review as
-- in a full run, though only a full run sees all of it.

CREATE OR REPLACE TABLE identity.reassessed_ids AS
WITH touched AS (
    SELECT record_id FROM identity.gone_records
    UNION
    SELECT left_id FROM identity.new_edges
    UNION
    SELECT right_id FROM identity.new_edges
    UNION
    SELECT left_id FROM unified.match_decisions
    UNION
    SELECT right_id FROM unified.match_decisions
)
SELECT DISTINCT l.unified_id
FROM unified.customer_links l
JOIN touched t ON t.record_id = l.record_id;

-- Their records still here, and this run's new and changed records.
CREATE OR REPLACE TABLE identity.reassessed_records AS
SELECT l.record_id
FROM unified.customer_links l
JOIN identity.reassessed_ids a ON a.unified_id = l.unified_id
LEFT JOIN identity.gone_records g ON g.record_id = l.record_id
WHERE g.record_id IS NULL
UNION
SELECT record_id FROM identity.delta_records;

CREATE OR REPLACE TABLE identity.reassessed_edges AS
SELECT e.left_id, e.right_id
FROM unified.match_edges e JOIN identity.reassessed_records r ON r.record_id = e.left_id
UNION
SELECT e.left_id, e.right_id
FROM unified.match_edges e JOIN identity.reassessed_records r ON r.record_id = e.right_id;

-- Clustered by 06_cluster.sql's views, pointed at these records and edges.
CREATE OR REPLACE VIEW identity.records_to_cluster AS
SELECT record_id FROM identity.reassessed_records;
CREATE OR REPLACE VIEW identity.edges_to_cluster AS
SELECT left_id, right_id FROM identity.reassessed_edges;

CREATE OR REPLACE TABLE identity.clusters AS SELECT * FROM identity.clustered_records;

-- New items for a person to look at, unless already listed.
INSERT INTO identity.review
SELECT f.*
FROM identity.review_findings f
LEFT JOIN identity.review r ON r.reason = f.reason AND r.subject = f.subject
WHERE r.reason IS NULL;
