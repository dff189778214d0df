-- 06_cluster.sql: records linked directly or through others form one cluster (one person).
--
-- connected_components() runs union-find over unified.match_edges. A component larger than 20
-- records is not a person but a chain of links gone wrong (a shared email, a store's phone
-- number): its records stay apart and the component goes to identity.review for a person to
-- look at, as do cannot-link pairs that ended up in one cluster through other links.
--
-- A full run clusters every record and reassesses every unified id (an incremental run,
-- sql/identity/incremental/05_cluster.sql, only those its new records touch); 07_survive.sql
-- works on identity.clusters and identity.reassessed_ids, whichever run made them.

-- The records and edges this run clusters: all of them (an incremental run redefines both
-- views as those of the customers it reassesses).
CREATE OR REPLACE VIEW identity.records_to_cluster AS SELECT record_id FROM identity.records;
CREATE OR REPLACE VIEW identity.edges_to_cluster AS SELECT left_id, right_id FROM unified.match_edges;

CREATE OR REPLACE VIEW identity.clustered_records AS
WITH components AS (
    SELECT node AS record_id, component, component_size
    FROM connected_components('identity.edges_to_cluster', 'left_id', 'right_id')
)
SELECT
    r.record_id,
    CASE WHEN c.component_size > 20 THEN r.record_id
         ELSE coalesce(c.component, r.record_id) END        AS cluster_key,
    coalesce(c.component_size > 20, false)                  AS held_for_review
FROM identity.records_to_cluster r
LEFT JOIN components c ON c.record_id = r.record_id;

CREATE OR REPLACE TABLE identity.clusters AS SELECT * FROM identity.clustered_records;

CREATE OR REPLACE VIEW identity.review_findings AS
SELECT 'cluster_too_large' AS reason, component AS subject, count(*) AS records
FROM connected_components('identity.edges_to_cluster', 'left_id', 'right_id')
WHERE component_size > 20
GROUP BY component
UNION ALL
SELECT 'cannot_link_in_one_cluster', d.left_id || ' / ' || d.right_id, 2
FROM unified.match_decisions d
JOIN identity.clusters a ON a.record_id = d.left_id
JOIN identity.clusters b ON b.record_id = d.right_id
WHERE d.decision = 'cannot_link' AND a.cluster_key = b.cluster_key;

CREATE OR REPLACE TABLE identity.review AS SELECT * FROM identity.review_findings;

-- The unified ids this run may keep, merge or retire: every active one.
CREATE OR REPLACE TABLE identity.reassessed_ids AS
SELECT unified_id FROM unified.customer_ids WHERE status = 'active';
