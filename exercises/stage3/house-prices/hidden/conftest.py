"""Shared fixtures: the seeded process that produced data/houses.csv, and a holdout."""

import numpy as np
import pandas as pd
import pytest

NUMERIC = ["area_sqm", "bedrooms", "bathrooms", "age_years", "distance_km"]
CATEGORICAL = ["district", "building_type", "condition"]

PRICE_PER_SQM = {
    "Central": 9.0,
    "Riverside": 7.2,
    "Hillcrest": 6.4,
    "Northgate": 5.4,
    "Eastwood": 4.6,
    "Southport": 4.0,
}
UNSEEN_DISTRICT = ("Lakeside", 6.8)
TYPE_FACTOR = {"apartment": 0.9, "townhouse": 1.0, "detached": 1.25}
CONDITION_FACTOR = {"poor": 0.8, "fair": 0.92, "good": 1.0, "excellent": 1.12}
MISSING = {
    "area_sqm": 0.05,
    "bathrooms": 0.03,
    "age_years": 0.08,
    "distance_km": 0.05,
    "district": 0.04,
    "condition": 0.06,
}


def make_houses(n, seed, unseen_share=0.0):
    """Generate n houses; unseen_share of them lie in a district never trained on."""
    rng = np.random.default_rng(seed)
    districts = list(PRICE_PER_SQM)
    district = rng.choice(districts, size=n, p=[0.12, 0.18, 0.15, 0.2, 0.2, 0.15])
    ppsqm = np.array([PRICE_PER_SQM[d] for d in district])
    if unseen_share:
        unseen = rng.random(n) < unseen_share
        district = np.where(unseen, UNSEEN_DISTRICT[0], district)
        ppsqm = np.where(unseen, UNSEEN_DISTRICT[1], ppsqm)
    building_type = rng.choice(list(TYPE_FACTOR), size=n, p=[0.5, 0.3, 0.2])
    condition = rng.choice(list(CONDITION_FACTOR), size=n, p=[0.1, 0.3, 0.45, 0.15])
    area = np.clip(rng.gamma(6.0, 16.0, size=n), 25, 400)
    area = np.where(building_type == "detached", area * 1.4, area)
    bedrooms = np.clip(np.round(area / 35 + rng.normal(0, 0.7, size=n)), 1, 7)
    bathrooms = np.clip(np.round(bedrooms / 2 + rng.normal(0, 0.5, size=n)), 1, 4)
    age = np.clip(rng.exponential(22.0, size=n), 0, 120)
    distance = np.clip(rng.gamma(2.0, 4.0, size=n), 0.3, 45)
    price = (
        area
        * ppsqm
        * np.array([TYPE_FACTOR[t] for t in building_type])
        * np.array([CONDITION_FACTOR[c] for c in condition])
        * np.exp(-0.005 * age)
        * (1.0 - 0.35 * distance / (distance + 10.0))
        + 12.0 * bathrooms
        + 8.0 * bedrooms
    )
    price = price * np.exp(rng.normal(0, 0.08, size=n))
    frame = pd.DataFrame(
        {
            "house_id": np.arange(1, n + 1),
            "area_sqm": np.round(area, 1),
            "bedrooms": bedrooms.astype(int),
            "bathrooms": bathrooms.astype(float),
            "age_years": np.round(age, 0),
            "distance_km": np.round(distance, 2),
            "district": district.astype(object),
            "building_type": building_type.astype(object),
            "condition": condition.astype(object),
            "price": np.round(price, 1),
        }
    )
    for column, share in MISSING.items():
        mask = rng.random(n) < share
        frame.loc[mask, column] = np.nan
    return frame


@pytest.fixture(scope="session")
def holdout():
    """600 fresh houses from the same process, 4% of them in an unseen district."""
    frame = make_houses(600, seed=20240611, unseen_share=0.04)
    return frame[NUMERIC + CATEGORICAL], frame["price"]


@pytest.fixture(scope="session")
def small_train():
    """A small training frame from the same process (fast fits)."""
    frame = make_houses(300, seed=7)
    return frame[NUMERIC + CATEGORICAL], frame["price"]


def pytest_configure(config):
    config.addinivalue_line("markers", "task(n): the exercise task of a test")
    config.addinivalue_line("markers", "points(p): the weight of a test")
