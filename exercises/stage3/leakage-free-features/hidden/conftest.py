"""Fixtures: the seeded process behind data/customers.csv, and leakage traps."""

import numpy as np
import pandas as pd
import pytest

PLANS = ["basic", "plus", "pro"]
SIZES = ["S", "M", "L", "XL"]


def make_customers(n, seed, n_cities=60):
    """Customers with a churn label that depends on city, plan, size and income."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, n_cities + 1)
    cities = [f"city_{i:02d}" for i in range(n_cities)]
    city_effect = np.random.default_rng(1234).normal(0, 0.9, size=n_cities)
    city_idx = rng.choice(n_cities, size=n, p=weights / weights.sum())
    plan = rng.choice(PLANS, size=n, p=[0.5, 0.3, 0.2])
    size = rng.choice(SIZES, size=n, p=[0.3, 0.35, 0.25, 0.1])
    income = np.round(rng.lognormal(10.5, 0.5, size=n), 0)
    age = rng.integers(18, 80, size=n)
    logit = (
        -0.8
        + city_effect[city_idx]
        + np.select([plan == "basic", plan == "plus"], [0.6, 0.0], -0.7)
        - 0.3 * np.array([SIZES.index(s) for s in size])
        - 0.6 * (np.log(income) - 10.5)
    )
    churned = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1),
            "city": np.array(cities, dtype=object)[city_idx],
            "plan": plan.astype(object),
            "size": size.astype(object),
            "income": income,
            "age": age,
            "churned": churned,
        }
    )
    frame.loc[rng.random(n) < 0.05, "income"] = np.nan
    frame.loc[rng.random(n) < 0.04, "size"] = np.nan
    frame.loc[rng.random(n) < 0.02, "city"] = np.nan
    return frame


@pytest.fixture(scope="session")
def customers():
    """A fresh train/test pair from the same process as data/customers.csv."""
    frame = make_customers(1000, seed=77)
    return frame.iloc[:700].copy(), frame.iloc[700:].copy()


@pytest.fixture(scope="session")
def noise_customers():
    """Many tiny cities and a target that ignores them: pure noise to overfit."""
    rng = np.random.default_rng(2024)
    n = 1200
    frame = make_customers(n, seed=5)
    frame["city"] = np.array([f"town_{i:03d}" for i in rng.integers(0, 400, n)])
    frame["churned"] = rng.integers(0, 2, n)
    return frame


def pytest_configure(config):
    config.addinivalue_line("markers", "task(n): the exercise task of a test")
    config.addinivalue_line("markers", "points(p): the weight of a test")
