-- 05_decide.sql: which candidate pairs are the same person.
--
-- A pair is linked when a deterministic rule fires (in the style of Salesforce Data Cloud
-- match rules) or when the Fellegi-Sunter probability of 04_score.sql is at least 0.999 with
-- evidence beyond the names, and no guard vetoes it. A wrong merge is worse than a missed one:
-- a merged record sends one person's orders, consents and messages to another.
--
-- Guards (measured on the generator's 1.2M records, where namesakes and households are common:
-- see the README for the figures):
-- - different first names, or different birth dates, never link (namesakes and family members);
-- - names never link on their own, however rare or swapped: the score needs an email, a phone,
--   a birth date or the exact address to agree too;
-- - an email or phone is never enough on its own: families share them, and a record without
--   a first name sharing one is as often a relative as the same person, unless the email
--   spells the other record's first name and the phone or address agrees too (an email or
--   phone shared by several first names is listed in identity.shared_contacts);
-- - an email that reaches the same mailbox only once gmail's dots and +tags are folded
--   ('equivalent': jean.martin@ and jeanmartin@gmail.com) is what namesakes with look-alike
--   addresses have; it links when the phone, the address or the birth date agrees too, or
--   when the names differ by a typo (namesakes spell their names the same);
-- - a rule on names and address does not link when the emails or phones contradict it;
-- - decisions entered by a person in unified.match_decisions win over everything:
--   cannot_link removes the pair, must_link adds it.

-- Contact points shared by several people: records with that email or phone carry more than one
-- first name (once nicknames are folded). The first names are counted over (contact, first name)
-- groups rather than with count(DISTINCT ...), which keeps a set per contact point: 17 GB and
-- 21 s at 1.2M records, against 0.3 GB and 1 s this way.
CREATE OR REPLACE TABLE identity.shared_contacts AS
SELECT 'email' AS kind, email_key AS key, count(first_root) AS first_names, sum(records) AS records
FROM (SELECT email_key, first_root, count(*) AS records
      FROM identity.records WHERE email_key IS NOT NULL
      GROUP BY email_key, first_root)
GROUP BY email_key HAVING count(first_root) > 1
UNION ALL
SELECT 'phone', phone_key, count(first_root), sum(records)
FROM (SELECT phone_key, first_root, count(*) AS records
      FROM identity.records WHERE phone_key IS NOT NULL
      GROUP BY phone_key, first_root)
GROUP BY phone_key HAVING count(first_root) > 1;

-- The rules, as a view over identity.scored_pairs: one definition for the full run and the
-- incremental one.
CREATE OR REPLACE VIEW identity.linked_pairs AS
WITH judged AS (
    SELECT
        s.left_id,
        s.right_id,
        s.match_weight,
        s.match_probability,
        s.first_name IN ('exact', 'nickname', 'similar', 'swapped', 'contained') AS first_agrees,
        s.last_name IN ('exact', 'similar', 'swapped') AS last_agrees,
        s.first_name, s.last_name, s.email, s.phone, s.birth_date, s.address,
        s.email_spells_first_name
    FROM identity.scored_pairs s
),
ruled AS (
    SELECT *,
        CASE
            WHEN first_name = 'different' OR birth_date = 'different' THEN NULL
            -- The same email and first name, unless both the phone and the address say two
            -- households.
            WHEN email = 'exact' AND first_agrees AND NOT (phone = 'different' AND address = 'different')
                THEN 'email+first_name'
            -- One mailbox typed two ways: a second agreement, or a typo in the names.
            WHEN email = 'equivalent' AND first_agrees
                 AND (phone IN ('exact', 'similar') OR address IN ('exact', 'similar')
                      OR birth_date IN ('exact', 'swapped')
                      OR (last_name <> 'null' AND NOT (first_name = 'exact' AND last_name = 'exact')
                          AND phone <> 'different' AND address <> 'different'))
                THEN 'email+first_name'
            WHEN phone = 'exact' AND first_agrees THEN 'phone+first_name'
            -- Names at the very address ('similar' addresses are neighbours: Dong Sung and Dong
            -- Jin Kim live on one street), with no email or phone saying otherwise.
            WHEN first_agrees AND last_agrees AND address = 'exact'
                 AND email NOT IN ('different', 'equivalent') AND phone <> 'different'
                THEN 'name+address'
            -- Names and birth date, the first name as written, swapped or a known nickname: with
            -- a first name only similar, about one such pair in three was two people at 1.2M
            -- records (twins, or siblings with look-alike names).
            WHEN first_name IN ('exact', 'nickname', 'swapped') AND last_agrees
                 AND birth_date IN ('exact', 'swapped') THEN 'name+birth_date'
            -- One side has no first name: the shared email must spell the other's first name,
            -- the last names must agree, and the phone or the address too.
            WHEN email = 'exact' AND email_spells_first_name AND last_name IN ('exact', 'similar')
                 AND (phone = 'exact' OR address = 'exact')
                 AND phone <> 'different' AND address <> 'different'
                THEN 'email+name_in_email'
            -- One side has no first name, the same email, and a last name with a typo: a
            -- relative sharing the family email writes the family name the same way.
            WHEN email = 'exact' AND first_name = 'null' AND last_name = 'similar'
                 AND phone <> 'different' AND address <> 'different'
                THEN 'email+last_name_typo'
            -- Without a first name on both sides the score alone would link a relative who
            -- shares the family email and last name; on names alone, a namesake.
            WHEN first_name <> 'null' AND match_probability >= 0.999
                 AND (email = 'exact' OR phone IN ('exact', 'similar')
                      OR birth_date IN ('exact', 'swapped') OR address = 'exact')
                THEN 'probabilistic'
        END AS rule
    FROM judged
),
cannot_link AS (
    SELECT least(left_id, right_id) AS left_id, greatest(left_id, right_id) AS right_id
    FROM unified.match_decisions WHERE decision = 'cannot_link'
)
SELECT r.left_id, r.right_id, r.rule, r.match_weight, r.match_probability
FROM ruled r
LEFT JOIN cannot_link c ON c.left_id = r.left_id AND c.right_id = r.right_id
WHERE r.rule IS NOT NULL AND c.left_id IS NULL;

CREATE OR REPLACE VIEW identity.must_link_pairs AS
SELECT DISTINCT least(left_id, right_id) AS left_id, greatest(left_id, right_id) AS right_id,
       'must_link' AS rule, CAST(NULL AS DOUBLE) AS match_weight, 1.0 AS match_probability
FROM unified.match_decisions WHERE decision = 'must_link';

CREATE OR REPLACE TABLE unified.match_edges AS
SELECT * FROM identity.linked_pairs
UNION ALL
SELECT * FROM identity.must_link_pairs;
