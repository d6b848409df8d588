#!/bin/bash
# Build a minimal Debian root filesystem with Python 3.11 and import it as a Docker image,
# with no container registry. Called by grader.runner.image.bootstrap_base, which picks
# the mirror from the host's apt sources, creates ROOT and removes it afterwards (after
# unmounting anything debootstrap left mounted). Prints the image id last.
#
#   bootstrap_base.sh ROOT TAG SUITE MIRROR CACHE_DIR PACKAGES RECIPE [KEYRING]
set -euo pipefail
root=$1 tag=$2 suite=$3 mirror=$4 cache=$5 packages=$6 recipe=$7 keyring=${8:-}

# minbase: essential packages + apt only, then PACKAGES (Python 3.11 and its venv module).
if ! debootstrap --variant=minbase --include="$packages" --cache-dir="$cache" \
    ${keyring:+--keyring="$keyring"} "$suite" "$root" "$mirror"; then
    # debootstrap's stdout says little; the reason is in its log, which dies with ROOT.
    tail -n 40 "$root/debootstrap/debootstrap.log" 2>/dev/null || true
    exit 1
fi
if [ ! -x "$root/usr/bin/python3.11" ]; then
    echo "suite $suite has no python3.11 (cp311 wheels need it): use bookworm" >&2
    exit 3
fi

# Slim: man pages, info, translations, docs (licences stay), apt lists, .debs, logs.
rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/log/*
rm -f "$root"/var/lib/apt/lists/*_*
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias \
    -exec rm -rf {} +
find "$root/usr/share/doc" ! -type d ! -name copyright -delete
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
find "$root/var/cache/apt" -type f \( -name '*.deb' -o -name '*.bin' \) -delete

# Later apt-get installs in derived images stay slim too (as debian:*-slim does).
cat >"$root/etc/dpkg/dpkg.cfg.d/01-grader-slim" <<'EOF'
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
EOF
cat >"$root/etc/apt/apt.conf.d/01-grader-clean" <<'EOF'
Binary::apt::APT::Keep-Downloaded-Packages "false";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb || true"; };
EOF

# Python as the official python:3.11-slim image has it, where students rely on it: pip
# usable as root (no PEP 668 marker: this Python belongs to the image, as there) and
# installed in /usr/local (/usr/local/bin/pip), from the pip wheel Debian ships for venv
# (python3-pip-whl): no other download. No setuptools (10 MB of every runner image): the
# wheelhouse students install from holds wheels only.
rm -f "$root"/usr/lib/python3*/EXTERNALLY-MANAGED
# A clean environment: the host's PIP_* settings must not reach the chroot.
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin "$@"; }
in_root sh -c 'set -- /usr/share/python-wheels/pip-*.whl && python3 "$1/pip" install \
    --no-index --no-cache-dir --disable-pip-version-check --root-user-action=ignore \
    "$1"'
version=$(in_root python3 -c 'import platform; print(platform.python_version())')
rm -rf "$root/root/.cache"

# The host's resolver config and name must not leak in; the engine provides both.
rm -f "$root/etc/resolv.conf" "$root/etc/hostname"
# `python` and `python3` first on PATH, where the official python images have them.
ln -s /usr/bin/python3.11 "$root/usr/local/bin/python"
ln -s /usr/bin/python3.11 "$root/usr/local/bin/python3"

echo "importing $root as $tag"
# LANG=C.UTF-8: UTF-8 I/O (Chinese exercise text) with no locales package.
tar --numeric-owner -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change "ENV PYTHON_VERSION=$version" \
    --change "LABEL io.grader.base=debootstrap-$suite" \
    --change "LABEL io.grader.base.recipe=$recipe" \
    --change 'CMD ["python3"]' \
    - "$tag"
