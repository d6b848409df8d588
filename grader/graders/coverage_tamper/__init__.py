"""A static scan, before anything runs, for the ways a submission could forge its coverage.

Coverage is measured inside the process that runs the student's tests, so that code could
feed the tracer or the data file instead of exercising the solution: compile filler code
under a solution's file name (`exec(compile("pass\\n" * n, "word_count.py", "exec"))` marks
every line run), replace the tracer (`sys.settrace`), drive coverage itself, or write its data
file. The source is read with `ast` (never run): every hit names the file, the line and what
was found, and fails the coverage check. Constant strings are folded (`"set" + "trace"`,
`"".join([...])`, `"..."[::-1]`, a name bound once to a constant) so that the obvious
disguises are seen; strings that hold Python code are scanned as code. What a static scan
cannot see (values computed at run time) is listed in docs/trust.md.

The solution files run under coverage too and are scanned with the same rules, except the
"dynamic lookup" ones (`importlib.import_module(name)`, `getattr(sys, name)`, `gc`), which
real programs use.

`check` is the coverage check's entry point (`refuse_tampering`) and scans files;
`scanner` walks one file's syntax tree with the rules; `rules` names what is forbidden and
why; `folding` computes constant strings; `expressions` says what an expression stands for
(a module, a called name, a lookup by name).
"""
