"""k8s-manifests' hidden suite: k8s/*.yaml read statically, never applied.

Each file is parsed with yaml.safe_load_all and must hold one object; each object is
validated against the Kubernetes 1.30 strict JSON schema of its kind (schemas/, see
NOTICE), then the rules of the instructions are asserted, naming the object and field.
"""

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource

HERE = Path(__file__).resolve().parent
SCHEMAS = HERE / "schemas"


def _resource(name):
    return Resource.from_contents(
        json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    )


# Read at import: the suite is sealed once collected.
_DEFINITIONS = _resource("_definitions.json")
REGISTRY = Registry().with_resource(_DEFINITIONS.id(), _DEFINITIONS)
KINDS = {
    "deployment": ("apps/v1", "Deployment", "deployment-apps-v1.json"),
    "service": ("v1", "Service", "service-v1.json"),
    "ingress": ("networking.k8s.io/v1", "Ingress", "ingress-networking-v1.json"),
}
VALIDATORS = {
    name: jsonschema.Draft202012Validator(_resource(file).contents, registry=REGISTRY)
    for name, (_, _, file) in KINDS.items()
}
QUANTITY = re.compile(r"^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$")
SCALE = {
    None: 1,
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
}


def load(name):
    """(the one object in k8s/<name>.yaml, "") or ({}, what is wrong with the file)."""
    path = Path("k8s") / f"{name}.yaml"
    if not path.is_file():
        return {}, f"there is no k8s/{name}.yaml in the submission"
    try:
        docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    except yaml.YAMLError as exc:
        return {}, f"k8s/{name}.yaml is not valid YAML: {exc}"
    if len(docs) != 1:
        return {}, f"k8s/{name}.yaml must hold exactly one object, it holds {len(docs)}"
    if not isinstance(docs[0], dict):
        return {}, f"k8s/{name}.yaml must hold a mapping (apiVersion, kind, ...)"
    return docs[0], ""


LOADED = {name: load(name) for name in KINDS}


def obj(name):
    data, problem = LOADED[name]
    if problem:
        pytest.fail(problem)
    return data


@pytest.fixture
def deployment():
    return obj("deployment")


@pytest.fixture
def service():
    return obj("service")


@pytest.fixture
def ingress():
    return obj("ingress")


def dig(data, *keys):
    """data[k1][k2]..., or None where a level is missing or not a mapping/list."""
    for key in keys:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def pod_labels(deployment):
    return dig(deployment, "spec", "template", "metadata", "labels") or {}


def containers(deployment):
    return dig(deployment, "spec", "template", "spec", "containers") or []


def container(deployment):
    found = containers(deployment)
    assert found, "the Deployment's pod template lists no containers"
    return found[0]


def container_ports(deployment):
    """{port number: port name or None} over the containers of the pod template."""
    return {
        p.get("containerPort"): p.get("name")
        for c in containers(deployment)
        for p in c.get("ports") or []
    }


def names_a_container_port(port, deployment):
    ports = container_ports(deployment)
    if isinstance(port, int):
        return port in ports
    return port in ports.values()


def quantity(value, where):
    """A Kubernetes quantity ("250m", "128Mi", 1) as a number."""
    match = QUANTITY.match(str(value))
    assert match, f"{where}: {value!r} is not a quantity such as 250m, 1, 128Mi"
    return float(match.group(1)) * SCALE[match.group(2)]


def where(error):
    return ".".join(str(part) for part in error.absolute_path) or "(top level)"


def explain(error):
    """The schema's complaint, an unknown field named as such (usually a typo)."""
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        unknown = sorted(str(k) for k in error.instance if k not in known)
        if unknown:
            return f"unknown field {', '.join(map(repr, unknown))} (a typo?)"
    return error.message


# Task 1: three valid objects.


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
@pytest.mark.parametrize("name", list(KINDS))
def test_each_file_holds_the_right_kind_and_api_version(name):
    """Each file holds one object of its kind with the current apiVersion"""
    data = obj(name)
    api, kind, _ = KINDS[name]
    assert data.get("kind") == kind, f"k8s/{name}.yaml: kind must be {kind}"
    assert data.get("apiVersion") == api, (
        f"k8s/{name}.yaml: a {kind} is apiVersion {api}, not "
        f"{data.get('apiVersion')!r} (older API groups were removed from Kubernetes)"
    )


