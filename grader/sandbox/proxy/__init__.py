"""The proxy protocol: the trusted test process (`client`, `proxies`) talks to the student's
server process (`server`) over a framed channel. Both halves import only the standard library
and each other; nothing of the host's grading stack is loaded here.
"""
