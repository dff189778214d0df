-- 05_quality.sql: data-quality metrics of raw.customer_records, per source and field, as a view
-- (always current):
--   completeness  share of records where the field is filled (not NULL, not blank);
--   validity      share of filled values that are valid: emails and phones that parse
--                 (is_valid_email, is_valid_phone with the record's country), postcodes in
--                 their country's format (unknown formats count as valid), birth dates between
--                 1900 and today; NULL for free-text fields;
--   uniqueness    distinct filled values / filled values (1 = no duplicates in that source);
--   freshness_days days since the newest update of a record of that source.
CREATE OR REPLACE VIEW analytics.data_quality AS
WITH fields AS (
    SELECT source_system, 'email' AS field, email AS value,
           is_valid_email(email) AS valid, updated_at
    FROM raw.customer_records
    UNION ALL
    SELECT source_system, 'phone', phone, is_valid_phone(phone, country), updated_at
    FROM raw.customer_records
    UNION ALL
    SELECT source_system, 'postal_code', postal_code,
           coalesce(is_valid_postcode(postal_code, country), true), updated_at
    FROM raw.customer_records
    UNION ALL
    SELECT source_system, 'birth_date', CAST(birth_date AS VARCHAR),
           birth_date >= DATE '1900-01-01' AND birth_date <= current_date(), updated_at
    FROM raw.customer_records
    UNION ALL
    SELECT source_system, 'first_name', first_name, CAST(NULL AS BOOLEAN), updated_at
    FROM raw.customer_records
    UNION ALL
    SELECT source_system, 'last_name', last_name, CAST(NULL AS BOOLEAN), updated_at
    FROM raw.customer_records
    UNION ALL
    SELECT source_system, 'address_line1', address_line1, CAST(NULL AS BOOLEAN), updated_at
    FROM raw.customer_records
    UNION ALL
    SELECT source_system, 'city', city, CAST(NULL AS BOOLEAN), updated_at
    FROM raw.customer_records
),
filled AS (
    SELECT *, value IS NOT NULL AND trim(value) <> '' AS is_filled FROM fields
)
SELECT
    source_system,
    field,
    count(*)                                                            AS records,
    sum(CASE WHEN is_filled THEN 1 ELSE 0 END)                          AS filled,
    avg(CASE WHEN is_filled THEN 1.0 ELSE 0.0 END)                      AS completeness,
    avg(CASE WHEN is_filled THEN CASE WHEN valid THEN 1.0 WHEN NOT valid THEN 0.0 END END)
                                                                        AS validity,
    CAST(count(DISTINCT CASE WHEN is_filled THEN value END) AS DOUBLE)
        / nullif(sum(CASE WHEN is_filled THEN 1 ELSE 0 END), 0)         AS uniqueness,
    max(updated_at)                                                     AS newest_update,
    CAST(current_date() - CAST(max(updated_at) AS DATE) AS BIGINT)      AS freshness_days
FROM filled
GROUP BY source_system, field;
