"""What the coverage tamper scan refuses, and why: the names, modules and patterns that reach
the tracer, coverage itself, or a code object that claims a solution file's lines."""

from __future__ import annotations

import re
from typing import Literal

Role = Literal["tests", "solution"]

# Names that reach the tracer or the profiler: as a name, an attribute, an imported name or a
# string used to look one up (getattr(sys, "settrace")).
TRACER_NAMES = frozenset(
    {
        "settrace",
        "setprofile",
        "gettrace",
        "getprofile",
        "settrace_all_threads",
        "setprofile_all_threads",
        "call_tracing",
        "f_trace",
        "f_trace_lines",
        "f_trace_opcodes",
        "_trace_hook",
        "_profile_hook",
        "use_tool_id",
        "set_local_events",
    }
)
# coverage.py's own objects, reached without importing coverage by name (gc, sys.modules).
COVERAGE_NAMES = frozenset({"Coverage", "CoverageData", "CTracer", "PyTracer"})
# Modules whose only use in a test would be to forge coverage: coverage itself, and ways to
# make a code object that claims any file and line (marshal, py_compile, ctypes, ...).
FORBIDDEN_MODULES = {
    "coverage": "drives coverage itself",
    "pytest_cov": "drives coverage itself",
    "marshal": "can load a code object that claims to be a solution file's lines",
    "py_compile": "can compile other code under a solution file's name",
    "compileall": "can compile other code under a solution file's name",
    "codeop": "can compile other code under a solution file's name",
    "code": "can compile other code under a solution file's name",
    "ctypes": "can reach the interpreter's tracer directly",
    "_ctypes": "can reach the interpreter's tracer directly",
}
# Names that build code objects or compile through the import system.
CODE_NAMES = frozenset(
    {
        "CodeType",
        "SourceLoader",
        "FileLoader",
        "SourceFileLoader",
        "SourcelessFileLoader",
        "InspectLoader",
        "ExecutionLoader",
        "source_to_code",
        "compile_command",
    }
)
CODE_KEYWORDS = frozenset(
    {"co_filename", "co_firstlineno", "co_lnotab", "co_linetable", "co_code"}
)
EXEC_NAMES = frozenset({"exec", "eval", "compile"})
BUILTINS_MODULES = frozenset({"builtins", "__builtin__"})
# Modules whose attributes a test never needs to look up by a computed name.
INTROSPECTED = frozenset(
    {"sys", "threading", "_thread", "builtins", "__builtin__", "gc", "types"}
)
GETATTR_CALLS = frozenset(
    {"getattr", "setattr", "hasattr", "delattr", "__getattribute__", "getattr_static"}
)
IMPORT_CALLS = frozenset({"__import__", "import_module", "find_spec", "find_loader"})
LOOKUP_CALLS = frozenset(
    {
        "getattr",
        "setattr",
        "hasattr",
        "delattr",
        "attrgetter",
        "methodcaller",
        "resolve_name",
        "__getattribute__",
        "__getattr__",
        "__getitem__",
        *IMPORT_CALLS,
    }
)
DATA_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        # A file name: `.coverage*`, our `coverage.data`, `coverage.json`, `*coveragerc`.
        re.compile(r"(^|[/\\])(\.coverage|coverage\.(data|json)\b)|coveragerc"),
        "names coverage's data or configuration file",
    ),
    (re.compile(r"^(COVERAGE_|COV_CORE_)"), "sets or reads coverage's configuration"),
)
COVERAGE_CLI = re.compile(r"(^|\s)-m\s*(coverage|pytest_cov)\b|^--cov(=|$)")

TRACER_WHY = "replaces or reads the tracer that records which lines run"
COVERAGE_WHY = "reaches coverage's own objects"
EXEC_WHY = "exec/compile can run code under a solution file's name"
COMPILE_WHY = "code compiled under a file's name counts as that file's lines"
CODE_WHY = "can make a code object that claims to be a solution file's lines"
DYNAMIC_WHY = "a lookup by a computed name hides what it reaches"
