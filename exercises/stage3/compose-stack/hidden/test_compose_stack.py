"""compose-stack's hidden suite: compose.yaml read statically, never run.

The file is parsed like yaml.safe_load, but duplicate keys and alias blow-ups are
refused with a message; the Compose specification's schema (compose_spec.json beside
this file, see README.md) and each rule of the instructions are asserted, naming the
service and the key.
"""

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

HERE = Path(__file__).resolve().parent
# Read at import: the suite is sealed once collected.
SCHEMA = json.loads((HERE / "compose_spec.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft201909Validator(SCHEMA)

MAX_NODES = 10_000  # an honest compose file has a few hundred
DURATION = re.compile(r"^(\d+(\.\d+)?(us|ms|s|m|h))+$")
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|KEY", re.IGNORECASE)
# The whole value is one interpolation with no literal fallback: ${X}, ${X:?msg}.
INTERPOLATED = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)(:?\?[^}]*)?\}$")
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|\$([A-Za-z_][A-Za-z0-9_]*)")
INLINE_PASS = re.compile(r"--requirepass[\s=]+(?!\$)\S+")
RESTARTS = {"always", "unless-stopped", "on-failure"}


class ComposeError(Exception):
    """compose.yaml cannot be read as a Compose file: the message says why."""


class StrictLoader(yaml.SafeLoader):
    """safe_load's loader, refusing a key given twice (YAML would keep the last)."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise ComposeError(
                    f"line {key_node.start_mark.line + 1}: the key {key!r} is given "
                    f"twice in one mapping (first on line {seen[key]}); YAML would "
                    "silently keep the last one: keep one"
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def count_nodes(node, budget):
    """Nodes of the document with every alias expanded, stopping past the budget."""
    stack, count = [node], 0
    while stack:
        count += 1
        if count > budget:
            return count
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                stack.extend((key, value))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return count


def load(path):
    """The parsed compose.yaml, or ComposeError saying what is wrong."""
    if not path.is_file():
        raise ComposeError("there is no compose.yaml in the submission")
    text = path.read_text(encoding="utf-8")
    try:
        loader = StrictLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                raise ComposeError("compose.yaml is empty")
            if count_nodes(node, MAX_NODES) > MAX_NODES:
                raise ComposeError(
                    f"compose.yaml expands to more than {MAX_NODES} YAML nodes once "
                    "its aliases (*name) are followed: use anchors for small shared "
                    "blocks only"
                )
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise ComposeError(f"compose.yaml is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
        raise ComposeError("compose.yaml needs a top-level `services:` mapping")
    for name in ("api", "redis"):
        if not isinstance(data["services"].get(name), dict):
            raise ComposeError(f"services.{name} must be a mapping of its settings")
    return data


try:
    COMPOSE = load(Path("compose.yaml"))
    PROBLEM = ""
except ComposeError as exc:
    COMPOSE, PROBLEM = {}, str(exc)


@pytest.fixture
def compose():
    if PROBLEM:
        pytest.fail(PROBLEM)
    return COMPOSE


def services(compose):
    return compose["services"]


def where(error):
    return ".".join(str(part) for part in error.absolute_path) or "(top level)"


def explain(error):
    """The schema's complaint, an unknown key named as such (usually a typo)."""
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        keys = [str(k) for k in error.instance if k not in known]
        unknown = sorted(k for k in keys if not k.startswith("x-"))
        if unknown:
            return f"unknown key {', '.join(map(repr, unknown))} (a typo?)"
    return error.message


def as_list(value):
    """depends_on, environment and friends come as a list or a mapping."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, dict)) else [value]


def environment(service):
    """A service's environment as {name: value or None}, either syntax."""
    env = service.get("environment") or {}
    if isinstance(env, dict):
        return {str(k): (None if v is None else str(v)) for k, v in env.items()}
    pairs = {}
    for item in env:
        name, sep, value = str(item).partition("=")
        pairs[name] = value if sep else None
    return pairs


def published_ports(service):
    """(host_port or None, container_port) of each entry under ports:."""
    found = []
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            found.append((entry.get("published"), str(entry.get("target"))))
            continue
        text = str(entry).split("/")[0]
        parts = text.rsplit(":", 2)
        host = parts[-2] if len(parts) >= 2 else None
        found.append((host, parts[-1]))
    return found


