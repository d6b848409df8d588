"""A module shadowing a standard-library or tool module: if it is ever imported, it says so."""
import os

with open("/tmp/grader-adv-marker-shadowed", "w") as _f:
    _f.write(__name__)
os.write(2, b"SHADOWED " + __name__.encode() + b"\n")
raise ImportError("SHADOWED " + __name__)
