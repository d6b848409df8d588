"""Criteria judged from the repository's README: sections, a screenshot, coverage, API docs."""

from __future__ import annotations

import re
from pathlib import Path

from grader.stages.model import Evaluate, Finding, StageContext
from grader.stages.repo_scan import read_text

README_NAMES = ("README.md", "README.rst", "README.txt", "README", "README.markdown")


def _words(*words: str) -> str:
    # Not \b: Chinese characters count as word characters, and "API文档" must match "api".
    return r"(?<![a-z])(?:" + "|".join(words) + r")(?![a-z])"


# What a heading must mention, in English or Chinese, to count as the section.
SECTION_PATTERNS: dict[str, re.Pattern[str]] = {
    "install": re.compile(
        _words(
            r"install\w*",
            "setup",
            "set up",
            "getting started",
            "requirements",
            "prerequisites",
        )
        + "|安装|环境|依赖",
        re.IGNORECASE,
    ),
    "run": re.compile(
        _words("run", "running", "usage", r"quick ?start", r"examples?", "how to use")
        + "|运行|使用|用法|快速开始|示例|启动",
        re.IGNORECASE,
    ),
    "deploy": re.compile(_words(r"deploy\w*", "docker") + "|部署|上线", re.IGNORECASE),
}
SECTION_EXAMPLE = {
    "install": "## Installation / 安装",
    "run": "## Usage / 运行",
    "deploy": "## Deployment / 部署",
}

_ATX = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)\s*$")
_RST_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+:_.])\1{2,}\s*$")
_IMAGE = re.compile(
    r"!\[[^\]]*\]\(\s*([^)\s]+)[^)]*\)|<img\s[^>]*src=\"?([^\"\s>]+)", re.I
)
_COVERAGE = re.compile(r"coverage|覆盖率|codecov|coveralls", re.IGNORECASE)
_LINK = re.compile(
    r"\[([^\]]+)\]\(\s*([^)\s]+)[^)]*\)|<(https?://[^>\s]+)>|(https?://\S+)"
)
_API_DOCS = re.compile(
    _words("api", "swagger", "openapi", "redoc", "postman") + r"|/docs/?$|接口", re.I
)


def find_readme(repo: Path) -> Path | None:
    """The README at the repository root, whatever its case."""
    try:
        names = {p.name.lower(): p for p in repo.iterdir() if p.is_file()}
    except OSError:
        return None
    return next((names[n.lower()] for n in README_NAMES if n.lower() in names), None)


def headings(text: str, *, rst: bool = False) -> list[str]:
    """Markdown (`# Title`, setext) or, with `rst`, reStructuredText headings, in order.

    Headings inside Markdown code fences do not count.
    """
    underline = _RST_UNDERLINE if rst else _SETEXT_UNDERLINE
    found: list[str] = []
    in_fence = False
    previous = ""  # the text line just before, which an underline turns into a heading
    for line in text.splitlines():
        if not in_fence and previous and underline.match(line):
            found.append(previous)
            previous = ""
            continue
        if not rst and line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            previous = ""
            continue
        atx = None if (in_fence or rst) else _ATX.match(line)
        if atx:
            found.append(atx[1])
        previous = "" if (in_fence or atx) else line.strip()
    return found


def readme_sections(*sections: str) -> Evaluate:
    """The README has a heading for each of `sections` (install, run, deploy)."""

    def evaluate(ctx: StageContext) -> Finding:
        readme = find_readme(ctx.repo)
        wanted = ", ".join(sections)
        if readme is None:
            return Finding(
                False,
                "no README at the repository root",
                f"create README.md with the sections {wanted}: "
                + "; ".join(SECTION_EXAMPLE[s] for s in sections),
            )
        found = headings(read_text(readme), rst=readme.suffix.lower() == ".rst")
        matched = {
            s: next((h for h in found if SECTION_PATTERNS[s].search(h)), None)
            for s in sections
        }
        missing = [s for s, h in matched.items() if h is None]
        evidence = f"{readme.name}: " + "; ".join(
            f"{s}: {repr(h) if h else 'missing'}" for s, h in matched.items()
        )
        if not missing:
            return Finding(True, evidence)
        return Finding(
            False,
            evidence,
            f"add to {readme.name}: " + "; ".join(SECTION_EXAMPLE[s] for s in missing),
            tuple(f"heading: {h}" for h in found[:12]),
        )

    return evaluate


def readme_screenshot_and_coverage(ctx: StageContext) -> Finding:
    """The README shows a screenshot of a run and reports test coverage."""
    readme = find_readme(ctx.repo)
    if readme is None:
        return Finding(
            False,
            "no README at the repository root",
            "create README.md with a screenshot (![run](docs/run.png)) and the "
            "coverage figure of `pytest --cov`",
        )
    text = read_text(readme)
    image = _IMAGE.search(text)
    coverage = _COVERAGE.search(text)
    evidence = (
        f"{readme.name}: screenshot: "
        + (repr(image[1] or image[2]) if image else "none")
        + "; coverage: "
        + ("mentioned" if coverage else "not mentioned")
    )
    steps = []
    if not image:
        steps.append("add a screenshot of a run: ![run](docs/run.png)")
    if not coverage:
        steps.append(
            "add a Coverage / 测试覆盖率 section with the figure "
            "`pytest --cov --cov-report=term` prints (or a coverage badge)"
        )
    return Finding(not steps, evidence, "; ".join(steps))


def readme_api_docs_link(ctx: StageContext) -> Finding:
    """The README links to the API documentation (Swagger/OpenAPI, Postman, a docs page)."""
    readme = find_readme(ctx.repo)
    if readme is None:
        return Finding(
            False,
            "no README at the repository root",
            "create README.md with a link to the API docs, e.g. "
            "[API docs](http://localhost:8000/docs)",
        )
    links = [
        (m[1] or "", m[2] or m[3] or m[4] or "")
        for m in _LINK.finditer(read_text(readme))
    ]
    api = [(t, u) for t, u in links if _API_DOCS.search(t) or _API_DOCS.search(u)]
    if api:
        text, url = api[0]
        return Finding(True, f"{readme.name} links the API docs: {text or url} → {url}")
    return Finding(
        False,
        f"{readme.name}: {len(links)} link(s), none to API documentation",
        f"add to {readme.name}: [API docs / 接口文档](docs/api.md) "
        "or the service's /docs (Swagger) address",
    )
