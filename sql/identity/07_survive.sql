-- 07_survive.sql: stable unified ids, the links from source records to them, and one golden
-- record per unified customer.
--
-- Stable ids: a cluster keeps the id its records had in the previous run. When two clusters
-- merge, the older id survives and the other is recorded as merged into it; when a cluster
-- splits, the part holding most of the old cluster's records keeps the id and the others get
-- new ones. New ids are derived from the cluster's smallest record id, so a re-run on the same
-- data gives the same ids.
--
-- The step works on the records of identity.clusters and the ids of identity.reassessed_ids
-- (06_cluster.sql: all of them; an incremental run: those its new records touch). Links,
-- ids and golden records of everything else are kept as they are.

-- Each cluster's candidate ids: those its records had before.
CREATE OR REPLACE TABLE identity.id_candidates AS
SELECT c.cluster_key, l.unified_id, count(*) AS records, min(i.created_at) AS id_created_at
FROM identity.clusters c
JOIN unified.customer_links l ON l.record_id = c.record_id
JOIN unified.customer_ids i ON i.unified_id = l.unified_id
GROUP BY c.cluster_key, l.unified_id;

CREATE OR REPLACE TABLE identity.cluster_ids AS
WITH owner AS (
    -- An old id goes to the cluster holding most of its records.
    SELECT *, row_number() OVER (PARTITION BY unified_id ORDER BY records DESC, cluster_key) AS rank_for_id
    FROM identity.id_candidates
),
kept AS (
    -- A cluster keeps the oldest of the ids it owns.
    SELECT cluster_key, unified_id,
           row_number() OVER (PARTITION BY cluster_key ORDER BY id_created_at, unified_id) AS rank_for_cluster
    FROM owner WHERE rank_for_id = 1
)
SELECT
    c.cluster_key,
    coalesce(k.unified_id, 'U' || substr(encode(sha256(c.cluster_key), 'hex'), 1, 16)) AS unified_id,
    k.unified_id IS NULL AS is_new
FROM (SELECT DISTINCT cluster_key FROM identity.clusters) c
LEFT JOIN kept k ON k.cluster_key = c.cluster_key AND k.rank_for_cluster = 1;

-- Where each reassessed record was before this run, for the merge log below.
CREATE OR REPLACE TABLE identity.previous_links AS
SELECT l.record_id, l.unified_id
FROM unified.customer_links l
JOIN identity.reassessed_ids a ON a.unified_id = l.unified_id;

CREATE OR REPLACE TABLE unified.customer_ids AS
-- Ids this run did not reassess stay as they are: the customers an incremental run did not
-- touch, and the ids earlier runs merged or retired.
SELECT i.*
FROM unified.customer_ids i
LEFT JOIN identity.reassessed_ids a ON a.unified_id = i.unified_id
LEFT JOIN identity.cluster_ids n ON n.unified_id = i.unified_id
WHERE a.unified_id IS NULL AND n.unified_id IS NULL
UNION ALL
SELECT
    n.unified_id,
    coalesce(i.created_at, now()) AS created_at,
    'active'                      AS status,
    CAST(NULL AS VARCHAR)         AS merged_into,
    now()                         AS updated_at
FROM identity.cluster_ids n
LEFT JOIN unified.customer_ids i ON i.unified_id = n.unified_id
UNION ALL
-- Reassessed ids no cluster kept: merged into the id that now holds most of their records, or
-- retired when none of their records is left.
SELECT
    i.unified_id,
    i.created_at,
    CASE WHEN m.into_id IS NULL THEN 'retired' ELSE 'merged' END,
    m.into_id,
    now()
FROM unified.customer_ids i
JOIN identity.reassessed_ids a ON a.unified_id = i.unified_id
LEFT JOIN identity.cluster_ids n ON n.unified_id = i.unified_id
LEFT JOIN (
    SELECT o.unified_id, first_value(c.unified_id ORDER BY o.records DESC, c.unified_id) AS into_id
    FROM identity.id_candidates o JOIN identity.cluster_ids c ON c.cluster_key = o.cluster_key
    GROUP BY o.unified_id
) m ON m.unified_id = i.unified_id
WHERE n.unified_id IS NULL;

