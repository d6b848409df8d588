#!/bin/sh
# Install one layer of a runner image from what `grader runner build` prepared, as root, with
# the network off: Debian packages from a folder of .debs, then Python libraries from the
# wheelhouse into /opt/venv (made here when missing). The core image's Dockerfile runs it
# for the tools; each stage image runs it in a container of the core that is then committed,
# so the stage's layer holds exactly what this adds. The wheelhouse is this script's folder.
#
#   install_layer.sh REQUIREMENTS_FILE [DEBS_DIR]
set -eu
house=$(dirname "$0") reqs=$1 debs=${2:-}
site=/opt/venv/lib/python3.11/site-packages

if [ -n "$debs" ] && ls "$debs"/*.deb >/dev/null 2>&1; then
    # apt resolved the set beforehand (the debs are everything the base lacks); dpkg
    # installs it in dependency order. Its logs and backups are not part of the image.
    dpkg --install --force-confold "$debs"/*.deb
    rm -rf /var/log/dpkg.log /var/log/apt /var/lib/dpkg/*-old /var/cache/debconf/*-old
fi

if [ ! -x /opt/venv/bin/python ]; then
    # The wheels are cp311: fail here, clearly, on any other Python. pip runs from its
    # wheel (python pip.whl/pip): the base needs neither ensurepip nor pip, and pip does
    # not end up in the venv.
    python3 -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version'
    python3 -m venv --without-pip /opt/venv
fi
if grep -q '[^[:space:]]' "$reqs"; then
    set -- "$house"/pip-*.whl
    PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INDEX=1 \
        /opt/venv/bin/python "$1/pip" install --find-links "$house" --requirement "$reqs"
fi
# The grader wheel carries the bundled exercise pack, whose hidden tests and reference
# solutions the submission's process must never read: the sandbox gets its exercise through
# the job dir only. The libraries' own test suites and Cython sources go too: nothing imports
# them, and they cost about a fifth of a stage's budget.
rm -rf "$site/grader/_bundled_exercises"
find "$site" -depth -type d -name tests -not -path '*/_pytest/*' -exec rm -rf {} +
find "$site" \( -name '*.pyx' -o -name '*.pxd' \) -delete

# Matplotlib's font cache, built once here: at run time the root is read-only and /tmp
# starts empty, so seed_tmp.sh copies it there from /opt/grader/tmp-seed.
if /opt/venv/bin/python -c 'import matplotlib' 2>/dev/null; then
    seed=/opt/grader/tmp-seed/.cache/matplotlib
    mkdir -p "$seed"
    MPLCONFIGDIR=$seed /opt/venv/bin/python -c 'import matplotlib.font_manager'
    chmod 1777 "$seed" "$(dirname "$seed")"
    chmod 0644 "$seed"/*
fi
