"""The static scan for forged coverage: every pattern it must catch, the disguises it sees
through, and the ordinary test code (the bundled exercises' included) it must leave alone.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from grader.catalog.model import Exercise
from grader.graders.coverage_tamper.check import scan_files, scan_source
from grader.pipeline import grade_workspace
from grader.runner import LocalBackend
from grader.scorecard.serialize import schema_errors, to_dict
from grader.tomlfile import load_toml

REPO = Path(__file__).parent.parent
SOLUTIONS = ("word_count.py",)


def found(source: str, role: str = "tests") -> list[str]:
    findings = scan_source(
        textwrap.dedent(source),
        "tests/test_x.py",
        solution_names=SOLUTIONS,
        role=role,  # type: ignore[arg-type]
    )
    return [f.what for f in findings]


# (source, a fragment of what the scan must report)
HOSTILE = {
    # compile / exec / eval under a file's name
    "compile-solution-name": (
        'exec(compile("pass\\n" * 40, "word_count.py", "exec"))',
        "compile(..., 'word_count.py'",
    ),
    "compile-absolute-path": (
        'code = compile("x = 1", "/job/submission/word_count.py", "exec")',
        "compile(...",
    ),
    "compile-computed-name": (
        """
        import word_count
        exec(compile("pass\\n" * 40, word_count.__file__, "exec"))
        """,
        "`compile` with a computed file name",
    ),
    "compile-filename-keyword": (
        'compile(source="pass", filename="other.py", mode="exec")',
        "compile(..., 'other.py'",
    ),
    "compile-star-args": (
        'args = ["pass", "word_count.py", "exec"]\ncompile(*args)',
        "`compile` with a computed file name",
    ),
    "compile-kwargs": (
        'compile("pass", **{"filename": "word_count.py", "mode": "exec"})',
        "`compile` with a computed file name",
    ),
    "exec-solution-source": (
        'exec(open("word_count.py").read())',
        "`exec` given 'word_count.py'",
    ),
    "eval-file-dunder": (
        "eval(src, {'__file__': __file__})",
        "`eval` given `__file__`",
    ),
    "exec-any-py-file": (
        'exec(open("helpers/other.py").read())',
        "`exec` given 'helpers/other.py'",
    ),
    "compile-as-value": (
        "run = compile\nrun('pass', 'word_count.py', 'exec')",
        "`compile` used as a value",
    ),
    "exec-mapped": ("list(map(exec, sources))", "`exec` used as a value"),
    # the built-ins reached another way
    "builtins-module-compile": (
        "import builtins\nbuiltins.compile('pass', 'word_count.py', 'exec')",
        "`builtins.compile`",
    ),
    "builtins-alias": ("import builtins as b\nb.exec(code)", "`b.exec`"),
    "dunder-builtins": ("__builtins__['exec'](code)", "`__builtins__`"),
    "getattr-builtins": (
        "import builtins\ngetattr(builtins, 'compile')('pass', 'w.py', 'exec')",
        "'compile' looked up",
    ),
    "vars-builtins": (
        "import builtins\nvars(builtins)['exec'](code)",
        "`vars(builtins)`",
    ),
    "from-builtins": (
        "from builtins import exec as run\nrun(code)",
        "`from builtins import exec`",
    ),
    "dunder-import-builtins": ("__import__('builtins').exec(code)", "`....exec`"),
    # the tracer
    "settrace": ("import sys\nsys.settrace(lambda *a: None)", "`sys.settrace`"),
    "setprofile": ("import sys\nsys.setprofile(None)", "`sys.setprofile`"),
    "gettrace": ("import sys\ntracer = sys.gettrace()", "`sys.gettrace`"),
    "threading-settrace": (
        "import threading\nthreading.settrace(f)",
        "`threading.settrace`",
    ),
    "threading-setprofile": (
        "import threading\nthreading.setprofile(f)",
        "`threading.setprofile`",
    ),
    "from-sys-import": (
        "from sys import settrace as st\nst(None)",
        "`from sys import settrace`",
    ),
    "sys-alias": ("import sys as s\ns.settrace(None)", "`s.settrace`"),
    "getattr-sys": ("import sys\ngetattr(sys, 'settrace')(None)", "'settrace'"),
    "getattr-concat": ("import sys\ngetattr(sys, 'set' + 'trace')(None)", "'settrace'"),
    "getattr-join": (
        "import sys\ngetattr(sys, ''.join(['set', 'trace']))(None)",
        "'settrace'",
    ),
    "getattr-reversed": (
        "import sys\ngetattr(sys, 'ecarttes'[::-1])(None)",
        "'settrace'",
    ),
    "getattr-fstring": (
        "import sys\nname = 'trace'\ngetattr(sys, f'set{name}')(None)",
        "'settrace'",
    ),
    "getattr-constant-name": (
        "import sys\nNAME = 'settrace'\ngetattr(sys, NAME)(None)",
        "'settrace'",
    ),
    "getattr-computed": (
        "import sys\ngetattr(sys, pick())(None)",
        "`getattr(sys, ...)`",
    ),
    "dunder-import-sys": ("__import__('sys').settrace(None)", "`....settrace`"),
    "getmembers-sys": (
        "import inspect, sys\n[f for n, f in inspect.getmembers(sys) if n.endswith('ace')]",
        "`getmembers(sys)`",
    ),
    "dir-builtins": ("import builtins\nnames = dir(builtins)", "`dir(builtins)`"),
    "object-getattribute-sys": (
        "import sys\nobject.__getattribute__(sys, pick())",
        "`__getattribute__(sys, ...)`",
    ),
    "sys-dict": ("import sys\nsys.__dict__[name](None)", "`sys.__dict__`"),
    "frame-f-trace": ("import sys\nsys._getframe().f_trace = hook", "`....f_trace`"),
    "sys-monitoring": (
        "import sys\nsys.monitoring.use_tool_id(1, 'x')",
        "`sys.monitoring`",
    ),
    "attrgetter": (
        "import operator, sys\noperator.attrgetter('settrace')(sys)",
        "'settrace'",
    ),
    "resolve-name": (
        "import pkgutil\npkgutil.resolve_name('sys:settrace')",
        "'sys:settrace'",
    ),
    # coverage itself
    "import-coverage": (
        "import coverage\ncoverage.Coverage.current()",
        "`import coverage`",
    ),
    "from-coverage": (
        "from coverage import CoverageData",
        "`from coverage import ...`",
    ),
    "import-coverage-sub": ("import coverage.data", "`import coverage.data`"),
    "dunder-import-coverage": ("cov = __import__('coverage')", "'coverage' looked up"),
    "import-module-coverage": (
        "import importlib\nimportlib.import_module('cover' + 'age')",
        "'coverage' looked up",
    ),
    "import-module-computed": (
        "import importlib\nimportlib.import_module(name)",
        "`import_module` of a computed name",
    ),
    "sys-modules-coverage": (
        "import sys\nsys.modules['coverage']",
        "'coverage' looked up",
    ),
    "sys-modules-get": (
        "import sys\nsys.modules.get('coverage.collector')",
        "'coverage.collector' looked up",
    ),
    "find-spec": (
        "import importlib.util\nimportlib.util.find_spec('coverage')",
        "'coverage' looked up",
    ),
    "coverage-class-by-name": ("obj = getattr(mod, 'CTracer')", "'CTracer' looked up"),
    "coverage-data-attr": (
        "data = mod.CoverageData(basename='x')",
        "`mod.CoverageData`",
    ),
    "coverage-cli": (
        "import subprocess, sys\nsubprocess.run([sys.executable, '-m', 'coverage', 'erase'])",
        "`-m coverage`",
    ),
    "coverage-cli-string": (
        "os.system('python -m coverage combine')",
        "'python -m coverage combine'",
    ),
    "pytest-cov": (
        "pytest_plugins = ['pytest_cov']\nimport pytest_cov",
        "`import pytest_cov`",
    ),
    "gc-objects": ("import gc\nobjs = gc.get_objects()", "`gc.get_objects`"),
    # coverage's data and configuration
    "data-file": ("open('.coverage', 'wb').write(b'')", "'.coverage'"),
    "data-file-path": (
        "import sqlite3\nsqlite3.connect('/tmp/x/.coverage.host.1')",
        "'/tmp/x/.coverage.host.1'",
    ),
    "our-data-file": (
        "p = tmp_path.parent.parent / 'coverage.data'",
        "'coverage.data'",
    ),
    "our-data-file-split": (
        "p = tmp_path.parent.parent / ('cov' + 'erage.data')",
        "'coverage.data'",
    ),
    "rcfile": ("open(rc_dir + '/coveragerc', 'w')", "'/coveragerc'"),
    "coverage-env": ("import os\nos.environ['COVERAGE_FILE'] = 'x'", "'COVERAGE_FILE'"),
    "coverage-env-process": (
        "os.environ.setdefault('COVERAGE_PROCESS_START', 'x')",
        "'COVERAGE_PROCESS_START'",
    ),
    "job-folder": (
        "open('/job/work/student/coverage.data', 'wb')",
        "'/job/work/student/coverage.data'",
    ),
    # code objects made by hand
    "code-replace": (
        "f.__code__ = g.__code__.replace(co_filename='word_count.py')",
        "`co_filename=`",
    ),
    "code-type": ("import types\ntypes.CodeType(*fields)", "`types.CodeType`"),
    "marshal": ("import marshal\nexec(marshal.loads(blob))", "`import marshal`"),
    "py-compile": ("import py_compile", "`import py_compile`"),
    "ctypes": ("import ctypes\nctypes.pythonapi.PyEval_SetTrace", "`import ctypes`"),
    "code-module": (
        "import code\ncode.InteractiveInterpreter().runsource(s, 'word_count.py')",
        "`import code`",
    ),
    "source-loader": (
        "import importlib.abc\nclass L(importlib.abc.SourceLoader):\n    pass",
        "`importlib.abc.SourceLoader`",
    ),
    # code inside strings
    "exec-string": ("exec('import sys; sys.settrace(None)')", "`sys.settrace`"),
    "exec-string-compile": (
        'exec(\'exec(compile("pass", "word_count.py", "exec"))\')',
        "compile(..., 'word_count.py'",
    ),
    "subprocess-code": (
        "subprocess.run([sys.executable, '-c', 'import coverage; coverage.Coverage()'])",
        "`import coverage`",
    ),
}

BENIGN = {
    "re-compile": (
        "import re\nPATTERN = re.compile(r'[a-z]+')\nfrom re import compile\ncompile('x')"
    ),
    "compile-string-filename": (
        "code = compile('1 + 1', '<string>', 'eval')\nassert eval(code) == 2"
    ),
    "eval-repr": "from money import Money\nm = Money(1)\nassert eval(repr(m)) == m",
    "exec-plain": "ns = {}\nexec('x = 1', ns)\nassert ns['x'] == 1",
    "monkeypatch-builtins-input": (
        "import builtins\n\ndef test_it(monkeypatch):\n"
        "    monkeypatch.setattr(builtins, 'input', lambda _: 'y')\n"
    ),
    "strings-in-docs": (
        '"""We never call sys.settrace or import coverage here; .coverage is not ours."""\n'
        "def test_x():\n    '''compile under a name: see COVERAGE_FILE'''\n"
    ),
    "comments": "# sys.settrace(None)\n# import coverage\nx = 1  # .coverage\n",
    "word-coverage": "assert report['coverage'] == 0.5\nlabel = 'coverage of the edge cases'",
    "pandas-eval": "import operator\nop = operator.methodcaller('eval', 'A + 1')\ndf.eval('A + 1')",
    "sklearn-metric": "name = 'sklearn.metrics.coverage_error'",
    "sqlite-tmp": "import sqlite3\nconn = sqlite3.connect(tmp_path / 'shop.db')",
    "threading": "import threading\nt = threading.Thread(target=f)\nt.start()\nt.join()",
    "sys-usage": "import sys\nsys.path.insert(0, '.')\nsys.modules.pop('word_count', None)",
    "importlib-reload": "import importlib\nimport word_count\nimportlib.reload(word_count)",
    "import-module-literal": "import importlib\nmod = importlib.import_module('word_count')",
    "getattr-object": "value = getattr(obj, name)\nsetattr(obj, 'x', 1)",
    "subprocess": "import subprocess, sys\nsubprocess.run([sys.executable, '-m', 'word_count'])",
    "own-class-named-like-coverage": "class Coverage:\n    pass\n\nc = Coverage()",
    "prose-with-parens": "msg = 'call (this) first; then = that'",
    "inspect": "import inspect\nassert inspect.signature(f)",
    "proc": "import os\nos.listdir('/proc')",
    "json-paths": "path = tmp_path / 'data.json'\nother = 'report.data'",
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_pattern_is_found(case: str) -> None:
    source, fragment = HOSTILE[case]
    whats = found(source)
    assert any(fragment in w for w in whats), whats


@pytest.mark.parametrize("case", sorted(BENIGN))
def test_ordinary_code_is_left_alone(case: str) -> None:
    assert found(BENIGN[case]) == []


def test_findings_name_the_file_and_line() -> None:
    source = "import sys\n\n\ndef test_x():\n    sys.settrace(None)\n"
    (finding,) = scan_source(source, "tests/test_word_count.py")
    assert (finding.path, finding.line) == ("tests/test_word_count.py", 5)
    assert finding.describe().startswith("tests/test_word_count.py:5: `sys.settrace`")


def test_code_inside_a_string_is_reported_at_the_strings_line() -> None:
    source = 'x = 1\n\nexec("""\nimport sys\nsys.settrace(None)\n""")\n'
    lines = {f.line for f in scan_source(source, "t.py")}
    assert lines and all(3 <= line <= 5 for line in lines)


def test_the_solution_is_scanned_for_tracer_and_coverage_access() -> None:
    assert found("import sys\nsys.settrace(None)", role="solution")
    assert found("import coverage", role="solution")
    assert found("exec(compile('pass', __file__, 'exec'))", role="solution")
    # Programs look things up by computed names; a solution may.
    plugin = "import importlib\nmod = importlib.import_module(name)\ngetattr(sys, attr)"
    assert found(plugin, role="solution") == []


def test_a_file_that_does_not_parse_has_no_findings() -> None:
    assert scan_source("def broken(:\n", "t.py") == []


def test_scan_files_gives_each_file_its_role(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "word_count.py").write_text(
        "import importlib\nm = importlib.import_module(x)\n", encoding="utf-8"
    )
    (tmp_path / "tests" / "test_word_count.py").write_text(
        "import importlib\nm = importlib.import_module(x)\n", encoding="utf-8"
    )
    findings = scan_files(tmp_path, ["tests/test_word_count.py"], ["word_count.py"])
    assert [f.path for f in findings] == ["tests/test_word_count.py"]


def _bundled_exercises() -> list[Path]:
    roots = [REPO / "exercises", REPO / "tests" / "fixtures" / "pack"]
    return sorted(t.parent for root in roots for t in root.glob("*/*/exercise.toml"))


@pytest.mark.parametrize(
    "folder", _bundled_exercises(), ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_bundled_references_and_starters_are_clean(folder: Path) -> None:
    """No false positive on the tests and solutions the exercises ship."""
    raw = load_toml((folder / "exercise.toml").read_text(encoding="utf-8"))
    solutions = raw["files"]["solution"]
    for side in ("reference", "starter"):
        root = folder / side
        every_py = [str(p.relative_to(root)) for p in root.rglob("*.py")]
        findings = scan_files(root, every_py, [s for s in solutions if s in every_py])
        assert findings == [], [f.describe() for f in findings]


def test_a_forged_coverage_fails_the_check_without_running_tests(
    reference_copy: Path, word_count: Exercise, local_backend: LocalBackend
) -> None:
    test_file = reference_copy / "tests" / "test_word_count.py"
    test_file.write_text(
        test_file.read_text(encoding="utf-8")
        + "\n\ndef test_forge():\n"
        + '    exec(compile("pass\\n" * 40, "word_count.py", "exec"))\n',
        encoding="utf-8",
    )
    card = grade_workspace(reference_copy, exercise=word_count, backend=local_backend)
    assert schema_errors(to_dict(card)) == []
    coverage = card.check("coverage")
    assert coverage is not None
    assert (coverage.status, coverage.score) == ("fail", 0.0)
    assert coverage.message.startswith("tests/test_word_count.py:20: `compile(...")
    assert "not allowed" in coverage.message
    assert coverage.details["student_tests"]["passed"] == 0
    assert coverage.details["tampering"][0]["line"] == 20
