#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Merge JUnit XML reports (the shards of `bfpgen fuzz --shard I/N --junit F`, or CTest's --output-junit) into one.

    scripts/junit_merge.py -o merged.xml shard-1.xml shard-2.xml ...

Every <testsuite> of every input is copied unchanged (test cases, failures, errors, output) under one
<testsuites> root whose counts are recounted from the test cases. The merge refuses (exit 2), naming the files,
when an input is missing or not JUnit, when a test case appears twice (overlapping shards), or when the inputs are
shards of one run (a "shard" property I/N on each suite, as bfpgen writes) but not all of 1..N exactly once or not
of the same run (seed, configs, kinds, count differ): a shard that crashed before writing its file must not give a
green report. --allow-partial turns the shard checks into warnings.

Exit status: 0 every test case passed, 1 some failed or had an error (each is listed, with its repro line when
it has one), 2 bad input. Python 3 standard library only (docs/fuzz.md, "Sharding").
"""
import argparse
import os
import sys
import tempfile
import xml.etree.ElementTree as ET

RUN_PROPERTIES = ("seed", "configs", "kinds", "count")  # must agree between the shards of one run


class MergeError(Exception):
    pass


def suites_of(path):
    """The <testsuite> elements of one report (root <testsuites> or a single <testsuite>)."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        raise MergeError(f"{path}: cannot read a JUnit report: {e}")
    if root.tag == "testsuite":
        return [root]
    if root.tag == "testsuites":
        return list(root.iter("testsuite"))
    raise MergeError(f"{path}: root element <{root.tag}> is neither <testsuites> nor <testsuite>")


def properties(suite):
    return {p.get("name"): p.get("value") for p in suite.findall("./properties/property")}


def outcome(case):
    for tag in ("error", "failure", "skipped"):
        if case.find(tag) is not None:
            return tag
    return "pass"


def check_shards(suites, allow_partial):
    """The shard checks of the module doc; returns a list of warnings (errors raise unless allow_partial)."""
    sharded = [(path, s, properties(s)) for path, s in suites if "shard" in properties(s)]
    if not sharded:
        return []
    problems = []
    seen = {}
    counts = set()
    for path, _, props in sharded:
        text = props["shard"]
        try:
            i, n = (int(x) for x in text.split("/"))
            if not 1 <= i <= n:
                raise ValueError
        except ValueError:
            problems.append(f"{path}: shard property '{text}' is not I/N with 1 <= I <= N")
            continue
        counts.add(n)
        if i in seen:
            problems.append(f"shard {i}/{n} appears twice: {seen[i]} and {path}")
        seen.setdefault(i, path)
    if len(counts) > 1:
        problems.append("the shards disagree on N: " + ", ".join(sorted(f"{p}: {pr['shard']}" for p, _, pr in sharded)))
    elif counts:
        n = counts.pop()
        missing = [i for i in range(1, n + 1) if i not in seen]
        if missing:
            problems.append(f"shards missing of {n}: " + ", ".join(f"{i}/{n}" for i in missing))
    for key in RUN_PROPERTIES:
        values = {pr.get(key) for _, _, pr in sharded}
        if len(values) > 1:
            problems.append(f"the shards are not of one run: property '{key}' differs: " +
                            ", ".join(f"{p}: {pr.get(key)}" for p, _, pr in sharded))
    if problems and not allow_partial:
        raise MergeError("; ".join(problems))
    return problems


def merge(paths, allow_partial=False):
    suites = [(p, s) for p in paths for s in suites_of(p)]
    warnings = check_shards(suites, allow_partial)
    out = ET.Element("testsuites", name="merged")
    owner = {}
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    time = 0.0
    failing = []
    for path, suite in suites:
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for case in suite.iter("testcase"):
            key = (case.get("classname"), case.get("name"))
            if key in owner:
                raise MergeError(f"test case {key[0]} '{key[1]}' is in {owner[key]} and {path} (overlapping shards?)")
            owner[key] = path
            counts["tests"] += 1
            o = outcome(case)
            if o == "failure":
                counts["failures"] += 1
            elif o == "error":
                counts["errors"] += 1
            elif o == "skipped":
                counts["skipped"] += 1
            if o in ("failure", "error"):
                text = case.find(o).text or ""
                repro = [line for line in text.splitlines() if line.startswith("repro: ")]
                failing.append(f"{o.upper()} {case.get('classname')} {case.get('name')} ({path})" +
                               (f"\n    {repro[0]}" if repro else ""))
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
        try:
            time += float(suite.get("time", "0"))
        except ValueError:
            pass
        out.append(suite)
    for k, v in totals.items():
        out.set(k, str(v))
    out.set("time", f"{time:.3f}")
    return out, totals, failing, warnings


def write_atomically(tree, path):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".junit_merge.", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            ET.ElementTree(tree).write(f, encoding="UTF-8", xml_declaration=True)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--output", required=True, help="merged JUnit XML file")
    ap.add_argument("--allow-partial", action="store_true",
                    help="merge even when shards are missing, repeated or of different runs (warn only)")
    ap.add_argument("inputs", nargs="+", help="JUnit XML files")
    a = ap.parse_args(argv)
    try:
        tree, totals, failing, warnings = merge(a.inputs, a.allow_partial)
        write_atomically(tree, a.output)
    except (MergeError, OSError) as e:
        print(f"junit_merge: error: {e}", file=sys.stderr)
        return 2
    for w in warnings:
        print(f"junit_merge: warning: {w}", file=sys.stderr)
    for f in failing:
        print(f"junit_merge: {f}")
    print(f"junit_merge: {len(a.inputs)} files, {totals['tests']} tests, {totals['failures']} failures, "
          f"{totals['errors']} errors, {totals['skipped']} skipped -> {a.output}")
    return 1 if totals["failures"] or totals["errors"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