@pytest.mark.task(1)
@pytest.mark.points(3)
@pytest.mark.core
@pytest.mark.parametrize("name", list(KINDS))
def test_each_file_is_valid_against_the_kubernetes_schema(name):
    """Each object validates against the strict Kubernetes 1.30 schema of its kind"""
    errors = sorted(VALIDATORS[name].iter_errors(obj(name)), key=where)
    assert (
        not errors
    ), f"k8s/{name}.yaml does not match the {KINDS[name][1]} schema: " + (
        "; ".join(f"at {where(e)}: {explain(e)}" for e in errors[:5])
    )


@pytest.mark.task(1)
@pytest.mark.points(1)
@pytest.mark.parametrize("name", list(KINDS))
def test_each_object_is_named(name):
    """Each object has a metadata.name"""
    assert dig(obj(name), "metadata", "name"), f"k8s/{name}.yaml: set metadata.name"


# Task 2: the Deployment.


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_selector_matches_the_pod_template_labels(deployment):
    """The Deployment's selector matches its pod template's labels"""
    selector = dig(deployment, "spec", "selector", "matchLabels") or {}
    labels = pod_labels(deployment)
    assert selector, "spec.selector.matchLabels is empty: select the pods by label"
    missing = {k: v for k, v in selector.items() if labels.get(k) != v}
    assert not missing, (
        f"spec.selector.matchLabels {missing} is not among the pod template's labels "
        f"{labels}: the Deployment would own no pods (the API server refuses it)"
    )


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_at_least_two_replicas(deployment):
    """The Deployment runs at least two replicas"""
    replicas = dig(deployment, "spec", "replicas")
    assert isinstance(replicas, int) and replicas >= 2, (
        f"spec.replicas is {replicas!r}: run at least 2 so one pod can go down "
        "while the other serves"
    )


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_rolling_update_never_takes_a_pod_away_first(deployment):
    """The strategy is RollingUpdate with maxUnavailable 0 and room to surge"""
    strategy = dig(deployment, "spec", "strategy") or {}
    assert (
        strategy.get("type") == "RollingUpdate"
    ), "spec.strategy.type must be RollingUpdate"
    rolling = strategy.get("rollingUpdate") or {}
    assert rolling.get("maxUnavailable") in (0, "0%"), (
        f"spec.strategy.rollingUpdate.maxUnavailable is "
        f"{rolling.get('maxUnavailable')!r}: set it to 0 so an update never lowers "
        "the number of ready pods"
    )
    assert rolling.get("maxSurge") not in (
        0,
        "0%",
    ), "maxSurge 0 with maxUnavailable 0 leaves the update no way to proceed"


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_image_tag_is_pinned(deployment):
    """The container image names a fixed tag or digest, not latest"""
    image = str(container(deployment).get("image", ""))
    last = image.rsplit("/", 1)[-1]
    assert (
        "@sha256:" in image or ":" in last
    ), f"image {image!r} has no tag: it means :latest; pin a version like :1.4.2"
    assert not last.endswith(
        ":latest"
    ), f"image {image!r}: latest moves under you; pin a version like :1.4.2"


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_pods_run_as_non_root(deployment):
    """The pod or its container sets runAsNonRoot: true"""
    pod = dig(deployment, "spec", "template", "spec", "securityContext") or {}
    own = container(deployment).get("securityContext") or {}
    value = own.get("runAsNonRoot", pod.get("runAsNonRoot"))
    assert value is True, (
        "set securityContext.runAsNonRoot: true (on the pod or the container) so "
        "the kubelet refuses to start the image as root"
    )


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_container_declares_its_port(deployment):
    """The container declares the port it listens on"""
    assert container_ports(
        deployment
    ), "list the container's port under ports: (containerPort, and a name)"