-- Source record -> unified id, with the strongest link that put it there, for the records of
-- this run's clusters.
CREATE OR REPLACE TABLE identity.cluster_links AS
WITH edge_ends AS (
    SELECT left_id AS record_id, rule, match_probability FROM unified.match_edges
    UNION ALL
    SELECT right_id, rule, match_probability FROM unified.match_edges
),
best_edge AS (
    SELECT record_id,
           first_value(rule ORDER BY match_probability DESC NULLS LAST, rule) AS rule,
           max(match_probability) AS match_probability
    FROM edge_ends GROUP BY record_id
)
SELECT
    r.record_id,
    r.source_system,
    r.source_id,
    i.unified_id,
    coalesce(b.rule, 'single')                          AS rule,
    b.match_probability,
    c.held_for_review,
    CASE WHEN p.unified_id = i.unified_id THEN p.linked_at ELSE now() END AS linked_at
FROM identity.records r
JOIN identity.clusters c ON c.record_id = r.record_id
JOIN identity.cluster_ids i ON i.cluster_key = c.cluster_key
LEFT JOIN best_edge b ON b.record_id = r.record_id
LEFT JOIN unified.customer_links p ON p.record_id = r.record_id;

-- The links of the ids this run did not reassess, and this run's.
CREATE OR REPLACE TABLE unified.customer_links AS
SELECT l.*
FROM unified.customer_links l
LEFT JOIN identity.reassessed_ids a ON a.unified_id = l.unified_id
WHERE a.unified_id IS NULL
UNION ALL
SELECT * FROM identity.cluster_links;

-- Golden records. Each field is chosen by a survivorship rule and keeps its provenance (the
-- source, record and rule it came from, and when that record was updated):
--   names, civility and birth date: source priority (in-store Cegid data is entered with the
--     customer present), then the most recent;
--   email, phone and address: the most recent record that has one (people move and change
--     numbers); the address fields always come together from one record.
-- Empty strings count as missing. Change the source order in identity.source_priority.
CREATE OR REPLACE TABLE identity.source_priority (source_system VARCHAR, priority INT) AS
VALUES ('cegid', 1), ('shopify', 2), ('web', 3);

