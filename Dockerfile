# The runner image: Python 3.11, the grading tools and the grader package, nothing else.
#
# Build it with `grader runner build`: that fills build/wheelhouse/ (the
# only part of the context .dockerignore lets through), creates the base offline with
# debootstrap when it cannot be pulled, labels the image for staleness checks and builds
# with the network off. Plain Dockerfile syntax (no BuildKit features): the docker SDK
# drives the classic builder.
ARG BASE_IMAGE=python:3.11-slim

# ---- builder: a venv filled from the wheelhouse, no index, no network -----------------
FROM ${BASE_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INDEX=1
COPY build/wheelhouse/ /wheelhouse/
# The wheels are cp311: fail here, clearly, on any other Python.
# pip runs straight from its wheel (python pip.whl/pip), so the base needs neither
# ensurepip nor pip, and pip itself does not end up in the venv.
# The grader wheel carries the bundled exercise pack, whose hidden tests and reference
# solutions the submission's process must never read. The sandbox gets its exercise
# through the job dir only, so the pack is deleted here. The libraries' own test suites
# and Cython sources go too: nothing imports them, and they cost about 100 MB of the
# 500 MB budget.
RUN python3 -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version' \
 && python3 -m venv --without-pip /opt/venv \
 && set -- /wheelhouse/pip-*.whl \
 && /opt/venv/bin/python "$1/pip" install --find-links /wheelhouse \
        --requirement /wheelhouse/requirements.txt \
 && rm -rf /opt/venv/lib/python3*/site-packages/grader/_bundled_exercises \
 && find /opt/venv/lib/python3*/site-packages -depth -type d -name tests \
        -not -path '*/_pytest/*' -exec rm -rf {} + \
 && find /opt/venv/lib/python3*/site-packages \( -name '*.pyx' -o -name '*.pxd' \) -delete

# ---- final: the base, two users, the venv ----------------------------------------------
FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="grader-runner" \
      org.opencontainers.image.description="Sandbox image that grades Python exercises"
# grader (10001) runs the trusted checks; student (10002) is for the submission's own
# process. No login shell, no home: the root filesystem is read-only when grading.
# --no-log-init: a large uid would otherwise grow a sparse /var/log/lastlog in the layer.
RUN groupadd --gid 10001 grader \
 && useradd --uid 10001 --gid 10001 --no-log-init --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin grader \
 && groupadd --gid 10002 student \
 && useradd --uid 10002 --gid 10002 --no-log-init --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin student \
 && install -d -o 10001 -g 10001 -m 0755 /job
COPY --from=builder /opt/venv /opt/venv
# PYTHONDONTWRITEBYTECODE: the root is read-only (bytecode was compiled at install).
# PYTHONNOUSERSITE: no ~/.local .pth files. XDG_CACHE_HOME: black's cache goes to the
# /tmp tmpfs instead of failing on a read-only home. LANG: UTF-8 I/O on any base.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONNOUSERSITE=1 \
    XDG_CACHE_HOME=/tmp/.cache \
    LANG=C.UTF-8
WORKDIR /job
# Numeric, so the engine (and runAsNonRoot-style checks) can verify it is not root.
USER 10001:10001
# dumb-init as PID 1 reaps zombies and forwards signals, whether or not the engine
# adds its own --init.
ENTRYPOINT ["/opt/venv/bin/dumb-init", "--"]
CMD ["python", "--version"]
