-- 02_block.sql: which pairs of records are worth comparing.
--
-- Comparing every pair of 1.2M records is 7·10^11 comparisons; blocking compares only records
-- that share at least one key. Each rule below is one key; add, remove or change rules here.
-- A pair found by several rules is compared once, and remembers which rules found it.
--
-- Keys shared by more than 50 records are skipped (and reported): a key that common is no
-- evidence of identity (a shared family email, a store's phone, "marie martin" in Paris), and
-- comparing inside it costs n² for nothing.

-- The records whose keys this run computes: all of them (an incremental run redefines the view
-- as its new and changed records).
CREATE OR REPLACE VIEW identity.batch_records AS SELECT * FROM identity.records;

CREATE OR REPLACE VIEW identity.batch_blocking_keys AS
SELECT record_id, 'email' AS rule, email_key AS key
FROM identity.batch_records WHERE email_key IS NOT NULL
UNION ALL
SELECT record_id, 'phone', phone_key
FROM identity.batch_records WHERE phone_key IS NOT NULL
UNION ALL
-- First and last name in any order, nicknames folded: finds swapped names and moved people.
SELECT record_id, 'name', name_key
FROM identity.batch_records WHERE first_norm IS NOT NULL AND last_norm IS NOT NULL
UNION ALL
-- The last name alone: rare names (the common ones make blocks over 50 and are skipped) find
-- records whose first name is missing, misspelt or a nickname the table does not know.
SELECT record_id, 'last_name', last_norm
FROM identity.batch_records WHERE last_norm IS NOT NULL
UNION ALL
-- How the names sound, in either order: typos and romanizations (Shouta/Shota) in both names
-- at once, also when first and last name were swapped.
SELECT record_id, 'phonetic_name',
       least(double_metaphone(first_norm), double_metaphone(last_norm)) || '|'
       || greatest(double_metaphone(first_norm), double_metaphone(last_norm))
FROM identity.batch_records WHERE first_norm IS NOT NULL AND last_norm IS NOT NULL
UNION ALL
-- The first three letters of each name, in either order: typos past the third letter in both
-- names (Goodstne Victr / Victor Goodstone) that change how they sound.
SELECT record_id, 'name_prefixes',
       least(substr(first_norm, 1, 3), substr(last_norm, 1, 3)) || '|'
       || greatest(substr(first_norm, 1, 3), substr(last_norm, 1, 3))
FROM identity.batch_records WHERE length(first_norm) >= 3 AND length(last_norm) >= 3
UNION ALL
-- The email's first four letters at the same domain: a typo later in the address
-- (john.baker@ / john.baekr@).
SELECT record_id, 'email_prefix', substr(email_local(email_key), 1, 4) || '@' || email_domain(email_key)
FROM identity.batch_records WHERE length(email_local(email_key)) >= 6
UNION ALL
-- The same email at another domain (ielamrani1977@outlook.fr / @outlook.com): compared, but
-- 03_compare.sql does not count it as agreement on its own.
SELECT record_id, 'email_local', email_local(email_key)
FROM identity.batch_records WHERE length(email_local(email_key)) >= 6
UNION ALL
-- Same first name at the same postcode: married names, typos in the last name.
SELECT record_id, 'first_name+postcode', first_root || '|' || postcode_key
FROM identity.batch_records WHERE first_root IS NOT NULL AND postcode_key IS NOT NULL
UNION ALL
-- Same birth date and first name: people who moved and changed email.
SELECT record_id, 'first_name+birth_date', first_root || '|' || CAST(birth_date AS VARCHAR)
FROM identity.batch_records WHERE first_root IS NOT NULL AND birth_date IS NOT NULL
UNION ALL
-- Same birth date and last name: typos in the first name.
SELECT record_id, 'last_name+birth_date', last_norm || '|' || CAST(birth_date AS VARCHAR)
FROM identity.batch_records WHERE last_norm IS NOT NULL AND birth_date IS NOT NULL;

CREATE OR REPLACE TABLE identity.blocking_keys AS SELECT * FROM identity.batch_blocking_keys;

CREATE OR REPLACE TABLE identity.blocks AS
SELECT rule, key, count(*) AS size
FROM identity.blocking_keys
GROUP BY rule, key
HAVING count(*) > 1;

-- Comparisons and skipped blocks per rule: the first thing to read when a rule is added.
CREATE OR REPLACE TABLE identity.blocking_report AS
SELECT
    rule,
    count(*)                                                    AS blocks,
    sum(size * (size - 1) / 2) FILTER (WHERE size <= 50)        AS comparisons,
    count(*) FILTER (WHERE size > 50)                           AS skipped_blocks,
    coalesce(sum(size) FILTER (WHERE size > 50), 0)             AS records_in_skipped_blocks,
    max(size)                                                   AS largest_block
FROM identity.blocks
GROUP BY rule;

-- Each rule's bit: the rules that found a pair are combined as an integer, not as a list of
-- texts per pair (at 1.2M records, an ordered string_agg per pair held over 20 GB).
CREATE OR REPLACE TABLE identity.blocking_rules AS
SELECT rule, CAST(power(2, row_number() OVER (ORDER BY rule) - 1) AS BIGINT) AS bit
FROM (SELECT DISTINCT rule FROM identity.blocks);

-- The records of each block small enough to compare inside, with the block's number: pairs
-- are found by joining on that number, not on the rule and key strings.
CREATE OR REPLACE TABLE identity.block_members AS
WITH numbered AS (
    SELECT rule, key, row_number() OVER (ORDER BY rule, key) AS block_id
    FROM identity.blocks
    WHERE size <= 50
)
SELECT k.record_id, n.block_id, b.bit AS rule_bit
FROM identity.blocking_keys k
JOIN numbered n ON n.rule = k.rule AND n.key = k.key
JOIN identity.blocking_rules b ON b.rule = k.rule;

CREATE OR REPLACE TABLE identity.candidate_pair_rules AS
SELECT
    l.record_id            AS left_id,
    r.record_id            AS right_id,
    bit_or(l.rule_bit)     AS rule_bits
FROM identity.block_members l
JOIN identity.block_members r ON r.block_id = l.block_id AND l.record_id < r.record_id
GROUP BY l.record_id, r.record_id;

-- Each pair with the names of the rules that found it ('email,phone'); the few combinations
-- that occur are spelt out once.
CREATE OR REPLACE VIEW identity.named_candidate_pairs AS
WITH rule_sets AS (
    SELECT s.rule_bits, string_agg(b.rule, ',' ORDER BY b.rule) AS rules
    FROM (SELECT DISTINCT rule_bits FROM identity.candidate_pair_rules) s
    JOIN identity.blocking_rules b ON s.rule_bits & b.bit <> 0
    GROUP BY s.rule_bits
)
SELECT p.left_id, p.right_id, s.rules
FROM identity.candidate_pair_rules p
JOIN rule_sets s ON s.rule_bits = p.rule_bits;

CREATE OR REPLACE TABLE identity.candidate_pairs AS SELECT * FROM identity.named_candidate_pairs;
