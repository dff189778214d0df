-- segment: high_churn_risk
-- description: Customers the BG/NBD model (or, for one-time buyers, the time since their only purchase) says are probably lost, with what they are worth if won back; from `amigo ltv`.
-- requires: analytics.ltv_scores
--
-- analytics.ltv_scores.churn_risk is 'high' when P(alive) < 0.3, or for a one-time buyer when
-- the purchase is over 26 weeks old (see sql/ltv/03_scores.sql); change the bands there.
-- Installed only once `amigo ltv` has scored the customers: run it, then `amigo segment install`.
CREATE OR REPLACE VIEW segments.high_churn_risk AS
SELECT
    s.unified_id,
    s.p_alive,
    s.frequency + 1            AS purchase_days,
    s.monetary                 AS mean_repeat_spend_eur,
    s.clv                      AS clv_eur,
    v.revenue_eur,
    v.last_order_on
FROM analytics.ltv_scores s
JOIN segments.customer_value v ON v.unified_id = s.unified_id
WHERE s.churn_risk = 'high';
