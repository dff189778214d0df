-- 04_rfm.sql: RFM per unified customer with quintile scores 1..5 (5 best):
--   recency_days  days from the last purchase day to the cutoff (fewer is better);
--   frequency     purchase days (the first one included);
--   monetary      total spend.
-- A score is ceil(5 × the share of customers at or below the customer's value), so ties share
-- a score and the result does not depend on row order. rfm_code concatenates the three scores.
CREATE OR REPLACE TABLE analytics.rfm AS
WITH base AS (
    SELECT
        unified_id,
        CAST(cutoff_day - last_day AS BIGINT) AS recency_days,
        frequency + 1                         AS frequency,
        total_spend                           AS monetary
    FROM analytics.ltv_summary
),
scored AS (
    SELECT
        *,
        CAST(ceil(5 * cume_dist() OVER (ORDER BY recency_days DESC)) AS INT) AS r_score,
        CAST(ceil(5 * cume_dist() OVER (ORDER BY frequency)) AS INT)         AS f_score,
        CAST(ceil(5 * cume_dist() OVER (ORDER BY monetary)) AS INT)          AS m_score
    FROM base
)
SELECT
    *,
    CAST(r_score AS VARCHAR) || CAST(f_score AS VARCHAR) || CAST(m_score AS VARCHAR) AS rfm_code
FROM scored;
