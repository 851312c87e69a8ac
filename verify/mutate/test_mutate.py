#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""ctest mutate_sites: the mutator on rtl/bfp_pe.sv and rtl/bfp_core.sv finds the sites it should (and none in
generate-time code), a schema keeps every line where it was, and the same seed gives the same bytes.
Usage: test_mutate.py SOURCE_DIR SCRATCH_DIR"""
import os
import subprocess
import sys

src, scratch = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(src, "verify", "mutate"))
import mutate  # noqa: E402

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


pe = os.path.join(src, "rtl", "bfp_pe.sv")
core = os.path.join(src, "rtl", "bfp_core.sv")
muts = mutate.all_mutants([pe, core])
kinds = {m["kind"] for m in muts}
check(kinds == {"op", "const", "index", "stuck"}, f"all four kinds of mutant, got {sorted(kinds)}")
by = {(m["file"], m["kind"], m["orig"], m["rep"]) for m in muts}
check(("bfp_pe.sv", "op", "+", "-") in by, "bfp_pe: the block-sum add bsum_q + prod -> bsum_q - prod")
mul = os.path.join(src, "rtl", "bfp_mul.sv")
check(("bfp_mul.sv", "op", "*", "+") in {(m["file"], m["kind"], m["orig"], m["rep"]) for m in mutate.all_mutants([mul])},
      "bfp_mul: the product a_i * b_i -> a_i + b_i")
check(("bfp_pe.sv", "op", "&&", "||") in by, "bfp_pe: valid_i && last_i -> ||")
check(("bfp_pe.sv", "const", "1'b0", "1'b1") in by, "bfp_pe: a 1-bit literal flipped")
check(("bfp_core.sv", "stuck", "OpStore[3:0]", "'0") in by, "bfp_core: op_o's STORE encoding stuck at 0")
# no site in generate-time code: the parameter checks (generate if), localparams, the parameter list
pe_text = open(pe).read().splitlines()
for m in muts:
    line = (pe_text if m["file"] == "bfp_pe.sv" else open(core).read().splitlines())[m["line"] - 1]
    if any(w in line for w in ("localparam", "parameter", "$error", "gen_bad")):
        check(False, f"a mutant in generate-time code: {m['file']}:{m['line']}: {line.strip()}")
        break
# the sites of bfp_pe.sv, counted by hand: 10 continuous assignments (6 of them the clock / enable selects of the
# gated and ungated branches, one the external product; the unused_* sinks are not sites), 11 nonblocking
# assignments (8 of them in `always_ff @(...) if (take_*)` blocks, 3 the waiting-block flag), 8 if conditions (3
# of them the take_* enables, 3 the flag's)
sites = mutate.find_sites(pe, open(pe).read())
count = {k: sum(s.kind == k for s in sites) for k in ("assign", "nba", "cond")}
check(count == {"assign": 10, "nba": 11, "cond": 8}, f"bfp_pe.sv has 10 assign, 11 <=, 8 if sites, found {count}")
# ids and signatures are stable: listing twice gives the same
check([m["sig"] for m in muts] == [m["sig"] for m in mutate.all_mutants([pe, core])], "signatures are stable")
check(len({m["sig"] for m in muts}) == len(muts), "signatures are unique")


def schema(seed, out):
    subprocess.run([sys.executable, os.path.join(src, "verify", "mutate", "mutate.py"), "schema", "--seed", str(seed),
                    "--count", "30", "--min-per-file", "5", "--out", out, pe, core], check=True,
                   stdout=subprocess.DEVNULL)
    return {f: open(os.path.join(out, f)).read() for f in sorted(os.listdir(out))}


a = schema(7, os.path.join(scratch, "a"))
b = schema(7, os.path.join(scratch, "b"))
c = schema(8, os.path.join(scratch, "c"))
check(a == b, "the same seed gives the same schema and mutant list")
check(a["mutants.tsv"] != c["mutants.tsv"], "another seed draws other mutants")
check(a["mutants.tsv"].count("\n") == 31, "30 mutants drawn")
for f in ("bfp_pe.sv", "bfp_core.sv"):
    orig = open(os.path.join(src, "rtl", f)).read()
    check(a[f].count("\n") == orig.count("\n"), f"{f}: the schema keeps every line where it was")
    check("bfp_mut_sel == 32'd" in a[f] and "$value$plusargs(\"bfp_mutant=%d\"" in a[f],
          f"{f}: the schema selects mutants with +bfp_mutant")
print("mutate_sites:", "FAILED" if failures else "ok", f"({len(muts)} mutants in bfp_pe.sv + bfp_core.sv)")
sys.exit(1 if failures else 0)