# Task 3: probes and resources.


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
@pytest.mark.parametrize("probe", ["readinessProbe", "livenessProbe"])
def test_probe_gets_health_on_the_container_port(deployment, probe):
    """Readiness and liveness probes GET /health on the container's port"""
    spec = container(deployment).get(probe)
    assert spec, f"the container has no {probe}"
    http = spec.get("httpGet") or {}
    assert (
        http.get("path") == "/health"
    ), f"{probe}.httpGet.path is {http.get('path')!r}: the service answers on /health"
    assert names_a_container_port(http.get("port"), deployment), (
        f"{probe}.httpGet.port {http.get('port')!r} is not a port the container "
        f"declares ({container_ports(deployment)})"
    )


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_requests_and_limits_are_set(deployment):
    """CPU and memory requests and limits are all set"""
    resources = container(deployment).get("resources") or {}
    for part in ("requests", "limits"):
        for name in ("cpu", "memory"):
            assert name in (resources.get(part) or {}), (
                f"resources.{part}.{name} is missing: set requests and limits for "
                "cpu and memory"
            )


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_limits_are_at_least_the_requests(deployment):
    """Each limit is at least its request"""
    resources = container(deployment).get("resources") or {}
    requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
    for name in set(requests) & set(limits):
        low = quantity(requests[name], f"resources.requests.{name}")
        high = quantity(limits[name], f"resources.limits.{name}")
        assert high >= low, (
            f"resources.limits.{name} {limits[name]!r} is below the request "
            f"{requests[name]!r}: the API server refuses such a pod"
        )


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_liveness_waits_longer_than_readiness(deployment):
    """The liveness probe does not give up sooner than the readiness probe"""
    own = container(deployment)
    live, ready = own.get("livenessProbe") or {}, own.get("readinessProbe") or {}

    def patience(p):
        return p.get("initialDelaySeconds", 0) + p.get("periodSeconds", 10) * p.get(
            "failureThreshold", 3
        )

    assert patience(live) >= patience(ready), (
        "the liveness probe restarts the pod before readiness has given it a chance: "
        "give it a longer initialDelaySeconds or failureThreshold"
    )


# Task 4: the Service and the Ingress.


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_service_selects_the_deployments_pods(service, deployment):
    """The Service's selector matches the Deployment's pod labels"""
    selector = dig(service, "spec", "selector") or {}
    labels = pod_labels(deployment)
    assert selector, "the Service has no spec.selector: it would reach no pods"
    missing = {k: v for k, v in selector.items() if labels.get(k) != v}
    assert (
        not missing
    ), f"the Service selects {missing}, which the pods' labels {labels} do not have"


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_service_target_port_is_a_container_port(service, deployment):
    """Each Service port's targetPort is a container port (number or name)"""
    ports = dig(service, "spec", "ports") or []
    assert ports, "the Service lists no ports"
    for port in ports:
        target = port.get("targetPort", port.get("port"))
        assert names_a_container_port(target, deployment), (
            f"Service port {port.get('port')!r} sends traffic to targetPort "
            f"{target!r}, which the container does not declare "
            f"({container_ports(deployment)})"
        )


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_ingress_routes_a_host_and_path(ingress):
    """The Ingress has a rule with a host and a path"""
    rules = dig(ingress, "spec", "rules") or []
    assert rules, "the Ingress has no spec.rules"
    for rule in rules:
        assert rule.get("host"), "each Ingress rule names a host"
        paths = dig(rule, "http", "paths") or []
        assert paths, f"the rule for {rule.get('host')!r} has no http.paths"
        for path in paths:
            assert str(path.get("path", "")).startswith(
                "/"
            ), "each Ingress path starts with /"


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
def test_ingress_backend_is_the_service_and_one_of_its_ports(ingress, service):
    """Each Ingress backend names the Service and a port it exposes"""
    name = dig(service, "metadata", "name")
    numbers = {p.get("port") for p in dig(service, "spec", "ports") or []}
    names = {p.get("name") for p in dig(service, "spec", "ports") or []} - {None}
    backends = [
        dig(path, "backend", "service")
        for rule in dig(ingress, "spec", "rules") or []
        for path in dig(rule, "http", "paths") or []
    ]
    assert backends, "the Ingress routes nowhere: add a path with a backend"
    for backend in backends:
        assert isinstance(backend, dict), "each path's backend is a service"
        assert backend.get("name") == name, (
            f"the Ingress sends traffic to service {backend.get('name')!r}, but the "
            f"Service is named {name!r}"
        )
        port = backend.get("port") or {}
        assert port.get("number") in numbers or port.get("name") in names, (
            f"the Ingress uses port {port}, which Service {name!r} does not expose "
            f"(ports {sorted(numbers)}, names {sorted(names)})"
        )


@pytest.mark.task(4)
@pytest.mark.points(1)
def test_service_is_internal(service):
    """The Service is a ClusterIP service: the Ingress is the way in"""
    kind = dig(service, "spec", "type") or "ClusterIP"
    assert (
        kind == "ClusterIP"
    ), f"spec.type {kind}: the Ingress exposes the service; keep it ClusterIP"
