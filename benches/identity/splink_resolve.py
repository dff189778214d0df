"""Splink (DuckDB backend) on the same records `amigo resolve` resolves: the peer of
`amigo bench resolve --splink`.

    python splink_resolve.py RECORDS.parquet CLUSTERS.parquet

Reads raw.customer_records as the generator writes it (canonical Parquet), trains a
reasonable Splink model the way its tutorials do (u from random pairs, m by EM on two
blocking rules), predicts pairs and clusters them at 0.95, and writes one row per record:
record_id (source_system:source_id, as amigo names records) and cluster_id. The caller
times the run and scores the clusters against the ground truth with the same SQL it uses
for amigo, so neither side grades its own work.
"""

import sys
import time

import duckdb
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.backends.duckdb import DuckDBAPI


def main(records_path: str, clusters_path: str) -> None:
    started = time.perf_counter()
    con = duckdb.connect()
    # The cleaning a Splink user does before matching: trimmed lower case, digits-only
    # phones, dates as dates. No nickname tables, no phonetic keys: Splink's own
    # comparisons (Jaro-Winkler, Damerau-Levenshtein) handle typos.
    con.execute(
        """
        CREATE TABLE records AS
        SELECT
            source_system || ':' || source_id                       AS unique_id,
            nullif(lower(trim(first_name)), '')                      AS first_name,
            nullif(lower(trim(last_name)), '')                       AS last_name,
            nullif(lower(trim(email)), '')                           AS email,
            nullif(regexp_replace(phone, '[^0-9]', '', 'g'), '')     AS phone,
            birth_date,
            nullif(lower(trim(address_line1)), '')                   AS address,
            nullif(upper(replace(postal_code, ' ', '')), '')         AS postcode
        FROM read_parquet(?)
        """,
        [records_path],
    )
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("last_name"),
            cl.EmailComparison("email"),
            cl.LevenshteinAtThresholds("phone", [1, 2]),
            cl.DateOfBirthComparison("birth_date", input_is_string=False),
            cl.JaroWinklerAtThresholds("address", [0.9]),
            cl.ExactMatch("postcode"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("email"),
            block_on("phone"),
            block_on("first_name", "last_name"),
            block_on("last_name", "postcode"),
            block_on("first_name", "birth_date"),
        ],
    )
    records = DuckDBAPI(connection=con).register("records")
    linker = Linker(records, settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("email"), block_on("first_name", "last_name", "birth_date")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "last_name")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("email"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=0.95
    )
    clusters_table = clusters.physical_name
    con.execute(
        f"COPY (SELECT unique_id AS record_id, CAST(cluster_id AS VARCHAR) AS cluster_id "
        f"FROM {clusters_table}) TO ? (FORMAT parquet)",
        [clusters_path],
    )
    print(f"splink resolved in {time.perf_counter() - started:.2f} s", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: splink_resolve.py RECORDS.parquet CLUSTERS.parquet")
    main(sys.argv[1], sys.argv[2])
