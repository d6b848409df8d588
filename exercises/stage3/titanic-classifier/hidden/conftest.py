"""Fixtures: the seeded process behind data/passengers.csv, and a holdout."""

import numpy as np
import pandas as pd
import pytest

SURNAMES = [
    "Abbott",
    "Allen",
    "Andersson",
    "Baker",
    "Barton",
    "Becker",
    "Brown",
    "Carter",
    "Chen",
    "Clarke",
    "Collins",
    "Dean",
    "Dodge",
    "Evans",
    "Fischer",
    "Ford",
    "Goldsmith",
    "Graham",
    "Hansen",
    "Harris",
    "Hoffman",
    "Jensen",
    "Johnson",
    "Kelly",
    "Larsson",
    "Lee",
    "Lindqvist",
    "Murphy",
    "Nakid",
    "Nilsson",
    "O'Brien",
    "Olsen",
    "Palmer",
    "Petersen",
    "Quick",
    "Rice",
    "Rossi",
    "Sage",
    "Smith",
    "Taylor",
    "Thomas",
    "Turner",
    "Wang",
    "Ward",
    "White",
    "Williams",
]
MALE_NAMES = [
    "John",
    "William",
    "Charles",
    "George",
    "James",
    "Thomas",
    "Henry",
    "Arthur",
    "Frederick",
    "Albert",
    "Edward",
    "Karl",
    "Johan",
    "Patrick",
    "Owen",
    "Leo",
]
FEMALE_NAMES = [
    "Mary",
    "Anna",
    "Elizabeth",
    "Margaret",
    "Alice",
    "Helen",
    "Ellen",
    "Emily",
    "Maria",
    "Bertha",
    "Kate",
    "Hilda",
    "Agnes",
    "Rose",
    "Nora",
    "Edith",
]
RARE_MALE = ["Dr", "Rev", "Col", "Major", "Capt", "Sir", "Jonkheer", "Don"]
RARE_FEMALE = ["Lady", "the Countess", "Dona", "Dr"]


def _title(rng, female, age):
    roll = rng.random()
    if female:
        if roll < 0.02:
            return str(rng.choice(RARE_FEMALE))
        if roll < 0.05:
            return str(rng.choice(["Mlle", "Ms", "Mme"]))
        married = age is not None and age >= 22 and rng.random() < 0.65
        return "Mrs" if married else "Miss"
    if age is not None and age < 13:
        return "Master"
    if roll < 0.04:
        return str(rng.choice(RARE_MALE))
    return "Mr"


def make_passengers(n, seed, first_id=1):
    """Generate n Titanic-like passengers with a seeded random generator."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        pclass = int(rng.choice([1, 2, 3], p=[0.24, 0.21, 0.55]))
        female = bool(rng.random() < (0.44 if pclass == 1 else 0.36))
        child = rng.random() < 0.1
        mean_age = 31 + 6 * (3 - pclass)
        age = float(rng.uniform(0.5, 13) if child else rng.normal(mean_age, 12))
        age = float(np.clip(age, 0.4, 80))
        title = _title(rng, female, age)
        if title in ("Mlle", "Ms", "Miss") and age > 40:
            age = float(rng.uniform(16, 40))
        family = int(rng.choice(range(7), p=[0.6, 0.2, 0.1, 0.04, 0.03, 0.02, 0.01]))
        if child and family == 0:
            family = int(rng.integers(1, 4))
        sibsp = int(rng.integers(0, family + 1))
        parch = family - sibsp
        size = family + 1
        base = {1: 60.0, 2: 18.0, 3: 9.0}[pclass]
        fare = size * base * float(rng.lognormal(0, 0.35))
        surname = str(rng.choice(SURNAMES))
        given = str(rng.choice(FEMALE_NAMES if female else MALE_NAMES))
        if title == "Mrs" and rng.random() < 0.6:
            husband = str(rng.choice(MALE_NAMES))
            name = f"{surname}, Mrs. {husband} ({given} {rng.choice(SURNAMES)})"
        else:
            name = f"{surname}, {title}. {given}"
        logit = (
            -2.1
            + 3.0 * female
            + {1: 1.0, 2: 0.35, 3: -0.35}[pclass]
            + (1.8 if title == "Master" else 0.0)
            + (-0.6 if title in RARE_MALE else 0.0)
            - 0.025 * (age - 30)
            + (0.35 if 1 <= family <= 3 else 0.0)
            - (1.3 if family >= 4 else 0.0)
        )
        survived = int(rng.random() < 1 / (1 + np.exp(-logit)))
        cabin = None
        if rng.random() < {1: 0.8, 2: 0.15, 3: 0.03}[pclass]:
            deck = rng.choice(list("ABCDE") if pclass == 1 else list("DEFG"))
            cabin = f"{deck}{int(rng.integers(2, 130))}"
        embarked = str(rng.choice(["S", "C", "Q"], p=[0.72, 0.19, 0.09]))
        rows.append(
            {
                "PassengerId": first_id + i,
                "Survived": survived,
                "Pclass": pclass,
                "Name": name,
                "Sex": "female" if female else "male",
                "Age": round(age, 1) if rng.random() > 0.2 else np.nan,
                "SibSp": sibsp,
                "Parch": parch,
                "Ticket": str(int(rng.integers(10000, 400000))),
                "Fare": round(fare, 4) if rng.random() > 0.01 else np.nan,
                "Cabin": cabin if cabin is not None else np.nan,
                "Embarked": embarked if rng.random() > 0.005 else np.nan,
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture(scope="session")
def holdout():
    """500 fresh passengers from the same process."""
    frame = make_passengers(500, seed=31337, first_id=5001)
    return frame.drop(columns=["Survived"]), frame["Survived"]


@pytest.fixture(scope="session")
def training():
    """The shipped training data."""
    frame = pd.read_csv("data/passengers.csv")
    return frame.drop(columns=["Survived"]), frame["Survived"]


def pytest_configure(config):
    config.addinivalue_line("markers", "task(n): the exercise task of a test")
    config.addinivalue_line("markers", "points(p): the weight of a test")
