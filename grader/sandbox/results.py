"""What crosses back from the sandbox: one JSON file of check results.

Standard library only: the host (the job layout, the backends, the pipeline) and the
sandbox's entrypoint both import it, and the sandbox imports nothing of the host.
"""

from __future__ import annotations

RESULTS_NAME = "results.json"
# The one file the sandbox returns is never larger than this (checked on both sides).
RESULTS_MAX_BYTES = 8 * 1024 * 1024
# Set by a backend that reads the results from a pipe (bwrap): the entrypoint writes them
# to this descriptor, and no out/ folder exists inside the sandbox.
RESULTS_FD_ENV = "GRADER_RESULTS_FD"
