-- incremental/03_compare.sql: the new candidate pairs' comparison levels, by 03_compare.sql's
-- view identity.compared_pairs. No random pairs: the model is not trained again.

CREATE OR REPLACE VIEW identity.pairs_to_compare AS
SELECT left_id, right_id, rules, 'candidate' AS kind FROM identity.candidate_pairs;

CREATE OR REPLACE TABLE identity.comparisons AS SELECT * FROM identity.compared_pairs;
