-- 08_audit.sql: one row per run in unified.resolve_runs, to follow the pipeline over time.
-- Customers are counted from their ids and links: unified.customers is written by the next step.

INSERT INTO unified.resolve_runs
SELECT
    now()                                                                  AS run_at,
    (SELECT count(*) FROM identity.records)                                AS records,
    (SELECT count(*) FROM identity.candidate_pairs)                        AS candidate_pairs,
    (SELECT count(*) FROM unified.match_edges)                             AS match_edges,
    (SELECT count(*) FROM unified.customer_ids WHERE status = 'active')    AS unified_customers,
    (SELECT count(*) FROM (SELECT unified_id FROM unified.customer_links
                           GROUP BY unified_id HAVING count(*) > 1))      AS multi_record_customers,
    (SELECT max(records) FROM (SELECT count(*) AS records FROM unified.customer_links
                               GROUP BY unified_id))                      AS largest_cluster,
    (SELECT count(*) FROM identity.review)                                 AS review_items,
    (SELECT count(*) FROM identity.cluster_ids WHERE NOT is_new)           AS ids_kept,
    (SELECT count(*) FROM identity.cluster_ids WHERE is_new)               AS new_ids;
