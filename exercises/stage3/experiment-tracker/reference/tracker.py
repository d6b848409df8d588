"""A tiny, file-based experiment tracker in the spirit of MLflow (no MLflow).

Everything lives under one root folder::

    root/
      runs/<run_id>/run.json     one JSON document per run, rewritten atomically
      artifacts/<sha256>         content-addressed copies of logged files

Usage::

    tracker = Tracker("mlruns")
    with tracker.start_run("gbr", {"lr": 0.1, "depth": 3}) as run:
        for step, loss in enumerate(losses):
            run.log_metric("loss", loss, step)
        run.log_artifact("model.joblib")
    tracker.best_run("loss", mode="min")
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

import pandas as pd

RUNS_DIR = "runs"
ARTIFACTS_DIR = "artifacts"
RUN_FILE = "run.json"
STATUSES = ("running", "finished", "failed")
FILTER_KEYS = {"name", "status", "params"}


class TrackerError(Exception):
    """Base class of every error this module raises on purpose."""


class RunNotFoundError(TrackerError, KeyError):
    """No run with the requested id exists in the store."""


class ArtifactNotFoundError(TrackerError, KeyError):
    """No artifact with the requested sha256 exists in the store."""


class RunClosedError(TrackerError):
    """The run has already ended: it accepts no more metrics or artifacts."""


def simulate_training(params: dict[str, Any], epochs: int) -> list[float]:
    """A stand-in for a training loop: the loss after each of ``epochs`` epochs.

    Deterministic: depends only on ``params["lr"]`` (default 0.1) and
    ``params["depth"]`` (default 4). Given, do not change it.
    """
    lr = float(params.get("lr", 0.1))
    depth = int(params.get("depth", 4))
    floor = 0.05 + 0.2 * (math.log10(lr) + 1.5) ** 2 + 0.03 * abs(depth - 4)
    return [
        round(floor + (1.0 - floor) * math.exp(-3.0 * lr * epoch), 6)
        for epoch in range(1, epochs + 1)
    ]


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file only.

    The bytes go to a temporary file in the same folder, which then replaces
    ``path`` with ``os.replace``. On failure the temporary file is removed.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _check_params(params: dict[str, Any] | None) -> dict[str, Any]:
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise TypeError("params must be a dict")
    for key, value in params.items():
        if not isinstance(key, str):
            raise TypeError(f"param names must be strings, got {key!r}")
        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise TypeError(f"param {key!r} has unsupported type {type(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"param {key!r} is not finite")
    return dict(params)


class Run:
    """One run of the tracker; use it as a context manager."""

    def __init__(self, tracker: "Tracker", record: dict[str, Any]) -> None:
        """Created by :meth:`Tracker.start_run`; not meant to be called directly."""
        self._tracker = tracker
        self._record = record
        self._lock = threading.Lock()

    @property
    def run_id(self) -> str:
        """The unique id of the run."""
        return self._record["run_id"]

    @property
    def status(self) -> str:
        """``"running"``, ``"finished"`` or ``"failed"``."""
        return self._record["status"]

    def _save(self) -> None:
        self._tracker._write_run(self._record)

    def _check_open(self) -> None:
        if self._record["status"] != "running":
            raise RunClosedError(f"run {self.run_id} is {self._record['status']}")

    def log_metric(self, key: str, value: float, step: int | None = None) -> None:
        """Append ``value`` to the history of metric ``key`` and save the run.

        ``step`` defaults to the number of values already logged for ``key``.

        Raises:
            ValueError: empty/non-string key, non-finite value, negative step.
            TypeError: a value that is not an int or float (bools rejected), or
                a step that is not an int.
            RunClosedError: if the run has ended.
        """
        if not isinstance(key, str) or not key:
            raise ValueError("metric key must be a non-empty string")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"metric value must be a number, got {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"metric value must be finite, got {value!r}")
        if step is not None and (isinstance(step, bool) or not isinstance(step, int)):
            raise TypeError(f"step must be an int, got {step!r}")
        if step is not None and step < 0:
            raise ValueError(f"step must be >= 0, got {step}")
        with self._lock:
            self._check_open()
            history = self._record["metrics"].setdefault(key, [])
            history.append(
                {
                    "step": len(history) if step is None else step,
                    "value": float(value),
                    "timestamp": self._tracker._now(),
                }
            )
            self._save()

    def log_artifact(self, path: str | Path) -> str:
        """Copy the file at ``path`` into the store and return its sha256 (hex).

        The copy lives at ``root/artifacts/<sha256>``; identical content is
        stored once. The run records ``{"name", "sha256", "size"}``.

        Raises:
            FileNotFoundError: if ``path`` is not an existing regular file.
            RunClosedError: if the run has ended.
        """
        source = Path(path)
        if not source.is_file():
            raise FileNotFoundError(f"no file at {source}")
        data = source.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        with self._lock:
            self._check_open()
            self._tracker._store_artifact(digest, data)
            self._record["artifacts"].append(
                {"name": source.name, "sha256": digest, "size": len(data)}
            )
            self._save()
        return digest

    def end(self, status: str = "finished", error: str | None = None) -> None:
        """End the run with ``status`` ``"finished"`` or ``"failed"`` and save it.

        Raises:
            ValueError: for any other status.
            RunClosedError: if the run has already ended.
        """
        if status not in ("finished", "failed"):
            raise ValueError(f"status must be 'finished' or 'failed', got {status!r}")
        with self._lock:
            self._check_open()
            self._record["status"] = status
            self._record["end_time"] = self._tracker._now()
            self._record["error"] = error
            self._save()

    def __enter__(self) -> "Run":
        """Return the run itself, so ``with tracker.start_run(...) as run:`` works."""
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        """End a still-running run: finished, or failed on an exception.

        On an exception the error text is ``f"{exc_type.__name__}: {exc}"``.
        Returns ``False`` so the exception always propagates.
        """
        if self._record["status"] == "running":
            if exc_type is None:
                self.end("finished")
            else:
                self.end("failed", f"{exc_type.__name__}: {exc}")
        return False


class Tracker:
    """A store of runs under ``root`` (created if needed)."""

    def __init__(
        self, root: str | Path, clock: Callable[[], float] = time.time
    ) -> None:
        """``clock`` gives the timestamps (seconds); inject a fake one in tests."""
        self.root = Path(root)
        self.clock = clock
        (self.root / RUNS_DIR).mkdir(parents=True, exist_ok=True)
        (self.root / ARTIFACTS_DIR).mkdir(parents=True, exist_ok=True)

    def _now(self) -> float:
        return float(self.clock())

    def _run_file(self, run_id: str) -> Path:
        return self.root / RUNS_DIR / run_id / RUN_FILE

    def _write_run(self, record: dict[str, Any]) -> None:
        data = json.dumps(record, indent=2, sort_keys=True).encode("utf-8")
        atomic_write_bytes(self._run_file(record["run_id"]), data)

    def _store_artifact(self, digest: str, data: bytes) -> None:
        target = self.root / ARTIFACTS_DIR / digest
        if not target.exists():
            atomic_write_bytes(target, data)

    def start_run(self, name: str, params: dict[str, Any] | None = None) -> Run:
        """Create, save and return a new run with status ``"running"``.

        Raises:
            ValueError: if ``name`` is not a non-empty string.
            TypeError: if ``params`` is not a dict of str to str/int/float/bool/None.
        """
        if not isinstance(name, str) or not name.strip():
            raise ValueError("run name must be a non-empty string")
        record = {
            "run_id": uuid.uuid4().hex,
            "name": name,
            "params": _check_params(params),
            "status": "running",
            "start_time": self._now(),
            "end_time": None,
            "error": None,
            "metrics": {},
            "artifacts": [],
        }
        self._run_file(record["run_id"]).parent.mkdir(parents=True)
        self._write_run(record)
        return Run(self, record)

    def get_run(self, run_id: str) -> dict[str, Any]:
        """Return the run's record, read from disk.

        Raises:
            RunNotFoundError: if there is no such run.
        """
        path = self._run_file(str(run_id))
        if "/" in str(run_id) or not path.is_file():
            raise RunNotFoundError(run_id)
        return json.loads(path.read_text(encoding="utf-8"))

    def list_runs(self, filter: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Return the matching run records, oldest ``start_time`` first.

        ``filter`` may hold ``"name"`` and ``"status"`` (exact match) and
        ``"params"`` (a dict every item of which must be in the run's params).
        Ties on ``start_time`` are ordered by ``run_id``.

        Raises:
            ValueError: if ``filter`` has another key.
        """
        wanted = dict(filter or {})
        unknown = set(wanted) - FILTER_KEYS
        if unknown:
            raise ValueError(f"unknown filter keys: {sorted(unknown)}")
        runs = []
        for path in (self.root / RUNS_DIR).glob(f"*/{RUN_FILE}"):
            record = json.loads(path.read_text(encoding="utf-8"))
            if "name" in wanted and record["name"] != wanted["name"]:
                continue
            if "status" in wanted and record["status"] != wanted["status"]:
                continue
            params = wanted.get("params") or {}
            if any(
                key not in record["params"] or record["params"][key] != value
                for key, value in params.items()
            ):
                continue
            runs.append(record)
        return sorted(runs, key=lambda r: (r["start_time"], r["run_id"]))

    def best_run(self, metric: str, mode: str = "max") -> dict[str, Any] | None:
        """Return the finished run whose last ``metric`` value is best, or None.

        Only runs with status ``"finished"`` and at least one value of
        ``metric`` count. ``mode`` is ``"max"`` or ``"min"``; ties go to the
        run listed first by :meth:`list_runs`.

        Raises:
            ValueError: if ``mode`` is neither ``"max"`` nor ``"min"``.
        """
        if mode not in ("max", "min"):
            raise ValueError(f"mode must be 'max' or 'min', got {mode!r}")
        best, best_value = None, None
        for record in self.list_runs({"status": "finished"}):
            history = record["metrics"].get(metric)
            if not history:
                continue
            value = history[-1]["value"]
            better = (
                best_value is None
                or (mode == "max" and value > best_value)
                or (mode == "min" and value < best_value)
            )
            if better:
                best, best_value = record, value
        return best

    def compare(self, run_ids: list[str]) -> pd.DataFrame:
        """Return one row per run id (in the given order) to compare runs.

        Index: the run ids (index name ``"run_id"``). Columns: ``name``,
        ``status``, then ``param.<key>`` for every param key of these runs
        (sorted), then ``metric.<key>`` with the last logged value of every
        metric key (sorted). Missing entries are NaN.

        Raises:
            RunNotFoundError: if an id is unknown.
        """
        records = [self.get_run(run_id) for run_id in run_ids]
        param_keys = sorted({k for r in records for k in r["params"]})
        metric_keys = sorted({k for r in records for k in r["metrics"]})
        rows = []
        for record in records:
            row: dict[str, Any] = {"name": record["name"], "status": record["status"]}
            for key in param_keys:
                row[f"param.{key}"] = record["params"].get(key, math.nan)
            for key in metric_keys:
                history = record["metrics"].get(key)
                row[f"metric.{key}"] = history[-1]["value"] if history else math.nan
            rows.append(row)
        columns = (
            ["name", "status"]
            + [f"param.{k}" for k in param_keys]
            + [f"metric.{k}" for k in metric_keys]
        )
        index = pd.Index(list(run_ids), name="run_id")
        return pd.DataFrame(rows, index=index, columns=columns)

    def read_artifact(self, sha256: str) -> bytes:
        """Return the stored bytes of an artifact.

        Raises:
            ArtifactNotFoundError: if no artifact has this sha256.
        """
        path = self.root / ARTIFACTS_DIR / str(sha256)
        if "/" in str(sha256) or not path.is_file():
            raise ArtifactNotFoundError(sha256)
        return path.read_bytes()


