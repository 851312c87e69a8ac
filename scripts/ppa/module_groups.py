# SPDX-License-Identifier: Apache-2.0
"""Area/power groups of the modules of a generated RTL directory (docs/ppa.md, "Module groups").

Every .sv file names the group of the modules it declares with one '// bfp-group: NAME' line, its last line
(the rtl/*.sv leaves, the generated bfp_top.sv, the FPGA shell rtl/fpga/bfp_fpga_shell.sv). At the end, not in
the header, so that no line of code moves: Yosys names cells after source lines, and a shifted line changes
the synthesis result. The reports read the groups from the generated output, so a new module gets its group
where it is written. report/module_groups.cpp is the C++ reader of the same tags. Standard library only.
"""
import os
import re

TAG = re.compile(r"^\s*//\s*bfp-group:\s*(\S(?:.*\S)?)\s*$")
MODULE = re.compile(r"^\s*module\s+(\w+)")


def file_groups(path):
    """{module: group} of the modules one .sv file declares."""
    tags, modules = [], []
    with open(path) as f:
        for line in f:
            t = TAG.match(line)
            if t:
                tags.append(t.group(1))
            m = MODULE.match(line)
            if m:
                modules.append(m.group(1))
    if not modules and not tags:
        return {}  # a package (bfp_pkg.sv) declares no module: nothing to group
    if len(tags) != 1:
        raise SystemExit(f"module_groups.py: {path}: {len(tags)} '// bfp-group: <group>' lines, expected one")
    return {m: tags[0] for m in modules}


def read(rtl_dir, extra=()):
    """(groups, order): {module: group} of every file of rtl_dir/bfp_top.f and of the `extra` .sv files, and
    the groups in order of first appearance (filelist order, then extra), the order of the reports' tables."""
    filelist = os.path.join(rtl_dir, "bfp_top.f")
    if not os.path.exists(filelist):
        raise SystemExit(f"module_groups.py: {filelist} not found (bfpgen generate writes it)")
    files = [os.path.join(rtl_dir, l.strip()) for l in open(filelist) if l.strip()]
    groups, order = {}, []
    for path in files + list(extra):
        for module, group in file_groups(path).items():
            groups[module] = group
            if group not in order:
                order.append(group)
    return groups, order
