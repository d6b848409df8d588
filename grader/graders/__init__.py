"""The checks: one module each, declaring the check once (`DECLARATION`).

`grader/registry/checks.py` lists them in order and loads a check's module when its
declaration is first asked for; `grader/registry/declaration.py` says what a declaration
holds. Importing this package loads nothing else.
"""
