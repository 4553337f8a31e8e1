"""Check a pass's JUnit report: tests ran, and none that must run in this pass was skipped.

A green pytest run can still prove little: no tests collected (pytest's exit code 5
turns into make's 2, which says nothing), or the worker and browser tests quietly
skipped because a service or Chromium was missing. This turns those into failures.

usage: check_junit.py REPORT [--no-skips] [--must-run tests/path.py]...
"""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("report")
    parser.add_argument("--no-skips", action="store_true", help="any skipped test fails")
    parser.add_argument("--must-run", action="append", default=[], metavar="TEST_FILE")
    args = parser.parse_args()

    report = ET.parse(args.report)  # noqa: S314 - written by our own pytest run, not untrusted
    cases = report.getroot().iter("testcase")
    ran: list[str] = []
    skipped: dict[str, str] = {}
    for case in cases:
        test_id = f"{case.get('classname')}::{case.get('name')}"
        skip = case.find("skipped")
        if skip is None:
            ran.append(test_id)
        else:
            skipped[test_id] = skip.get("message", "")

    problems = []
    if not ran:
        problems.append("no test ran: check the collection and PYTEST_ARGS")
    for path in args.must_run:
        module = path.removesuffix(".py").replace("/", ".")
        if not any(test_id.startswith(f"{module}::") for test_id in ran):
            problems.append(f"{path} must run in this pass but did not")
        problems += [
            f"{test_id} was skipped: {reason}"
            for test_id, reason in skipped.items()
            if test_id.startswith(f"{module}::")
        ]
    if args.no_skips:
        problems += [f"{test_id} was skipped: {reason}" for test_id, reason in skipped.items()]

    print(f"{args.report}: {len(ran)} tests ran, {len(skipped)} skipped")
    for problem in dict.fromkeys(problems):
        print(f"  FAIL {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
