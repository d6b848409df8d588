#!/usr/bin/env sh
# Exercism's test-runner entrypoint: bin/run.sh SLUG INPUT_DIR OUTPUT_DIR
# Grades the solution in INPUT_DIR with `grader exercism-run` and writes OUTPUT_DIR/results.json
# (test-runner interface, version 3). Options after the three arguments are passed on
# (for example --backend local). Uses the repository's .venv when there is one.
set -eu
if [ "$#" -lt 3 ]; then
  echo "usage: bin/run.sh SLUG INPUT_DIR OUTPUT_DIR [grader exercism-run options]" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -x "$root/.venv/bin/grader" ]; then
  grader="$root/.venv/bin/grader"
else
  grader=grader
fi
exec "$grader" exercism-run "$@"
