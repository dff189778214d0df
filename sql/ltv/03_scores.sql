-- 03_scores.sql: per customer, with the models of analytics.ltv_models and the horizon
-- and discount rate of analytics.ltv_settings:
--   p_alive                 probability the customer is still active (BG/NBD);
--   expected_purchases_90d  purchase days expected in the next 90 days (90/7 weeks);
--   expected_spend          expected spend per purchase day (Gamma-Gamma);
--   clv                     discounted value over horizon_months months;
--   churn_risk              'high' (p_alive < 0.3), 'medium' (< 0.7) or 'low'. The BG/NBD
--                           model says a one-time buyer is alive (p_alive = 1): it cannot have
--                           dropped out before a repeat purchase it never made. For them the band
--                           comes from the time since their only purchase instead: 'high' after
--                           26 weeks, 'medium' after 13.
CREATE OR REPLACE TABLE analytics.ltv_scores AS
WITH latest AS (
    SELECT bgnbd, gamma_gamma FROM analytics.ltv_models
),
settings AS (
    SELECT max(horizon_months) AS horizon_months, max(monthly_discount_rate) AS rate
    FROM analytics.ltv_settings
),
scored AS (
    SELECT
        s.unified_id,
        s.frequency,
        s.recency,
        s.t,
        s.monetary,
        bgnbd_p_alive(s.frequency, s.recency, s.t, m.bgnbd)                       AS p_alive,
        bgnbd_expected_purchases(90.0 / 7.0, s.frequency, s.recency, s.t, m.bgnbd) AS expected_purchases_90d,
        gamma_gamma_expected_spend(s.frequency, s.monetary, m.gamma_gamma)        AS expected_spend,
        clv(s.frequency, s.recency, s.t, s.monetary, m.bgnbd, m.gamma_gamma,
            p.horizon_months, p.rate)                                             AS clv
    FROM analytics.ltv_summary s
    CROSS JOIN latest m
    CROSS JOIN settings p
)
SELECT
    *,
    CASE
        WHEN frequency = 0 THEN
            CASE WHEN t > 26 THEN 'high' WHEN t > 13 THEN 'medium' ELSE 'low' END
        WHEN p_alive < 0.3 THEN 'high'
        WHEN p_alive < 0.7 THEN 'medium'
        ELSE 'low'
    END AS churn_risk
FROM scored;
