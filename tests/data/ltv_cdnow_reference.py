"""Reference values for tests/ltv.rs (`ltv_pipeline_on_cdnow_orders`), printed by lifetimes.

The test turns the CDNOW summaries (udfs/tests/data/cdnow_customers_summary_with_transactions.csv)
back into orders, runs `amigo ltv` on them and compares with what lifetimes makes of the very
same orders: its summary (summary_data_from_transaction_data, freq="D", freq_multiplier=7, i.e.
exact days / 7), its BG/NBD and Gamma-Gamma fits, and P(alive) of a few customers. The orders
built here must stay those the test builds (`cdnow_orders` there); only the orders that count
are given to lifetimes (it has no notion of a cancelled order).

Run with the venv of `amigo bench ltv --lifetimes` (benches/ltv/requirements.txt):
    ~/.cache/amigo/ltv-bench-venv/bin/python tests/data/ltv_cdnow_reference.py
"""

import csv
import datetime as dt
import json
import pathlib

import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import summary_data_from_transaction_data

CUTOFF = dt.date(1997, 9, 30)
FIRST_SPEND_CENTS = 2000
P_ALIVE_IDS = [1, 2, 3, 18, 1516]


def counted_orders():
    """(customer, day, cents) of every order that counts, as the test builds them."""
    path = pathlib.Path(__file__).parents[2] / "udfs/tests/data/cdnow_customers_summary_with_transactions.csv"
    orders = []
    for row in csv.DictReader(path.open()):
        cid, x = int(row["ID"]), int(row["x"])
        t_days = round(float(row["T"]) * 7)
        recency_days = round(float(row["t_x"]) * 7)
        zbar = round(float(row["zbar"]) * 100)
        first = CUTOFF - dt.timedelta(days=t_days)
        orders.append((cid, first, FIRST_SPEND_CENTS))
        for k in range(1, x + 1):
            day = first + dt.timedelta(days=(2 * k * recency_days + x) // (2 * x))
            if k == 1:
                # Two orders on the first repeat day: one purchase day for the models.
                half = zbar // 2
                orders.append((cid, day, half))
                orders.append((cid, day, zbar - half))
            else:
                orders.append((cid, day, zbar))
    return orders


def main() -> None:
    log = pd.DataFrame(counted_orders(), columns=["customer", "day", "cents"])
    log["day"] = pd.to_datetime(log["day"])
    log["amount"] = log["cents"] / 100.0
    summary = summary_data_from_transaction_data(
        log, "customer", "day", monetary_value_col="amount",
        observation_period_end=pd.Timestamp(CUTOFF), freq="D", freq_multiplier=7,
    )
    bgf = BetaGeoFitter(penalizer_coef=0.0)
    bgf.fit(summary["frequency"], summary["recency"], summary["T"])
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    ggf = GammaGammaFitter(penalizer_coef=0.0)
    ggf.fit(repeat["frequency"], repeat["monetary_value"])
    alive = {
        cid: float(np.asarray(bgf.conditional_probability_alive(
            summary.loc[cid, "frequency"], summary.loc[cid, "recency"], summary.loc[cid, "T"])).reshape(-1)[0])
        for cid in P_ALIVE_IDS
    }
    print(json.dumps({
        "customers": len(summary),
        "frequency_sum": float(summary["frequency"].sum()),
        "bgnbd": {k: float(v) for k, v in bgf.params_.items()},
        "gamma_gamma": {k: float(v) for k, v in ggf.params_.items()},
        "p_alive": alive,
        "summary": {cid: [float(summary.loc[cid, c]) for c in ["frequency", "recency", "T", "monetary_value"]]
                    for cid in P_ALIVE_IDS},
    }, indent=1))


if __name__ == "__main__":
    main()