def image_tag(image):
    """The tag of `name[:tag][@digest]`, '' when there is none."""
    name = str(image).split("@")[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else ""


def healthcheck_problems(name, service):
    check = service.get("healthcheck")
    if not isinstance(check, dict) or check.get("disable"):
        return [f"services.{name}.healthcheck is missing (or disabled)"]
    problems = []
    test = check.get("test")
    if not test or (isinstance(test, list) and test[0] == "NONE"):
        problems.append(f"services.{name}.healthcheck.test must run a real check")
    for key in ("interval", "timeout", "start_period"):
        value = check.get(key)
        if key == "interval" and value is None:
            problems.append(f"services.{name}.healthcheck.interval is missing")
        elif value is not None and not DURATION.match(str(value)):
            problems.append(
                f"services.{name}.healthcheck.{key} is {value!r}: a Compose duration "
                "is a number and a unit, such as 10s, 1m30s or 500ms"
            )
    retries = check.get("retries")
    if not isinstance(retries, int) or isinstance(retries, bool) or retries < 1:
        problems.append(f"services.{name}.healthcheck.retries must be a number >= 1")
    return problems


# Task 1: a valid Compose file.


@pytest.mark.task(1)
@pytest.mark.points(4)
@pytest.mark.core
def test_file_is_valid_against_the_compose_schema(compose):
    """compose.yaml is valid against the Compose specification's JSON schema"""
    errors = sorted(VALIDATOR.iter_errors(compose), key=lambda e: list(e.absolute_path))
    listed = "; ".join(f"at {where(e)}: {explain(e)}" for e in errors[:5])
    assert not errors, f"compose.yaml breaks the Compose schema: {listed}"


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_depends_on_names_services_that_exist(compose):
    """Every depends_on entry names a service defined in the file"""
    for name, service in services(compose).items():
        for target in as_list((service or {}).get("depends_on")):
            assert target in services(compose), (
                f"services.{name}.depends_on names {target!r}, which is not a service "
                "in this file"
            )


@pytest.mark.task(1)
@pytest.mark.points(2)
@pytest.mark.core
def test_named_volumes_are_declared(compose):
    """A named volume a service mounts is declared under the top-level volumes:"""
    declared = compose.get("volumes") or {}
    for name, service in services(compose).items():
        for mount in (service or {}).get("volumes") or []:
            source = mount.get("source") if isinstance(mount, dict) else None
            if isinstance(mount, str) and ":" in mount:
                source = mount.split(":", 1)[0]
            if not source or source.startswith((".", "/", "~", "$")):
                continue  # a bind mount or an anonymous volume
            assert source in declared, (
                f"services.{name}.volumes mounts the named volume {source!r}, which "
                "is not declared under the top-level volumes:"
            )


@pytest.mark.task(1)
@pytest.mark.points(1)
def test_healthcheck_durations_are_compose_durations(compose):
    """Healthcheck interval, timeout and start_period are durations such as 10s"""
    for name, service in services(compose).items():
        check = (service or {}).get("healthcheck") or {}
        for key in ("interval", "timeout", "start_period"):
            value = check.get(key)
            assert value is None or DURATION.match(str(value)), (
                f"services.{name}.healthcheck.{key} is {value!r}: write a number and "
                "a unit, such as 10s, 1m30s or 500ms"
            )


# Task 2: the API service.


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_api_builds_here_or_uses_a_pinned_image(compose):
    """api builds from . or names an image with a pinned tag (never latest)"""
    api = services(compose)["api"]
    build, image = api.get("build"), api.get("image")
    context = build.get("context") if isinstance(build, dict) else build
    assert build is not None or image, (
        "services.api needs build: . or an image: with a pinned tag"
    )
    if build is not None:
        assert context in (".", "./"), (
            f"services.api.build context is {context!r}: build the service from ."
        )
    if image:  # with build: the name the built image gets, pinned all the same
        tag = image_tag(image)
        assert tag and tag != "latest", (
            f"services.api.image is {image!r}: pin a version tag such as 1.2.0, "
            "not latest or no tag"
        )


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_api_publishes_port_8000(compose):
    """api publishes container port 8000 on the host"""
    ports = published_ports(services(compose)["api"])
    assert any(target == "8000" and host for host, target in ports), (
        f"services.api.ports is {services(compose)['api'].get('ports')!r}: publish "
        "the container's port 8000, such as \"8000:8000\""
    )


@pytest.mark.task(2)
@pytest.mark.points(2)
@pytest.mark.core
def test_api_has_a_healthcheck(compose):
    """api has a healthcheck with a test, an interval and retries"""
    problems = healthcheck_problems("api", services(compose)["api"])
    assert not problems, "; ".join(problems)


@pytest.mark.task(2)
@pytest.mark.points(3)
@pytest.mark.core
def test_api_waits_for_a_healthy_redis(compose):
    """api depends_on redis with condition: service_healthy"""
    depends = services(compose)["api"].get("depends_on")
    assert isinstance(depends, dict) and "redis" in depends, (
        f"services.api.depends_on is {depends!r}: give redis with "
        "`condition: service_healthy` (the list form only waits for the start)"
    )
    condition = (depends["redis"] or {}).get("condition")
    assert condition == "service_healthy", (
        f"services.api.depends_on.redis.condition is {condition!r}: use "
        "service_healthy so the API starts once Redis answers"
    )


@pytest.mark.task(2)
@pytest.mark.points(1)
def test_api_reaches_redis_by_service_name(compose):
    """api's REDIS_URL points at the redis service by name"""
    url = environment(services(compose)["api"]).get("REDIS_URL") or ""
    assert re.match(r"^rediss?://([^@/]*@)?redis(:\d+)?(/|$)", url), (
        f"services.api.environment.REDIS_URL is {url!r}: use redis://redis:6379/0 "
        "(the service name is its host name on the Compose network)"
    )


# Task 3: Redis, its data and its network.


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_redis_image_is_pinned(compose):
    """redis uses the redis image with a pinned tag (never latest)"""
    image = str(services(compose)["redis"].get("image") or "")
    tag = image_tag(image)
    assert image.split("@")[0].rsplit(":", 1)[0].endswith("redis"), (
        f"services.redis.image is {image!r}: use the official redis image"
    )
    assert tag and tag != "latest", (
        f"services.redis.image is {image!r}: pin a tag such as redis:7.2-alpine"
    )


@pytest.mark.task(3)
@pytest.mark.points(2)
@pytest.mark.core
def test_redis_has_a_healthcheck(compose):
    """redis has its own healthcheck with a test, an interval and retries"""
    problems = healthcheck_problems("redis", services(compose)["redis"])
    assert not problems, "; ".join(problems)


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_redis_data_lives_in_a_named_volume(compose):
    """redis mounts a named volume, declared at the top level, at /data"""
    declared = compose.get("volumes") or {}
    for mount in services(compose)["redis"].get("volumes") or []:
        if isinstance(mount, dict):
            source, target = mount.get("source"), mount.get("target")
        else:
            source, _, rest = str(mount).partition(":")
            target = rest.split(":")[0]
        if str(target).rstrip("/") == "/data" and source in declared:
            return
    pytest.fail(
        f"services.redis.volumes is {services(compose)['redis'].get('volumes')!r}: "
        "mount a named volume declared under the top-level volumes: at /data "
        "(such as redis-data:/data)"
    )


@pytest.mark.task(3)
@pytest.mark.points(3)
@pytest.mark.core
def test_redis_is_not_published_to_the_host(compose):
    """redis is reachable on the Compose network only: no ports, no host network"""
    redis = services(compose)["redis"]
    assert not redis.get("ports"), (
        f"services.redis.ports is {redis.get('ports')!r}: do not publish Redis on "
        "the host; the api reaches it on the Compose network (use expose: if needed)"
    )
    assert redis.get("network_mode") != "host", (
        "services.redis.network_mode is 'host': that puts Redis on the host's "
        "network; leave it on the Compose network"
    )


@pytest.mark.task(3)
@pytest.mark.points(1)
def test_api_and_redis_share_a_network(compose):
    """api and redis are on a common network"""
    def nets(name):
        value = services(compose)[name].get("networks")
        return set(as_list(value)) or {"default"}

    assert nets("api") & nets("redis"), (
        f"services.api.networks {sorted(nets('api'))} and services.redis.networks "
        f"{sorted(nets('redis'))} share none: the api could not reach redis"
    )


# Task 4: running it for real.


def each_service():
    """The services the parametrised rules cover: api, redis, and a worker if any."""
    names = list(COMPOSE.get("services", {})) if COMPOSE else ["api", "redis"]
    return sorted(set(names) | {"api", "redis"})


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
@pytest.mark.parametrize("name", each_service(), ids=lambda n: f"service-{n}")
def test_service_restarts_on_failure(compose, name):
    """Every service has a restart policy that brings it back after a crash"""
    restart = str((services(compose)[name] or {}).get("restart") or "")
    assert restart.split(":")[0] in RESTARTS, (
        f"services.{name}.restart is {restart or None!r}: use unless-stopped, "
        "always or on-failure"
    )


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
@pytest.mark.parametrize("name", each_service(), ids=lambda n: f"service-{n}")
def test_service_has_resource_limits(compose, name):
    """Every service limits its memory and CPUs under deploy.resources.limits"""
    deploy = (services(compose)[name] or {}).get("deploy") or {}
    limits = (deploy.get("resources") or {}).get("limits") or {}
    missing = [key for key in ("memory", "cpus") if not limits.get(key)]
    assert not missing, (
        f"services.{name}.deploy.resources.limits lacks {', '.join(missing)}: "
        "give each service a memory and a cpus limit"
    )


@pytest.mark.task(4)
@pytest.mark.points(3)
@pytest.mark.core
@pytest.mark.parametrize("name", each_service(), ids=lambda n: f"service-{n}")
def test_no_secret_is_written_in_the_file(compose, name):
    """Keys, passwords and tokens come from ${VAR}, never written in compose.yaml"""
    service = services(compose)[name] or {}
    for key, value in environment(service).items():
        if SECRET_NAME.search(key) and value is not None:
            assert INTERPOLATED.match(value), (
                f"services.{name}.environment.{key} is written in the file: use "
                f"{key}: ${{{key}}} (or ${{{key}:?message}}) and put the value in .env"
            )
    command = service.get("command")
    text = " ".join(command) if isinstance(command, list) else str(command or "")
    assert not INLINE_PASS.search(text), (
        f"services.{name}.command gives --requirepass a literal password: use "
        "${REDIS_PASSWORD} and put the value in .env"
    )


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_api_key_comes_from_the_environment(compose):
    """api's API_KEY is set from ${API_KEY} (or left to its env_file)"""
    api = services(compose)["api"]
    value = environment(api).get("API_KEY")
    if value is None and "API_KEY" not in environment(api) and api.get("env_file"):
        return  # the key comes from the env file, which is never committed
    match = INTERPOLATED.match(value or "")
    assert match and match.group(1) == "API_KEY", (
        f"services.api.environment.API_KEY is {value!r}: set it to ${{API_KEY}}"
    )


def interpolated_names(value):
    if isinstance(value, dict):
        return {n for v in value.values() for n in interpolated_names(v)}
    if isinstance(value, list):
        return {n for v in value for n in interpolated_names(v)}
    if isinstance(value, str):
        return {a or b for a, b in VARIABLE.findall(value.replace("$$", ""))}
    return set()


@pytest.mark.task(4)
@pytest.mark.points(2)
@pytest.mark.core
def test_env_example_lists_every_variable(compose):
    """env.example lists every ${VAR} compose.yaml uses, with no real values"""
    path = Path("env.example")
    assert path.is_file(), "there is no env.example beside compose.yaml"
    listed = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, _, value = line.partition("=")
            listed[name.strip()] = value.strip()
    missing = sorted(interpolated_names(compose) - set(listed))
    assert not missing, f"env.example does not list {', '.join(missing)}: add NAME="
    for name, value in listed.items():
        if SECRET_NAME.search(name):
            assert value in ("", "changeme", "change-me") or value.startswith("<"), (
                f"env.example gives {name} a value: leave it empty (NAME=), it is "
                "an example that gets committed"
            )