CREATE OR REPLACE TABLE identity.golden_records AS
WITH sourced AS (
    SELECT c.*, l.unified_id, coalesce(p.priority, 99) AS priority,
           c.source_system || ':' || c.source_id AS record_id
    FROM raw.customer_records c
    JOIN identity.cluster_links l ON l.source_system = c.source_system AND l.source_id = c.source_id
    LEFT JOIN identity.source_priority p ON p.source_system = c.source_system
),
golden AS (
    -- survive_by_priority / survive_most_recent (amigo-udfs) return {value, source, record_id,
    -- rule, ts}; they skip NULL and blank values, and break ties as the comments above say
    -- (priority: lower wins). They keep one candidate per customer and field while reading,
    -- where first_value(... ORDER BY ...) would hold every record's struct until the end.
    SELECT
        unified_id,
        count(*) AS source_records,
        -- Not string_agg(DISTINCT ...): next to other aggregates it keeps a set per customer
        -- (10 s and 2 GB at 1.2M records for this column alone, against 1 s this way).
        array_to_string(array_sort(array_distinct(array_agg(source_system))), ',') AS sources,
        survive_by_priority(civility, source_system, record_id, updated_at, priority)             AS civility,
        survive_by_priority(first_name, source_system, record_id, updated_at, priority)           AS first_name,
        survive_by_priority(last_name, source_system, record_id, updated_at, priority)            AS last_name,
        survive_by_priority(birth_date, source_system, record_id, updated_at, priority)           AS birth_date,
        survive_most_recent(trim(email), source_system, record_id, updated_at, priority)          AS email,
        survive_most_recent(normalize_phone(phone, coalesce(normalize_country(country), 'FR')),
                            source_system, record_id, updated_at, priority)                       AS phone,
        survive_most_recent(named_struct('line1', address_line1, 'line2', address_line2,
                                         'postal_code', postal_code, 'city', city,
                                         'country', normalize_country(country)),
                            source_system, record_id, updated_at, priority)
            FILTER (WHERE trim(address_line1) <> '')                                              AS address,
        survive_most_recent(preferred_language, source_system, record_id, updated_at, priority)   AS preferred_language,
        survive_most_recent(preferred_store_id, source_system, record_id, updated_at, priority)   AS preferred_store_id,
        min(created_at) AS first_seen_at,
        max(updated_at) AS last_updated_at
    FROM sourced
    GROUP BY unified_id
)
SELECT
    unified_id,
    civility['value']           AS civility,
    first_name['value']         AS first_name,
    last_name['value']          AS last_name,
    birth_date['value']         AS birth_date,
    email['value']              AS email,
    phone['value']              AS phone_e164,
    address['value']['line1']       AS address_line1,
    address['value']['line2']       AS address_line2,
    address['value']['postal_code'] AS postal_code,
    address['value']['city']        AS city,
    address['value']['country']     AS country_iso2,
    preferred_language['value'] AS preferred_language,
    preferred_store_id['value'] AS preferred_store_id,
    source_records,
    sources,
    first_seen_at,
    last_updated_at,
    -- Where each value came from: source, record, rule and that record's update time (ts).
    named_struct(
        'civility', civility, 'first_name', first_name, 'last_name', last_name,
        'birth_date', birth_date, 'email', email, 'phone', phone, 'address', address,
        'preferred_language', preferred_language, 'preferred_store_id', preferred_store_id
    ) AS provenance
FROM golden;

-- The golden records the previous run left (none on the first run), to log what changed.
CREATE TABLE IF NOT EXISTS unified.customers AS SELECT * FROM identity.golden_records WHERE false;

