-- 03_compare.sql: how each pair agrees, field by field, as comparison levels.
--
-- Each field gets a level from "exact" down to "different" (or "null" when a side is empty),
-- the comparison vector of the Fellegi-Sunter model that 04_score.sql weighs. The same levels
-- are computed for deterministic random pairs, which is how 04_score.sql learns how often
-- unrelated people agree by chance (the u probabilities).

-- Random pairs: records in a fixed pseudo-random order (by hash of their id), each paired with
-- the records 1 and 2 places further on. Deterministic, so the model is reproducible.
CREATE OR REPLACE TABLE identity.random_pairs AS
WITH ordered AS (
    SELECT record_id,
           row_number() OVER (ORDER BY encode(sha256(record_id), 'hex')) - 1 AS position,
           count(*) OVER () AS n
    FROM identity.records
)
-- Two equality joins rather than one join on `... OR ...`: an OR condition is not a hash-join
-- key, and the nested loop it would take is quadratic in the number of records.
SELECT a.record_id AS left_id, b.record_id AS right_id
FROM ordered a
JOIN ordered b ON b.position = (a.position + 1) % a.n
WHERE a.n > 2
UNION ALL
SELECT a.record_id AS left_id, b.record_id AS right_id
FROM ordered a
JOIN ordered b ON b.position = (a.position + 2) % a.n
WHERE a.n > 2;

-- The pairs this run compares: the candidates and the random pairs (an incremental run
-- redefines the view as its new candidate pairs).
CREATE OR REPLACE VIEW identity.pairs_to_compare AS
SELECT left_id, right_id, rules, 'candidate' AS kind FROM identity.candidate_pairs
UNION ALL
SELECT left_id, right_id, CAST(NULL AS VARCHAR), 'random' FROM identity.random_pairs;

-- The comparison levels of identity.pairs_to_compare, as a view: one definition for the full
-- run and the incremental one.
CREATE OR REPLACE VIEW identity.compared_pairs AS
SELECT
    l.kind,
    l.left_id,
    l.right_id,
    l.rules,
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
        -- One mailbox, typed two ways (dots or a +tag at gmail): the same person mistyping, or
        -- two namesakes whose look-alike addresses the provider folds together.
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
    END AS email_spells_first_name
-- Written so that both joins build their hash table on identity.records (1.2M rows) and
-- stream the pairs (19M) through it: joined the other way round, the second join held every
-- pair with its left record in memory (9 GB at 1.2M records).
FROM identity.records r
JOIN (SELECT l.*, p.kind, p.left_id, p.right_id, p.rules
      FROM identity.records l JOIN identity.pairs_to_compare p ON l.record_id = p.left_id) l
  ON r.record_id = l.right_id;

CREATE OR REPLACE TABLE identity.comparisons AS SELECT * FROM identity.compared_pairs;
