-- 08_audit.sql: one row per run in unified.resolve_runs, to follow the pipeline over time.

INSERT INTO unified.resolve_runs
SELECT
    now()                                                                  AS run_at,
    (SELECT count(*) FROM identity.records)                                AS records,
    (SELECT count(*) FROM identity.candidate_pairs)                        AS candidate_pairs,
    (SELECT count(*) FROM unified.match_edges)                             AS match_edges,
    (SELECT count(*) FROM unified.customers)                               AS unified_customers,
    (SELECT count(*) FROM unified.customers WHERE source_records > 1)      AS multi_record_customers,
    (SELECT max(source_records) FROM unified.customers)                    AS largest_cluster,
    (SELECT count(*) FROM identity.review)                                 AS review_items,
    (SELECT count(*) FROM identity.cluster_ids WHERE NOT is_new)           AS ids_kept,
    (SELECT count(*) FROM identity.cluster_ids WHERE is_new)               AS new_ids;