-- Merges and splits of this run, appended to the log (never rewritten). Each event says what
-- moved records from_id -> into_id: the links that fired (the rule and probability of each
-- match edge from a moved record) and the decisions a person entered about those records;
-- who acted (the people whose decisions moved records, else the process 'amigo resolve'); and
-- both golden records, every field, before (the previous run, corrections included) and after
-- (this run's survivorship), as JSON.
INSERT INTO unified.merge_log
WITH events AS (
    SELECT
        CASE WHEN n.is_new THEN 'split' ELSE 'merge' END AS event,
        o.unified_id AS from_id,
        n.unified_id AS into_id,
        o.records    AS records_moved,
        o.cluster_key
    FROM identity.id_candidates o
    JOIN identity.cluster_ids n ON n.cluster_key = o.cluster_key
    WHERE o.unified_id <> n.unified_id
),
moved AS (
    SELECT e.from_id, e.into_id, c.record_id
    FROM events e
    JOIN identity.clusters c ON c.cluster_key = e.cluster_key
    JOIN identity.previous_links p ON p.record_id = c.record_id AND p.unified_id = e.from_id
),
moved_edges AS (
    SELECT m.from_id, m.into_id, x.left_id, x.right_id, x.rule, x.match_probability
    FROM moved m JOIN unified.match_edges x ON x.left_id = m.record_id
    UNION
    SELECT m.from_id, m.into_id, x.left_id, x.right_id, x.rule, x.match_probability
    FROM moved m JOIN unified.match_edges x ON x.right_id = m.record_id
),
fired_links AS (
    SELECT from_id, into_id,
           string_agg(DISTINCT rule, ',' ORDER BY rule) AS rules,
           array_agg(named_struct('left_id', left_id, 'right_id', right_id, 'rule', rule,
                                  'match_probability', match_probability)
                     ORDER BY left_id, right_id) AS links
    FROM moved_edges GROUP BY from_id, into_id
),
moved_decisions AS (
    SELECT m.from_id, m.into_id, d.*
    FROM moved m JOIN unified.match_decisions d ON d.left_id = m.record_id
    UNION
    SELECT m.from_id, m.into_id, d.*
    FROM moved m JOIN unified.match_decisions d ON d.right_id = m.record_id
),
fired_decisions AS (
    SELECT from_id, into_id,
           string_agg(DISTINCT decided_by, ',' ORDER BY decided_by) AS deciders,
           array_agg(named_struct('decision', decision, 'left_id', left_id, 'right_id', right_id,
                                  'reason', reason, 'decided_by', decided_by,
                                  'decided_at', decided_at)
                     ORDER BY decided_at, left_id, right_id) AS decisions
    FROM moved_decisions GROUP BY from_id, into_id
),
golden_then AS (
    SELECT unified_id, named_struct(
        'unified_id', unified_id, 'civility', civility, 'first_name', first_name,
        'last_name', last_name, 'birth_date', birth_date, 'email', email,
        'phone_e164', phone_e164, 'address_line1', address_line1,
        'address_line2', address_line2, 'postal_code', postal_code, 'city', city,
        'country_iso2', country_iso2, 'preferred_language', preferred_language,
        'preferred_store_id', preferred_store_id, 'source_records', source_records,
        'sources', sources) AS golden
    FROM unified.customers
),
golden_now AS (
    SELECT unified_id, named_struct(
        'unified_id', unified_id, 'civility', civility, 'first_name', first_name,
        'last_name', last_name, 'birth_date', birth_date, 'email', email,
        'phone_e164', phone_e164, 'address_line1', address_line1,
        'address_line2', address_line2, 'postal_code', postal_code, 'city', city,
        'country_iso2', country_iso2, 'preferred_language', preferred_language,
        'preferred_store_id', preferred_store_id, 'source_records', source_records,
        'sources', sources) AS golden
    FROM identity.golden_records
)
SELECT
    e.event,
    e.from_id,
    e.into_id,
    e.records_moved,
    now()                                                 AS logged_at,
    coalesce(d.deciders, 'amigo resolve')                 AS actor,
    l.rules,
    to_json(named_struct('links', l.links, 'decisions', d.decisions)) AS fired,
    to_json(named_struct('from', bf.golden, 'into', bi.golden))       AS before,
    to_json(named_struct('from', af.golden, 'into', ai.golden))       AS golden_after
FROM events e
LEFT JOIN fired_links l ON l.from_id = e.from_id AND l.into_id = e.into_id
LEFT JOIN fired_decisions d ON d.from_id = e.from_id AND d.into_id = e.into_id
LEFT JOIN golden_then bf ON bf.unified_id = e.from_id
LEFT JOIN golden_then bi ON bi.unified_id = e.into_id
LEFT JOIN golden_now af ON af.unified_id = e.from_id
LEFT JOIN golden_now ai ON ai.unified_id = e.into_id;

-- The golden records of the ids this run did not reassess, and this run's: what the next step,
-- sql/gdpr/01_overrides.sql, corrects and writes to unified.customers (a single write of every
-- golden record per run).
CREATE OR REPLACE VIEW identity.customers_before_corrections AS
SELECT
    c.unified_id, c.civility, c.first_name, c.last_name, c.birth_date, c.email, c.phone_e164,
    c.address_line1, c.address_line2, c.postal_code, c.city, c.country_iso2,
    c.preferred_language, c.preferred_store_id, c.source_records, c.sources, c.first_seen_at,
    c.last_updated_at, c.provenance
FROM unified.customers c
LEFT JOIN identity.reassessed_ids a ON a.unified_id = c.unified_id
LEFT JOIN identity.cluster_ids n ON n.unified_id = c.unified_id
WHERE a.unified_id IS NULL AND n.unified_id IS NULL
UNION ALL
SELECT * FROM identity.golden_records;
