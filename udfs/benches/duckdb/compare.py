"""Times DuckDB's jaro_winkler_similarity and levenshtein on the benchmark's pairs.

Run by `amigo bench functions --duckdb`, which writes the pairs (a Parquet file with string
columns `a` and `b`) and reads the JSON this prints on standard output:

    {"duckdb_version": "...", "pairs": N, "ascii_pairs": M, "runs": R,
     "functions": {"jaro_winkler_similarity": {"sum": S, "ascii_sum": A,
     "threads": {"1": {"best_seconds": T, "seconds": [...]}, "2": {...}}},
     "levenshtein": {...}}}

The pairs are loaded into an in-memory table first, so only the function is timed, not Parquet
decoding (amigo's side times its kernel over in-memory Arrow batches too). `SELECT sum(f(a, b))`
forces every value to be computed. Each function is timed with 1 thread (what amigo's
single-threaded kernel is compared to) and with 2 threads (this machine's cores), best of R runs.
"""

import argparse
import json
import sys
import time

import duckdb

FUNCTIONS = ["jaro_winkler_similarity", "levenshtein"]


def best_of(con, sql, runs):
    seconds = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = con.execute(sql).fetchone()[0]
        seconds.append(time.perf_counter() - started)
    return min(seconds), seconds, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", required=True, help="Parquet file with columns a, b")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    args = parser.parse_args()

    con = duckdb.connect(":memory:")
    con.execute(
        "CREATE TABLE pairs AS SELECT a, b FROM read_parquet(?)", [args.pairs]
    )
    pairs = con.execute("SELECT count(*) FROM pairs").fetchone()[0]
    ascii_pairs = con.execute(
        "SELECT count(*) FROM pairs WHERE strlen(a) = length(a) AND strlen(b) = length(b)"
    ).fetchone()[0]
    report = {
        "duckdb_version": duckdb.__version__,
        "pairs": pairs,
        "ascii_pairs": ascii_pairs,
        "runs": args.runs,
        "functions": {},
    }
    for function in FUNCTIONS:
        # Sums as DOUBLE for both: levenshtein's integer sum fits a double exactly at this size.
        sql = f"SELECT sum({function}(a, b))::DOUBLE FROM pairs"
        entry = {"threads": {}}
        for threads in [int(t) for t in args.threads.split(",") if t]:
            con.execute(f"SET threads = {threads}")
            best, seconds, total = best_of(con, sql, args.runs)
            entry["threads"][str(threads)] = {"best_seconds": best, "seconds": seconds}
            entry["sum"] = total
        # DuckDB compares bytes, not characters: on non-ASCII pairs its results differ from a
        # function that compares characters. The ASCII-only sum checks the semantics where
        # both must agree.
        entry["ascii_sum"] = con.execute(
            f"SELECT coalesce(sum({function}(a, b)), 0)::DOUBLE FROM pairs "
            "WHERE strlen(a) = length(a) AND strlen(b) = length(b)"
        ).fetchone()[0]
        report["functions"][function] = entry
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
