-- 01_normalize.sql: one comparable row per source record.
--
-- Reads raw.customer_records (every source's customer records in the canonical model) and
-- writes identity.records: the record's id plus matching keys built with amigo's normalizers.
-- Every later step compares these keys, never the raw text, so a rule change here (say, a
-- different default phone region) reaches the whole pipeline.

CREATE SCHEMA IF NOT EXISTS identity;
CREATE SCHEMA IF NOT EXISTS unified;

-- The raw records this run reads: all of them. An incremental run
-- (sql/identity/incremental/01_delta.sql) redefines this view as the new and changed records
-- only, and the views below then normalize those alone.
CREATE OR REPLACE VIEW identity.batch_raw AS SELECT * FROM raw.customer_records;

-- The normalization, as a view over identity.batch_raw: one definition for the full run and the
-- incremental one.
CREATE OR REPLACE VIEW identity.normalized_batch AS
WITH typed AS (
    SELECT
        *,
        -- Phones in local format ("06 12 34 56 78") need a region: the record's country, else
        -- the brand's home market. Change 'FR' here for another home market.
        coalesce(normalize_country(country), 'FR') AS phone_region
    FROM identity.batch_raw
)
SELECT
    source_system || ':' || source_id                        AS record_id,
    source_system,
    source_id,
    normalize_name(first_name)                                AS first_norm,
    normalize_name(last_name)                                 AS last_norm,
    -- Nicknames folded (Bob -> robert), so Bob Smith and Robert Smith share a first-name key.
    nickname_root(first_name)                                 AS first_root,
    -- Word order ignored: "DUPONT Jean" and "Jean Dupont" share it.
    name_key(concat_ws(' ', nickname_root(first_name), last_name)) AS name_key,
    -- Lower case, no dots or +tags at gmail, IDN domains decoded: one key per mailbox.
    email_canonical(email)                                    AS email_key,
    -- The address as typed, only trimmed and lower-cased: two records whose emails reach one
    -- mailbox but were typed differently (jean.martin@ and jeanmartin@gmail.com) are weaker
    -- evidence than the very same address.
    normalize_email(email)                                    AS email_plain,
    normalize_phone(phone, phone_region)                            AS phone_key,
    birth_date,
    normalize_address(address_line1)                          AS address_key,
    normalize_postcode(postal_code, phone_region)                   AS postcode_key,
    normalize_country(country)                                AS country_iso2,
    created_at,
    updated_at
FROM typed;

CREATE OR REPLACE TABLE identity.records AS SELECT * FROM identity.normalized_batch;

-- Decisions a person took (cannot-link, must-link); created empty on the first run, and read
-- by 05_decide.sql on every run. Enter them with INSERT or `amigo decide`.
CREATE TABLE IF NOT EXISTS unified.match_decisions (
    left_id    VARCHAR NOT NULL,   -- identity.records.record_id (source_system:source_id)
    right_id   VARCHAR NOT NULL,
    decision   VARCHAR NOT NULL,   -- 'cannot_link' or 'must_link'
    reason     VARCHAR,
    decided_by VARCHAR NOT NULL,
    decided_at TIMESTAMP NOT NULL
);

-- What earlier runs produced, read by 07_survive.sql to keep unified ids stable; created empty
-- on the first run.
CREATE TABLE IF NOT EXISTS unified.customer_links (
    record_id         VARCHAR NOT NULL,
    source_system     VARCHAR NOT NULL,
    source_id         VARCHAR NOT NULL,
    unified_id        VARCHAR NOT NULL,
    rule              VARCHAR NOT NULL,
    match_probability DOUBLE,
    held_for_review   BOOLEAN NOT NULL,
    linked_at         TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS unified.customer_ids (
    unified_id  VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    status      VARCHAR NOT NULL,   -- active, merged (into merged_into) or retired
    merged_into VARCHAR,
    updated_at  TIMESTAMP NOT NULL
);

-- Append-only: every merge and split, with what caused it and what it changed.
CREATE TABLE IF NOT EXISTS unified.merge_log (
    event         VARCHAR NOT NULL,  -- merge or split
    from_id       VARCHAR NOT NULL,
    into_id       VARCHAR NOT NULL,
    records_moved BIGINT NOT NULL,
    logged_at     TIMESTAMP NOT NULL,
    actor         VARCHAR NOT NULL,  -- 'amigo resolve', or who entered the decisions that acted
    rules         VARCHAR,           -- the rules of the links that fired
    fired         VARCHAR,           -- JSON: {links: [{left_id, right_id, rule, match_probability}], decisions: [...]}
    golden_before VARCHAR,           -- JSON: {from: golden record, into: golden record}, every field
    golden_after  VARCHAR            -- JSON: the same after this run
);

CREATE TABLE IF NOT EXISTS unified.resolve_runs (
    run_at                 TIMESTAMP NOT NULL,
    records                BIGINT NOT NULL,
    candidate_pairs        BIGINT NOT NULL,
    match_edges            BIGINT NOT NULL,
    unified_customers      BIGINT NOT NULL,
    multi_record_customers BIGINT NOT NULL,
    largest_cluster        BIGINT,
    review_items           BIGINT NOT NULL,
    ids_kept               BIGINT NOT NULL,
    new_ids                BIGINT NOT NULL
);
