-- 04_score.sql: a Fellegi-Sunter match weight and probability for every candidate pair.
--
-- For each field and level: m = P(level | same person), u = P(level | different people), and
-- the level adds log2(m / u) to the pair's weight: agreeing on a rare thing counts for a lot,
-- disagreeing counts against. u is measured on the random pairs of 03_compare.sql; m is
-- trained by expectation-maximisation (fs_train) on the candidate pairs, starting from the
-- hand-set values of identity.fs_m below. An exact first or last name uses the frequency of
-- that very name instead of u (term-frequency adjustment): two "Martin" agree by chance far
-- more often than two "Mattiussi". The trained model is stored in identity.fs_trained_model
-- and scoring reads it (fs_match_weight), so a score can always be recomputed and explained
-- (sql/identity/explain_pair.sql).

-- The compared fields, in the order of the comparison vectors (fs_train numbers them from 1).
CREATE OR REPLACE TABLE identity.fs_fields (field BIGINT, comparison VARCHAR) AS VALUES
    (1, 'first_name'), (2, 'last_name'), (3, 'email'), (4, 'phone'), (5, 'birth_date'),
    (6, 'address');

-- Where EM starts: how often the same person's records show each level (the corruption
-- rates of real sources: typos, nicknames, moves, new emails...). Edit to steer training.
CREATE OR REPLACE TABLE identity.fs_m (comparison VARCHAR, level VARCHAR, m DOUBLE) AS VALUES
    ('first_name', 'exact', 0.86), ('first_name', 'nickname', 0.03),
    ('first_name', 'swapped', 0.02), ('first_name', 'similar', 0.05),
    ('first_name', 'contained', 0.01), ('first_name', 'different', 0.03),
    ('last_name', 'exact', 0.84), ('last_name', 'swapped', 0.02),
    ('last_name', 'similar', 0.06), ('last_name', 'different', 0.08),
    ('email', 'exact', 0.72), ('email', 'equivalent', 0.06), ('email', 'similar', 0.05),
    ('email', 'different', 0.17),
    ('phone', 'exact', 0.75), ('phone', 'similar', 0.05), ('phone', 'different', 0.20),
    ('birth_date', 'exact', 0.95), ('birth_date', 'swapped', 0.02),
    ('birth_date', 'different', 0.03),
    ('address', 'exact', 0.60), ('address', 'similar', 0.10),
    ('address', 'same_postcode', 0.05), ('address', 'different', 0.25);

-- How common each name is among the records: the u of an exact agreement on that name.
CREATE OR REPLACE TABLE identity.term_frequencies AS
SELECT 'first_name' AS comparison, first_norm AS value,
       count(*) * 1.0 / sum(count(*)) OVER () AS frequency
FROM identity.records WHERE first_norm IS NOT NULL GROUP BY first_norm
UNION ALL
SELECT 'last_name', last_norm, count(*) * 1.0 / sum(count(*)) OVER ()
FROM identity.records WHERE last_norm IS NOT NULL GROUP BY last_norm;

-- Each candidate and random pair's comparisons, with its comparison vector; 'null' (a side is
-- missing) is no evidence, a NULL element for the model. The comparisons are carried along so
-- that scoring reads this one table rather than joining it back to identity.comparisons (a
-- join of 19M rows on their ids at 1.2M records).
CREATE OR REPLACE VIEW identity.vectors_of_comparisons AS
SELECT
    c.*,
    make_array(nullif(first_name, 'null'), nullif(last_name, 'null'), nullif(email, 'null'),
               nullif(phone, 'null'), nullif(birth_date, 'null'), nullif(address, 'null')) AS levels,
    -- The frequency of an exactly agreed name replaces its u (term-frequency adjustment).
    make_array(tf_first.frequency, tf_last.frequency, CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE),
               CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE)) AS term_frequencies
FROM identity.comparisons c
LEFT JOIN identity.term_frequencies tf_first
  ON tf_first.comparison = 'first_name' AND tf_first.value = c.agreed_first_name
LEFT JOIN identity.term_frequencies tf_last
  ON tf_last.comparison = 'last_name' AND tf_last.value = c.agreed_last_name;

CREATE OR REPLACE TABLE identity.comparison_vectors AS SELECT * FROM identity.vectors_of_comparisons;

