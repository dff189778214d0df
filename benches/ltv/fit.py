"""Fits lifetimes' BG/NBD and Gamma-Gamma models on the customers `amigo bench ltv` generated.

Usage: fit.py CUSTOMERS.csv RUNS. The CSV has frequency, recency, T, monetary_value (weeks).
Prints one JSON object: the best wall time of the two fits over RUNS runs (the CSV read is not
timed) and the fitted parameters.
"""

import json
import sys
import time

import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter


def main() -> None:
    path, runs = sys.argv[1], int(sys.argv[2])
    data = pd.read_csv(path)
    repeat = data[(data["frequency"] > 0) & (data["monetary_value"] > 0)]
    best = None
    for _ in range(runs):
        started = time.perf_counter()
        bgf = BetaGeoFitter(penalizer_coef=0.0)
        bgf.fit(data["frequency"], data["recency"], data["T"])
        ggf = GammaGammaFitter(penalizer_coef=0.0)
        ggf.fit(repeat["frequency"], repeat["monetary_value"])
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    print(
        json.dumps(
            {
                "seconds": best,
                "bgnbd": {k: float(v) for k, v in bgf.params_.items()},
                "gamma_gamma": {k: float(v) for k, v in ggf.params_.items()},
            }
        )
    )


if __name__ == "__main__":
    main()
