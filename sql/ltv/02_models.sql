-- 02_models.sql: fits the models on every customer of the summary and stores the fitted
-- parameters in analytics.ltv_models (one row, replaced at each run; 03_scores.sql reads it):
--   bgnbd        struct {r, alpha, a, b, log_likelihood, iterations, converged}: purchases
--                (alpha in weeks);
--   gamma_gamma  struct {p, q, gamma, log_likelihood, iterations, converged}: spend per
--                purchase day, fitted on repeat customers with a positive mean spend only.
-- Check `converged` before trusting scores: a few hundred customers is the least a fit needs.
CREATE OR REPLACE TABLE analytics.ltv_models AS
SELECT
    now()                                                                AS fitted_at,
    max(cutoff_day)                                                      AS cutoff_day,
    count(*)                                                             AS customers,
    bgnbd_fit(frequency, recency, t)                                     AS bgnbd,
    -- NULL rows are skipped: repeat customers whose repeat orders were all free are left out.
    gamma_gamma_fit(CASE WHEN monetary > 0 THEN frequency END, monetary) AS gamma_gamma
FROM analytics.ltv_summary;