-- The trained model, one row. EM runs on the candidate pairs' pattern counts (the hash
-- aggregate does the counting) and estimates m, u and the share of matches among candidates
-- (lambda), starting m from identity.fs_m. Its u describes candidates that are not matches,
-- which agree on their blocking keys by construction; scoring needs how often unrelated people
-- agree, so the stored model keeps EM's m and takes u from the random pairs ("a level never
-- seen among them counts half a pair"). Scores use the prior scoring_lambda: the chance that
-- two records picked at random are one person, if about one record in five has a duplicate
-- (0.2·n matching pairs among n²/2).
CREATE OR REPLACE TABLE identity.fs_trained_model AS
WITH patterns AS (
    SELECT levels, count(*) AS pairs
    FROM identity.comparison_vectors WHERE kind = 'candidate'
    GROUP BY levels
),
start AS (
    SELECT array_agg(named_struct('field', f.field, 'level', m.level, 'm', m.m)) AS start_m
    FROM identity.fs_m m JOIN identity.fs_fields f ON f.comparison = m.comparison
),
em AS (
    SELECT fs_train(p.levels, p.pairs, false, 0.1, 500, s.start_m) AS model
    FROM patterns p CROSS JOIN start s
),
em_levels AS (
    SELECT p['field'] AS field, p['level'] AS level, p['m'] AS m
    FROM (SELECT unnest(model['levels']) AS p FROM em) t
),
random_levels AS (
    SELECT f.field, array_element(v.levels, f.field) AS level, count(*) AS pairs
    FROM identity.comparison_vectors v CROSS JOIN identity.fs_fields f
    WHERE v.kind = 'random' AND array_element(v.levels, f.field) IS NOT NULL
    GROUP BY f.field, array_element(v.levels, f.field)
),
u AS (
    SELECT e.field, e.level, e.m,
           coalesce(r.pairs, 0.5) / sum(coalesce(r.pairs, 0.5)) OVER (PARTITION BY e.field) AS u
    FROM em_levels e
    LEFT JOIN random_levels r ON r.field = e.field AND r.level = e.level
)
SELECT
    now() AS trained_at,
    (SELECT 0.4 / count(*) FROM identity.records) AS scoring_lambda,
    (SELECT model FROM em) AS em_model,
    (SELECT array_agg(named_struct('field', field, 'level', level, 'm', m, 'u', u,
                                   'weight', log2(m / u)) ORDER BY field, level) FROM u) AS levels;

-- The model as a table, one row per field and level: the starting m, the trained m, u, and
-- the weight log2(m / u) a level adds.
CREATE OR REPLACE TABLE identity.fs_model AS
WITH trained AS (
    SELECT unnest(levels) AS p FROM identity.fs_trained_model
)
SELECT
    f.comparison,
    t.p['level'] AS level,
    s.m          AS start_m,
    t.p['m']     AS m,
    t.p['u']     AS u,
    t.p['weight'] AS weight
FROM trained t
JOIN identity.fs_fields f ON f.field = t.p['field']
LEFT JOIN identity.fs_m s ON s.comparison = f.comparison AND s.level = t.p['level'];

-- Every candidate pair's weight per field (fs_field_weights, from the stored model), its match
-- weight and probability. The match weight is what fs_match_weight computes, the model's prior
-- plus the field weights, added up here from the field weights rather than weighed a second
-- time (a pass over the 16M candidate pairs of 1.2M records takes about 10 s).
CREATE OR REPLACE VIEW identity.weighed_pairs AS
WITH model AS (
    SELECT named_struct('lambda', scoring_lambda, 'levels', levels) AS model
    FROM identity.fs_trained_model
),
scoring AS (
    -- The prior: the match weight of a pair with no levels.
    SELECT model, fs_match_weight(make_array(), model) AS prior_weight FROM model
),
weighed AS (
    SELECT
        v.*,
        s.prior_weight,
        fs_field_weights(v.levels, s.model, v.term_frequencies) AS weights
    FROM identity.comparison_vectors v
    CROSS JOIN scoring s
    WHERE v.kind = 'candidate'
),
field_weights AS (
    SELECT
        w.* EXCEPT (levels, term_frequencies),
        coalesce(w.weights[1], 0) AS first_name_weight,
        coalesce(w.weights[2], 0) AS last_name_weight,
        coalesce(w.weights[3], 0) AS email_weight,
        coalesce(w.weights[4], 0) AS phone_weight,
        coalesce(w.weights[5], 0) AS birth_date_weight,
        coalesce(w.weights[6], 0) AS address_weight
    FROM weighed w
),
totals AS (
    SELECT
        f.* EXCEPT (prior_weight),
        f.prior_weight + f.first_name_weight + f.last_name_weight + f.email_weight
            + f.phone_weight + f.birth_date_weight + f.address_weight AS match_weight
    FROM field_weights f
)
SELECT t.*, fs_match_probability(t.match_weight) AS match_probability
FROM totals t;

CREATE OR REPLACE TABLE identity.scored_pairs AS SELECT * FROM identity.weighed_pairs;
