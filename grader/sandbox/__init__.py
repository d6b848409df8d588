"""What runs inside the sandbox: the entrypoint, the pytest session and its plugin, the
proxy between the hidden tests and the submission, and the jail for the submission's processes.

Imports only the standard library, pytest, the checks' sandbox parts (`grader.graders`) and
the bottom helpers; what it sends back to the host is one plain JSON document
(`grader.sandbox.results`). The host runner (`grader.runner`) is never imported here.
"""
