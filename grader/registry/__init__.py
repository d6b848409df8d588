"""What grader is made of, each thing declared once and found here.

`checks.py` lists the checks, one line each; `declaration.py` says what a check declares
(its module in `grader/graders/` exports one `DECLARATION`). Standard library only: the
sandbox reads the registry too.
"""
