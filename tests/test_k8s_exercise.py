"""The Kubernetes exercise (stage4/k8s-manifests): its vendored schemas, the reference and
the starter graded, and the hidden suite rejecting every kept wrong answer with the task
that should fail."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from grader.authoring.validate import graded_folder
from grader.catalog import ExercisePack
from grader.catalog.model import Exercise
from grader.pipeline import grade_workspace
from grader.scorecard.model import outcomes_of

ROOT = Path(__file__).resolve().parents[1]
EXERCISE_DIR = ROOT / "exercises" / "stage4" / "k8s-manifests"
SCHEMAS = EXERCISE_DIR / "hidden" / "schemas"
WRONG = sorted(p for p in (EXERCISE_DIR / "wrong").iterdir() if p.is_dir())
MANIFESTS = ("deployment.yaml", "service.yaml", "ingress.yaml")
# Each kept wrong answer, the task whose gate it must break, and the hidden test
# (a prefix of its name) that says so.
EXPECTED = {
    "ingress_extensions_v1beta1": (1, "test_each_file_holds_the_right_kind"),
    "misspelled_field": (1, "test_each_file_is_valid_against_the_kubernetes_schema"),
    "latest_tag": (2, "test_image_tag_is_pinned"),
    "untagged_image": (2, "test_image_tag_is_pinned"),
    "selector_mismatch": (2, "test_selector_matches_the_pod_template_labels"),
    "one_replica_max_unavailable_1": (2, "test_at_least_two_replicas"),
    "no_run_as_non_root": (2, "test_pods_run_as_non_root"),
    "no_probes": (3, "test_probe_gets_health_on_the_container_port"),
    "probe_wrong_path": (3, "test_probe_gets_health_on_the_container_port"),
    "limits_below_requests": (3, "test_limits_are_at_least_the_requests"),
    "service_port_mismatch": (4, "test_service_target_port_is_a_container_port"),
    "service_selects_nothing": (4, "test_service_selects_the_deployments_pods"),
    "ingress_wrong_service": (4, "test_ingress_backend_is_the_service"),
    "ingress_unknown_port": (4, "test_ingress_backend_is_the_service"),
}


@pytest.fixture(scope="module")
def exercise() -> Exercise:
    return ExercisePack(ROOT / "exercises").get("stage4/k8s-manifests")


def test_every_ref_in_the_vendored_schemas_resolves():
    """The pruned _definitions.json still holds every definition the three kinds reach."""
    defs = json.loads((SCHEMAS / "_definitions.json").read_text(encoding="utf-8"))
    texts = [p.read_text(encoding="utf-8") for p in SCHEMAS.glob("*.json")]
    refs = {r for text in texts for r in re.findall(r'#/\$defs/([^"]+)"', text)}
    assert refs and refs <= set(defs["$defs"])
    assert (SCHEMAS / "NOTICE").is_file()


def test_reference_passes_and_the_starter_scores_0(exercise, local_backend):
    with graded_folder(exercise, "reference") as folder:
        card = grade_workspace(folder, exercise=exercise, backend=local_backend)
    assert card.status == "pass" and card.score == card.max_score
    with graded_folder(exercise, "starter") as folder:
        card = grade_workspace(folder, exercise=exercise, backend=local_backend)
    assert card.status != "pass" and card.score == 0
    assert all(not g.held for g in card.gates if g.task is not None)


def test_at_least_ten_wrong_answers_are_kept_and_each_is_complete():
    assert len(WRONG) >= 10
    assert {p.name for p in WRONG} == set(EXPECTED)
    for wrong in WRONG:
        for name in MANIFESTS:
            assert (wrong / "k8s" / name).is_file(), f"{wrong.name} lacks k8s/{name}"


@pytest.mark.slow
@pytest.mark.parametrize("wrong", WRONG, ids=[p.name for p in WRONG])
def test_every_wrong_answer_is_rejected_by_its_task(exercise, local_backend, wrong):
    card = grade_workspace(wrong, exercise=exercise, backend=local_backend)
    assert card.status != "pass", f"{wrong.name} passed"
    task, test = EXPECTED[wrong.name]
    missed = {g.task for g in card.gates if g.task is not None and not g.held}
    assert task in missed, f"{wrong.name}: task {task}'s gate held ({missed} did not)"
    tests = card.check("tests")
    assert tests is not None and tests.status != "error", tests and tests.message
    failed = [o.id for o in outcomes_of(tests) if o.status != "passed"]
    assert any(i.split("::")[-1].startswith(test) for i in failed), failed
