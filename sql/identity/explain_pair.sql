-- explain_pair.sql: why two source records are, or are not, one person.
--
-- $1 and $2 are two record ids (source_system:source_id), in any order, blocked together or
-- not. One row per comparison: both sides' matching keys, the level (the same CASE
-- expressions as 03_compare.sql: change both together; tests/resolve.rs checks that they
-- agree), m and u of that level in the stored model (identity.fs_trained_model, what
-- 04_score.sql scored with), the name's frequency where it replaces u, and the weight the
-- comparison adds; then a row for the prior. The weights add up to match_weight, given on every
-- row with match_probability. Run it as a prepared statement (Flight SQL) or with
-- `amigo resolve --explain-pair RECORD_A RECORD_B`.

WITH compared AS (
    SELECT
        l.record_id AS left_id,
        r.record_id AS right_id,
    CASE
            WHEN l.first_norm IS NULL OR r.first_norm IS NULL THEN 'null'
            WHEN l.first_norm = r.first_norm THEN 'exact'
            WHEN l.first_root = r.first_root THEN 'nickname'
            -- First and last name entered the wrong way round, possibly with a typo in either.
            WHEN jaro_winkler(l.first_norm, r.last_norm) >= 0.9
                 AND jaro_winkler(l.last_norm, r.first_norm) >= 0.9 THEN 'swapped'
            -- A typo: close spelling or one edit (Adil/Adel, Eva/Eav). Not the same sound: short
            -- names of different people sound alike too (Ines/Enzo).
            WHEN jaro_winkler(l.first_norm, r.first_norm) >= 0.88
                 OR damerau_levenshtein(l.first_norm, r.first_norm) <= 1 THEN 'similar'
            -- A short form the nickname table does not know: Lotte/Charlotte, Cat/Catherine,
            -- Ha Eun/Grace Ha Eun.
            WHEN length(l.first_norm) >= 2 AND length(r.first_norm) >= 2
                 AND (starts_with(l.first_norm, r.first_norm) OR starts_with(r.first_norm, l.first_norm)
                      OR ends_with(l.first_norm, r.first_norm) OR ends_with(r.first_norm, l.first_norm))
                 THEN 'contained'
            ELSE 'different'
        END AS first_name,
        CASE
            WHEN l.last_norm IS NULL OR r.last_norm IS NULL THEN 'null'
            WHEN l.last_norm = r.last_norm THEN 'exact'
            WHEN jaro_winkler(l.first_norm, r.last_norm) >= 0.9
                 AND jaro_winkler(l.last_norm, r.first_norm) >= 0.9 THEN 'swapped'
            WHEN jaro_winkler(l.last_norm, r.last_norm) >= 0.9
                 OR damerau_levenshtein(l.last_norm, r.last_norm) <= 1 THEN 'similar'
            ELSE 'different'
        END AS last_name,
        CASE
            WHEN l.email_key IS NULL OR r.email_key IS NULL THEN 'null'
            WHEN l.email_key = r.email_key AND l.email_plain = r.email_plain THEN 'exact'
            WHEN l.email_key = r.email_key THEN 'equivalent'
            -- Emails are mostly built from names: jean.martin@orange.fr and jean.martin@gmail.com,
            -- or jean.martin@ and jean.martin2@, are two people named alike far more often than one
            -- person, and the names are already counted. So neither is "similar".
            WHEN email_local(l.email_key) = email_local(r.email_key) THEN 'different'
            WHEN regexp_replace(l.email_key, '[0-9]', '', 'g')
                 = regexp_replace(r.email_key, '[0-9]', '', 'g') THEN 'different'
            -- A typo in the email counts only when the names agree: emails spell names, so
            -- siham.allal@ and sihem.allal@ are two people whose names differ by that letter.
            WHEN levenshtein(l.email_key, r.email_key) <= 2
                 AND (l.first_norm IS NOT DISTINCT FROM r.first_norm)
                 AND (l.last_norm IS NOT DISTINCT FROM r.last_norm) THEN 'similar'
            ELSE 'different'
        END AS email,
        CASE
            WHEN l.phone_key IS NULL OR r.phone_key IS NULL THEN 'null'
            WHEN l.phone_key = r.phone_key THEN 'exact'
            WHEN length(l.phone_key) = length(r.phone_key)
                 AND levenshtein(l.phone_key, r.phone_key) <= 2 THEN 'similar'
            ELSE 'different'
        END AS phone,
        CASE
            WHEN l.birth_date IS NULL OR r.birth_date IS NULL THEN 'null'
            WHEN l.birth_date = r.birth_date THEN 'exact'
            -- Day and month swapped (03/04 entered as 04/03).
            WHEN date_part('year', l.birth_date) = date_part('year', r.birth_date)
                 AND date_part('month', l.birth_date) = date_part('day', r.birth_date)
                 AND date_part('day', l.birth_date) = date_part('month', r.birth_date) THEN 'swapped'
            ELSE 'different'
        END AS birth_date,
        CASE
            WHEN l.address_key IS NULL OR r.address_key IS NULL THEN 'null'
            WHEN l.address_key = r.address_key
                 AND l.postcode_key IS NOT DISTINCT FROM r.postcode_key THEN 'exact'
            WHEN l.postcode_key = r.postcode_key
                 AND jaro_winkler(l.address_key, r.address_key) >= 0.85 THEN 'similar'
            WHEN l.postcode_key = r.postcode_key THEN 'same_postcode'
            ELSE 'different'
        END AS address,
        -- For the term-frequency adjustment: the value both sides agree on exactly.
        CASE WHEN l.first_norm = r.first_norm THEN l.first_norm END AS agreed_first_name,
        CASE WHEN l.last_norm = r.last_norm THEN l.last_norm END AS agreed_last_name,
        -- When one side has no first name, whether the shared email spells the other side's first
        -- name (marie.dupont@ for Marie): a family email names one person, and a record without a
        -- first name on it is that person only when the name fits. 05_decide.sql reads it.
        CASE
            WHEN l.email_key = r.email_key AND (l.first_norm IS NULL) <> (r.first_norm IS NULL)
            THEN strpos(regexp_replace(email_local(l.email_key), '[^a-z]', '', 'g'),
                        regexp_replace(coalesce(l.first_norm, r.first_norm), '[^a-z]', '', 'g')) > 0
        END AS email_spells_first_name,
        make_array(l.first_norm, l.last_norm, l.email_plain, l.phone_key,
                   CAST(l.birth_date AS VARCHAR), concat_ws(' ', l.address_key, l.postcode_key))
            AS left_values,
        make_array(r.first_norm, r.last_norm, r.email_plain, r.phone_key,
                   CAST(r.birth_date AS VARCHAR), concat_ws(' ', r.address_key, r.postcode_key))
            AS right_values
    FROM identity.records l CROSS JOIN identity.records r
    WHERE l.record_id = $1 AND r.record_id = $2
),
vectors AS (
    SELECT
        c.*,
        make_array(nullif(c.first_name, 'null'), nullif(c.last_name, 'null'),
                   nullif(c.email, 'null'), nullif(c.phone, 'null'),
                   nullif(c.birth_date, 'null'), nullif(c.address, 'null')) AS levels,
        make_array(tf_first.frequency, tf_last.frequency, CAST(NULL AS DOUBLE),
                   CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE))
            AS term_frequencies,
        named_struct('lambda', t.scoring_lambda, 'levels', t.levels) AS model
    FROM compared c
    CROSS JOIN identity.fs_trained_model t
    LEFT JOIN identity.term_frequencies tf_first
      ON tf_first.comparison = 'first_name' AND tf_first.value = c.agreed_first_name
    LEFT JOIN identity.term_frequencies tf_last
      ON tf_last.comparison = 'last_name' AND tf_last.value = c.agreed_last_name
),
scored AS (
    SELECT
        v.*,
        fs_field_weights(v.levels, v.model, v.term_frequencies) AS weights,
        fs_match_weight(v.levels, v.model, v.term_frequencies) AS match_weight,
        fs_match_probability(v.levels, v.model, v.term_frequencies) AS match_probability
    FROM vectors v
)
SELECT
    s.left_id,
    s.right_id,
    f.field,
    f.comparison,
    array_element(s.left_values, f.field)              AS left_value,
    array_element(s.right_values, f.field)             AS right_value,
    coalesce(array_element(s.levels, f.field), 'null') AS level,
    m.m,
    m.u,
    array_element(s.term_frequencies, f.field)         AS term_frequency,
    coalesce(array_element(s.weights, f.field), 0.0)   AS weight,
    s.match_weight,
    s.match_probability
FROM scored s
CROSS JOIN identity.fs_fields f
LEFT JOIN identity.fs_model m
  ON m.comparison = f.comparison AND m.level = array_element(s.levels, f.field)
UNION ALL
-- The prior: the odds that two records picked at random are one person.
SELECT
    s.left_id, s.right_id, 0, 'prior', NULL, NULL, NULL, NULL, NULL, NULL,
    log2(s.model['lambda'] / (1 - s.model['lambda'])),
    s.match_weight,
    s.match_probability
FROM scored s
ORDER BY field;