def sweep(
    tracker: Tracker,
    name: str,
    grid: list[dict[str, Any]],
    epochs: int = 5,
    workers: int = 4,
) -> list[str]:
    """Run one tracked training per params dict of ``grid``, ``workers`` at a time.

    Each run (named ``name``, with the grid entry as params) logs ``"loss"``
    at steps ``0..epochs-1`` (the values of :func:`simulate_training`), then
    ``"final_loss"`` (the last loss), then two artifacts: ``params.json``
    (``json.dumps(params, sort_keys=True)``) and ``grid.json``
    (``json.dumps(grid, sort_keys=True)``). Runs execute in a thread pool.

    A *parent* run named ``f"{name}:sweep"`` with params
    ``{"size": len(grid), "workers": workers}`` is started first; every
    worker, once its own run has ended, logs its final loss to the parent as
    ``"trial_loss"`` (default step). The parent ends when all workers are done
    (failed if one of them raised). An empty grid creates no run at all.

    Returns the run ids of the grid entries, in grid order.

    Raises:
        ValueError: if ``workers < 1`` or ``epochs < 1``.
    """
    if workers < 1 or epochs < 1:
        raise ValueError("workers and epochs must be at least 1")
    if not grid:
        return []
    grid_text = json.dumps(grid, sort_keys=True)

    def train(parent: Run, params: dict[str, Any]) -> str:
        with tracker.start_run(name, params) as run:
            losses = simulate_training(params, epochs)
            for step, loss in enumerate(losses):
                run.log_metric("loss", loss, step)
            run.log_metric("final_loss", losses[-1])
            with tempfile.TemporaryDirectory() as folder:
                for filename, text in (
                    ("params.json", json.dumps(params, sort_keys=True)),
                    ("grid.json", grid_text),
                ):
                    path = Path(folder) / filename
                    path.write_text(text, encoding="utf-8")
                    run.log_artifact(path)
        parent.log_metric("trial_loss", losses[-1])
        return run.run_id

    sizes = {"size": len(grid), "workers": workers}
    with tracker.start_run(f"{name}:sweep", sizes) as parent:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(lambda params: train(parent, params), grid))
