-- 04_score.sql: a Fellegi-Sunter match weight and probability for every candidate pair.
--
-- For each field and level: m = P(level | same person), u = P(level | different people), and
-- the level adds log2(m / u) to the pair's weight: agreeing on a rare thing counts for a lot,
-- disagreeing counts against. u is measured on the random pairs of 03_compare.sql; m comes
-- from identity.fs_m below (edit it to tune the model). An exact first or last name uses the
-- frequency of that very name instead of u (term-frequency adjustment): two "Martin" agree by
-- chance far more often than two "Mattiussi". The model is stored in identity.fs_model, so a
-- score can always be recomputed and explained.

-- m: how often the same person's records show each level (the corruption rates of real
-- sources: typos, nicknames, moves, new emails...).
CREATE OR REPLACE TABLE identity.fs_m (comparison VARCHAR, level VARCHAR, m DOUBLE) AS VALUES
    ('first_name', 'exact', 0.86), ('first_name', 'nickname', 0.03),
    ('first_name', 'swapped', 0.02), ('first_name', 'similar', 0.06),
    ('first_name', 'different', 0.03),
    ('last_name', 'exact', 0.84), ('last_name', 'swapped', 0.02),
    ('last_name', 'similar', 0.06), ('last_name', 'different', 0.08),
    ('email', 'exact', 0.78), ('email', 'similar', 0.05), ('email', 'different', 0.17),
    ('phone', 'exact', 0.75), ('phone', 'similar', 0.05), ('phone', 'different', 0.20),
    ('birth_date', 'exact', 0.95), ('birth_date', 'swapped', 0.02),
    ('birth_date', 'different', 0.03),
    ('address', 'exact', 0.60), ('address', 'similar', 0.10),
    ('address', 'same_postcode', 0.05), ('address', 'different', 0.25);

CREATE OR REPLACE TABLE identity.fs_model AS
WITH random_levels AS (
    SELECT 'first_name' AS comparison, first_name AS level FROM identity.comparisons WHERE kind = 'random'
    UNION ALL SELECT 'last_name', last_name FROM identity.comparisons WHERE kind = 'random'
    UNION ALL SELECT 'email', email FROM identity.comparisons WHERE kind = 'random'
    UNION ALL SELECT 'phone', phone FROM identity.comparisons WHERE kind = 'random'
    UNION ALL SELECT 'birth_date', birth_date FROM identity.comparisons WHERE kind = 'random'
    UNION ALL SELECT 'address', address FROM identity.comparisons WHERE kind = 'random'
),
u AS (
    -- Among random pairs where both sides have a value: null levels carry no evidence.
    SELECT comparison, level,
           count(*) * 1.0 / sum(count(*)) OVER (PARTITION BY comparison) AS u,
           sum(count(*)) OVER (PARTITION BY comparison) AS random_pairs
    FROM random_levels
    WHERE level <> 'null'
    GROUP BY comparison, level
),
random_total AS (SELECT count(*) AS pairs FROM identity.comparisons WHERE kind = 'random')
SELECT
    m.comparison,
    m.level,
    m.m,
    -- A level never seen among random pairs: as if seen half a time.
    coalesce(u.u, 0.5 / greatest(t.pairs, 1)) AS u,
    log2(m.m / coalesce(u.u, 0.5 / greatest(t.pairs, 1))) AS weight
FROM identity.fs_m m
CROSS JOIN random_total t
LEFT JOIN u ON u.comparison = m.comparison AND u.level = m.level;

-- How common each name is among the records: the u of an exact agreement on that name.
CREATE OR REPLACE TABLE identity.term_frequencies AS
SELECT 'first_name' AS comparison, first_norm AS value,
       count(*) * 1.0 / sum(count(*)) OVER () AS frequency
FROM identity.records WHERE first_norm IS NOT NULL GROUP BY first_norm
UNION ALL
SELECT 'last_name', last_norm, count(*) * 1.0 / sum(count(*)) OVER ()
FROM identity.records WHERE last_norm IS NOT NULL GROUP BY last_norm;

CREATE OR REPLACE TABLE identity.scored_pairs AS
WITH weighted AS (
    SELECT
        c.*,
        CASE WHEN c.first_name = 'exact' AND tf_first.frequency IS NOT NULL
             THEN log2(fn.m / tf_first.frequency) ELSE coalesce(fn.weight, 0) END AS first_name_weight,
        CASE WHEN c.last_name = 'exact' AND tf_last.frequency IS NOT NULL
             THEN log2(ln.m / tf_last.frequency) ELSE coalesce(ln.weight, 0) END AS last_name_weight,
        coalesce(em.weight, 0) AS email_weight,
        coalesce(ph.weight, 0) AS phone_weight,
        coalesce(bd.weight, 0) AS birth_date_weight,
        coalesce(ad.weight, 0) AS address_weight
    FROM identity.comparisons c
    LEFT JOIN identity.fs_model fn ON fn.comparison = 'first_name' AND fn.level = c.first_name
    LEFT JOIN identity.fs_model ln ON ln.comparison = 'last_name' AND ln.level = c.last_name
    LEFT JOIN identity.fs_model em ON em.comparison = 'email' AND em.level = c.email
    LEFT JOIN identity.fs_model ph ON ph.comparison = 'phone' AND ph.level = c.phone
    LEFT JOIN identity.fs_model bd ON bd.comparison = 'birth_date' AND bd.level = c.birth_date
    LEFT JOIN identity.fs_model ad ON ad.comparison = 'address' AND ad.level = c.address
    LEFT JOIN identity.term_frequencies tf_first
      ON tf_first.comparison = 'first_name' AND tf_first.value = c.agreed_first_name
    LEFT JOIN identity.term_frequencies tf_last
      ON tf_last.comparison = 'last_name' AND tf_last.value = c.agreed_last_name
    WHERE c.kind = 'candidate'
),
prior AS (
    -- Prior odds that two records picked at random are the same person, if about one record in
    -- five has a duplicate: 0.2·n matching pairs among n²/2.
    SELECT log2(0.4 / count(*)) AS log2_prior_odds FROM identity.records
)
SELECT
    w.*,
    w.first_name_weight + w.last_name_weight + w.email_weight + w.phone_weight
        + w.birth_date_weight + w.address_weight AS match_weight,
    1.0 / (1.0 + power(2.0, -(p.log2_prior_odds + w.first_name_weight + w.last_name_weight
        + w.email_weight + w.phone_weight + w.birth_date_weight + w.address_weight)))
        AS match_probability
FROM weighted w CROSS JOIN prior p;
