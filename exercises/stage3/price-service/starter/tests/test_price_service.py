import json

from price_service import FEATURES, export_model, make_dataset, train_pipeline


def test_dataset_has_the_features():
    X, y = make_dataset(n=20)
    assert list(X.columns) == FEATURES
    assert len(y) == 20


def test_export_writes_json(tmp_path):
    X, y = make_dataset()
    export_model(train_pipeline(X, y), tmp_path / "model.json")
    raw = json.loads((tmp_path / "model.json").read_text(encoding="utf-8"))
    assert raw["features"] == FEATURES
