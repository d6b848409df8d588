"""JUnit XML as Jenkins' junit-10.xsd and Ant's JUnit schema describe it.

`<testsuites>` holds one `<testsuite>` per check (`id` from 0, `package`, `name`, `tests`,
`failures`, `errors`, `skipped`, `time`, `timestamp` without a time zone, `hostname`), each
with `<properties>` first and `<system-out>`/`<system-err>` last. A hidden test is a
`<testcase>` (`name`, `classname`, `time`) holding at most one `<failure>`, `<error>` or
`<skipped>`, and its captured output in `<system-out>`; any other check is one testcase.
The counts add up: every suite's are the number of its testcases with each outcome, and the
root's (`tests`, `failures`, `errors`) are the sums.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from grader.registry.checks import declaration
from grader.scorecard.exports._shared import (
    check_report,
    failure_text,
    hidden_tests,
    test_heading,
)
from grader.scorecard.model import CheckResult, Scorecard, TestOutcome

HOSTNAME = "localhost"  # Ant's value when the host should not (or cannot) be named
# Characters XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_EXCEPTION = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)):")
# Our test statuses as JUnit outcomes: (element, type when the message names none).
OUTCOME = {
    "failed": ("failure", "AssertionError"),
    "error": ("error", "Error"),
    "timeout": ("error", "Timeout"),
    "skipped": ("skipped", ""),
}
CHECK_OUTCOME = {"fail": "failure", "error": "error", "skipped": "skipped"}


def render(card: Scorecard) -> str:
    root = ET.Element("testsuites", name=_xml(card.exercise.slug))
    for index, check in enumerate(card.checks):
        root.append(_suite(card, check, index))
    # junit-10.xsd gives <testsuites> no `skipped` attribute: the suites carry it.
    for attribute in ("tests", "failures", "errors"):
        root.set(attribute, str(sum(int(s.get(attribute, 0)) for s in root)))
    root.set("time", _seconds(sum(float(s.get("time", 0)) for s in root)))
    ET.indent(root)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + ET.tostring(root, encoding="unicode")
        + "\n"
    )


def _suite(card: Scorecard, check: CheckResult, index: int) -> ET.Element:
    package = card.exercise.slug
    suite = ET.Element(
        "testsuite",
        id=str(index),
        package=_xml(package),
        name=_xml(f"{package}.{check.id}"),
        timestamp=card.started_at.removesuffix("Z")[:19],
        hostname=HOSTNAME,
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("title", check.title),
        ("status", check.status),
        ("score", f"{check.score:g}"),
        ("max_score", f"{check.max_score:g}"),
        ("backend", card.runner.backend),
        ("isolation", str(card.integrity.get("level", ""))),
        ("verdict", card.status),
        ("gates_not_held", "; ".join(g.why or g.id for g in card.gates if not g.held)),
    ):
        ET.SubElement(properties, "property", name=name, value=_xml(value))
    tests = hidden_tests(card) if declaration(check.id).lists_tests else []
    if tests:
        cases = [_test_case(package, test) for test in tests]
    else:
        cases = [_check_case(package, check)]
    suite.extend(cases)
    counts = {"failure": 0, "error": 0, "skipped": 0}
    for case in cases:
        for child in case:
            if child.tag in counts:
                counts[child.tag] += 1
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(counts["failure"]))
    suite.set("errors", str(counts["error"]))
    suite.set("skipped", str(counts["skipped"]))
    suite.set("time", _seconds(sum(float(c.get("time", 0)) for c in cases)))
    ET.SubElement(suite, "system-out").text = _xml(check.message)
    ET.SubElement(suite, "system-err").text = ""
    return suite


def _test_case(package: str, test: TestOutcome) -> ET.Element:
    module, _, name = test.id.partition("::")
    classname = ".".join(
        [package.replace("/", "."), module.removesuffix(".py").replace("/", ".")]
        + name.split("::")[:-1]
    )
    case = ET.Element(
        "testcase",
        name=_xml(name.split("::")[-1] or test.id),
        classname=_xml(classname),
        time=_seconds(float(test.duration or 0.0)),
    )
    if test.status in OUTCOME:
        tag, default_type = OUTCOME[test.status]
        text = failure_text(test)
        outcome = ET.SubElement(case, tag, message=_xml(_first_line(text)))
        if tag != "skipped":
            outcome.set("type", _exception_type(text, default_type))
            # The body says which test, task and case: JUnit has no place of its own
            # for them in a testcase (Ant allows no properties there).
            outcome.text = _xml(f"{test_heading(test)}\n\n{text}")
    if test.output:
        ET.SubElement(case, "system-out").text = _xml(test.output)
    return case


def _check_case(package: str, check: CheckResult) -> ET.Element:
    case = ET.Element(
        "testcase",
        name=check.id,
        classname=_xml(f"{package.replace('/', '.')}.{check.id}"),
        time=_seconds(check.duration),
    )
    tag = CHECK_OUTCOME.get(check.status)
    if tag is not None:
        outcome = ET.SubElement(case, tag, message=_xml(_first_line(check.message)))
        if tag != "skipped":
            outcome.set("type", check.id)
            outcome.text = _xml(check_report(check))
    return case


def _exception_type(text: str, default: str) -> str:
    match = _EXCEPTION.match(text)
    return match.group(1) if match else default


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def _seconds(value: float) -> str:
    return f"{max(0.0, value):.3f}"


def _xml(text: str) -> str:
    """Text XML 1.0 can hold: the characters it forbids become U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)
