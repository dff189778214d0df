-- identity_accuracy.sql: how right identity resolution is, against a ground-truth table.
--
-- Needs raw.ground_truth (source record -> true person), which `amigo generate` writes; for
-- real data, a steward's hand-checked sample in the same shape works too. Run by
-- `amigo evaluate` after `amigo resolve`; each run appends to unified.identity_evaluations and
-- unified.identity_recall_by_corruption, so accuracy can be followed over time.
--
-- Pairwise: every pair of records put together is a prediction; precision = right pairs / pairs
-- put together, recall = right pairs / pairs that belong together. B-cubed: the same per
-- record, averaged. Exact clusters: people whose records form one cluster with nothing else.

CREATE TABLE IF NOT EXISTS unified.identity_evaluations (
    evaluated_at            TIMESTAMP NOT NULL,
    records                 BIGINT NOT NULL,
    true_pairs              BIGINT NOT NULL,
    predicted_pairs         BIGINT NOT NULL,
    correct_pairs           BIGINT NOT NULL,
    pairwise_precision      DOUBLE,
    pairwise_recall         DOUBLE,
    pairwise_f1             DOUBLE,
    bcubed_precision        DOUBLE,
    bcubed_recall           DOUBLE,
    bcubed_f1               DOUBLE,
    exact_cluster_recall    DOUBLE
);

CREATE TABLE IF NOT EXISTS unified.identity_recall_by_corruption (
    evaluated_at TIMESTAMP NOT NULL,
    corruption   VARCHAR NOT NULL,
    records      BIGINT NOT NULL,
    true_pairs   BIGINT NOT NULL,
    found_pairs  BIGINT NOT NULL,
    recall       DOUBLE
);

CREATE OR REPLACE TABLE identity.evaluation_cells AS
WITH labelled AS (
    SELECT l.record_id, l.unified_id, g.person_id, g.corruptions
    FROM unified.customer_links l
    JOIN raw.ground_truth g ON g.source_system = l.source_system AND g.source_id = l.source_id
)
SELECT
    record_id, unified_id, person_id, corruptions,
    count(*) OVER (PARTITION BY unified_id, person_id) AS in_both,
    count(*) OVER (PARTITION BY unified_id)            AS in_cluster,
    count(*) OVER (PARTITION BY person_id)             AS in_person,
    count(DISTINCT unified_id) OVER (PARTITION BY person_id) AS person_clusters
FROM labelled;

INSERT INTO unified.identity_evaluations
WITH totals AS (
    SELECT
        count(*)                                                  AS records,
        -- Each record counts its partners; every pair is then counted twice.
        sum(in_person - 1) / 2                                    AS true_pairs,
        sum(in_cluster - 1) / 2                                   AS predicted_pairs,
        sum(in_both - 1) / 2                                      AS correct_pairs,
        avg(in_both * 1.0 / in_cluster)                           AS bcubed_precision,
        avg(in_both * 1.0 / in_person)                            AS bcubed_recall,
        count(DISTINCT person_id) FILTER (WHERE person_clusters = 1 AND in_both = in_cluster) * 1.0
            / count(DISTINCT person_id)                           AS exact_cluster_recall
    FROM identity.evaluation_cells
),
rates AS (
    SELECT *,
        CASE WHEN predicted_pairs > 0 THEN correct_pairs * 1.0 / predicted_pairs END AS precision,
        CASE WHEN true_pairs > 0 THEN correct_pairs * 1.0 / true_pairs END AS recall
    FROM totals
)
SELECT
    now(), records, true_pairs, predicted_pairs, correct_pairs,
    precision, recall,
    2 * precision * recall / nullif(precision + recall, 0),
    bcubed_precision, bcubed_recall,
    2 * bcubed_precision * bcubed_recall / nullif(bcubed_precision + bcubed_recall, 0),
    exact_cluster_recall
FROM rates;

-- Recall of the pairs involving a corrupted record, per kind of corruption: the weak spots.
INSERT INTO unified.identity_recall_by_corruption
SELECT
    now(),
    corruption,
    count(*),
    sum(in_person - 1),
    sum(in_both - 1),
    sum(in_both - 1) * 1.0 / nullif(sum(in_person - 1), 0)
FROM (
    SELECT unnest(string_to_array(corruptions, ' ')) AS corruption, in_person, in_both
    FROM identity.evaluation_cells
    WHERE corruptions IS NOT NULL AND corruptions <> ''
) per_corruption
GROUP BY corruption;

-- The latest evaluation, and its recall per corruption.
SELECT * FROM unified.identity_evaluations ORDER BY evaluated_at DESC LIMIT 1;

SELECT corruption, records, true_pairs, found_pairs, round(recall, 4) AS recall
FROM unified.identity_recall_by_corruption
WHERE evaluated_at = (SELECT max(evaluated_at) FROM unified.identity_recall_by_corruption)
ORDER BY recall, corruption;
