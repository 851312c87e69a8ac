"""Area/power groups of the modules of a generated RTL directory (docs/ppa.md, "Module groups").

Every .sv file names the group of the modules it declares with a '// bfp-group: NAME' line before its first
`module` (the rtl/*.sv leaves in their first comment line, the generated bfp_top.sv in its header, the FPGA
shell rtl/fpga/bfp_fpga_shell.sv likewise). The reports read the groups from the generated output, so a new
module gets its group where it is written. report/module_groups.cpp is the C++ reader of the same tags.
Standard library only.
"""
import os
import re

TAG = re.compile(r"^\s*//\s*bfp-group:\s*(\S(?:.*\S)?)\s*$")
MODULE = re.compile(r"^\s*module\s+(\w+)")


def file_groups(path):
    """{module: group} of the modules one .sv file declares."""
    group, modules = None, []
    with open(path) as f:
        for line in f:
            t = TAG.match(line)
            if t and group is None and not modules:
                group = t.group(1)
            m = MODULE.match(line)
            if m:
                modules.append(m.group(1))
    if group is None:
        raise SystemExit(f"module_groups.py: {path}: no '// bfp-group: <group>' line before its first module")
    return {m: group for m in modules}


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
