"""Runs at interpreter start-up if it is ever on sys.path."""
import os

os.write(2, b"SITE-HOOK-RAN\n")
with open("/tmp/grader-adv-marker-site", "w") as _f:
    _f.write("ran")
os._exit(0)
