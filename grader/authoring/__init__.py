"""Writing exercises: scaffold a new one, validate a pack, score a hidden suite by mutation.

Above grading: these use the catalog and grade with the runner; nothing in grading uses them.
"""
