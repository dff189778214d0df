-- incremental/04_score.sql: the new pairs' match weights and probabilities, by 04_score.sql's
-- views, under the model the last full run trained (identity.fs_trained_model) and its name
-- frequencies (identity.term_frequencies).

CREATE OR REPLACE TABLE identity.comparison_vectors AS SELECT * FROM identity.vectors_of_comparisons;
CREATE OR REPLACE TABLE identity.scored_pairs AS SELECT * FROM identity.weighed_pairs;
