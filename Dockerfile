# The runner's core image: Python 3.11, the grading tools and the grader package, nothing
# else. Each stage's image is this one plus a layer with its exercises' libraries
# (docs/images.md).
#
# Build it with `grader runner build` (all stages): that fills build/wheelhouse/ (the
# only part of the context .dockerignore lets through), creates the base offline with
# debootstrap when it cannot be pulled, labels the image for staleness checks and builds
# with the network off. Plain Dockerfile syntax (no BuildKit features): the docker SDK
# drives the classic builder.
ARG BASE_IMAGE=python:3.11-slim

# ---- builder: a venv filled from the wheelhouse, no index, no network -----------------
FROM ${BASE_IMAGE} AS builder
COPY build/wheelhouse/ /wheelhouse/
# The tools, grader and dumb-init: what every stage's image shares. install_layer.sh makes
# the venv, installs from the wheelhouse alone and slims (see its comments); each stage's
# image then adds its exercises' libraries on top with the same script.
RUN sh /wheelhouse/install_layer.sh /wheelhouse/requirements-core.txt

# ---- final: the base, two users, the venv ----------------------------------------------
FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title="grader-runner" \
      org.opencontainers.image.description="Sandbox image that grades Python exercises"
# grader (10001) runs the trusted checks; student (10002) is for the submission's own
# process. No login shell, no home: the root filesystem is read-only when grading.
# --no-log-init: a large uid would otherwise grow a sparse /var/log/lastlog in the layer.
# The base's own pip goes: grading installs nothing (the venv was filled in the builder).
RUN if python3 -m pip --version >/dev/null 2>&1; then \
        python3 -m pip uninstall --yes --quiet --root-user-action=ignore pip; fi \
 && groupadd --gid 10001 grader \
 && useradd --uid 10001 --gid 10001 --no-log-init --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin grader \
 && groupadd --gid 10002 student \
 && useradd --uid 10002 --gid 10002 --no-log-init --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin student \
 && install -d -o 10001 -g 10001 -m 0755 /job
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /wheelhouse/seed_tmp.sh /usr/local/lib/grader/seed_tmp.sh
# PYTHONDONTWRITEBYTECODE: the root is read-only (bytecode was compiled at install).
# PYTHONNOUSERSITE: no ~/.local .pth files. XDG_CACHE_HOME: black's cache goes to the
# /tmp tmpfs instead of failing on a read-only home. MPLCONFIGDIR: Matplotlib's config and
# cache in the folder seed_tmp.sh fills with the font cache (stage 2), whatever HOME is.
# LANG: UTF-8 I/O on any base.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONNOUSERSITE=1 \
    XDG_CACHE_HOME=/tmp/.cache \
    MPLCONFIGDIR=/tmp/.cache/matplotlib \
    LANG=C.UTF-8
WORKDIR /job
# Numeric, so the engine (and runAsNonRoot-style checks) can verify it is not root.
USER 10001:10001
# dumb-init as PID 1 reaps zombies and forwards signals, whether or not the engine
# adds its own --init. seed_tmp.sh fills the empty /tmp with what the image prepared.
ENTRYPOINT ["/opt/venv/bin/dumb-init", "--", "/bin/sh", "/usr/local/lib/grader/seed_tmp.sh"]
CMD ["python", "--version"]
