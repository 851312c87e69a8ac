#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Mutant schemata of the RTL (docs/mutation.md): one verilated model holds every mutant, selected at run time.

The mutator lexes SystemVerilog (the leaves rtl/*.sv and the generator's emitted bfp_top.sv), finds mutation sites
on single statements inside procedural code (always_*, functions) and on continuous assignments:
    assign x = E;      x <= E;      x = E;      if (C)
and derives mutants of E (or C):
    op        operator swaps  + -, & |, && ||, == !=, < <=, > >=, << >>, >>> >>, * +, ~ removed
    const     sized literal value +-1 (1-bit: flipped), unsized decimal +-1, '0 <-> '1
    index     constant bit index x[N] -> x[N+-1], x[i] -> x[i+-1]
    stuck     E -> all zeros / all ones (of E's own width and signedness: (E)^(E), ~((E)^(E)));
              an if condition -> 0, 1, negated
Every statement with chosen mutants is rewritten, on the same line(s), as
    x <= (bfp_mut_sel == 32'dID) ? (E_ID) : ... : (E);
and each mutated module gets `int unsigned bfp_mut_sel` set from the plusarg +bfp_mutant=N (the model shim passes
$BFP_MUTANT as that plusarg), so mutant 0 is the original design.

Widths: a mutant never widens its expression (no '!' removal, no change inside a cast width, replication count or
part-select range), so the ternary keeps E's width and signedness and mutant 0 computes exactly what E computed.
Generate-time code (parameters, localparams, generate if/for, declarations) has no sites: a run-time selector
cannot reach it.

Usage:
  mutate.py list FILE...                     every mutant of the files (id, file:line, kind, original -> mutated)
  mutate.py schema --seed S --count N --out DIR [--min-per-file K] FILE...
                                             choose N mutants (deterministic from S, at least K per file), write
                                             the schema copies of FILE... into DIR and DIR/mutants.tsv
"""
import argparse
import hashlib
import os
import random
import re
import sys

TOKEN_RE = re.compile(r"""
  (?P<ws>\s+)
| (?P<comment>//[^\n]*|/\*.*?\*/)
| (?P<string>"(?:\\.|[^"\\])*")
| (?P<directive>`[A-Za-z_]\w*)
| (?P<number>\d[\d_]*\s*'[sS]?[bBoOdDhH]\s*[0-9a-fA-FxXzZ_?]+|'[sS]?[bBoOdDhH]\s*[0-9a-fA-FxXzZ_?]+|'[01xXzZ](?![\w])|\d[\d_]*(?:\.\d+)?)
| (?P<ident>[A-Za-z_][\w$]*|\$[A-Za-z_]\w*)
| (?P<op><<<=|>>>=|<<<|>>>|===|!==|<<=|>>=|<=|>=|==|!=|&&|\|\||<<|>>|\+:|-:|::|\+\+|--|\+=|-=|->|\*\*|~&|~\||~\^|\^~|[-+*/%&|^~!<>=?:;,.()\[\]{}#@'$])
""", re.S | re.X)

TYPE_WORDS = {"logic", "wire", "reg", "int", "integer", "bit", "byte", "shortint", "longint", "genvar", "localparam",
              "parameter", "input", "output", "inout", "signed", "unsigned", "var", "automatic", "typedef"}
BOUNDARY_WORDS = {"begin", "end", "else", "default", "always_comb", "always", "always_ff", "always_latch"}
PROC_START = {"always_ff", "always_comb", "always", "always_latch", "initial", "final"}

SWAPS = {"+": ["-"], "-": ["+"], "&": ["|"], "|": ["&"], "&&": ["||"], "||": ["&&"], "==": ["!="], "!=": ["=="],
         "<": ["<="], "<=": ["<"], ">": [">="], ">=": [">"], "<<": [">>"], ">>": ["<<"], ">>>": [">>"], "*": ["+"],
         "^": ["|"]}


class Tok:
    __slots__ = ("kind", "text", "pos", "line")

    def __init__(self, kind, text, pos, line):
        self.kind, self.text, self.pos, self.line = kind, text, pos, line


def lex(text, path):
    toks, pos, line = [], 0, 1
    while pos < len(text):
        m = TOKEN_RE.match(text, pos)
        if not m:
            sys.exit(f"mutate: {path}:{line}: cannot lex {text[pos:pos + 20]!r}")
        kind = m.lastgroup
        if kind not in ("ws", "comment"):
            toks.append(Tok(kind, m.group(), pos, line))
        line += m.group().count("\n")
        pos = m.end()
    return toks


def statement_end(toks, e):
    """Index of the `;` that ends the statement whose expression starts at toks[e] (outside brackets), or len."""
    d = 0
    while e < len(toks) and not (toks[e].text == ";" and d == 0):
        if toks[e].text in ("(", "[", "{"):
            d += 1
        elif toks[e].text in (")", "]", "}"):
            d -= 1
        e += 1
    return e


def match_close(toks, i):
    """Index of the bracket closing toks[i]."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    open_, close, depth = toks[i].text, pairs[toks[i].text], 0
    for j in range(i, len(toks)):
        if toks[j].text == open_:
            depth += 1
        elif toks[j].text == close:
            depth -= 1
            if depth == 0:
                return j
    return len(toks) - 1


def protected_ranges(toks, a, b):
    """Token index set in toks[a:b] where no mutation may happen: part-select ranges, cast widths, replication
    counts, system-function arguments (they may be widths)."""
    prot = set()
    i = a
    while i < b:
        t = toks[i]
        if t.text == "[":
            j = match_close(toks, i)
            inner = [x.text for x in toks[i + 1:j]]
            if ":" in inner or "+:" in inner or "-:" in inner:
                prot.update(range(i, j + 1))
        elif t.text == "'" and i + 1 < b and toks[i + 1].text == "(":
            # cast: protect the width before the quote
            k = i - 1
            if k >= a and toks[k].text == ")":
                depth = 0
                while k >= a:
                    if toks[k].text == ")":
                        depth += 1
                    elif toks[k].text == "(":
                        depth -= 1
                        if depth == 0:
                            break
                    k -= 1
                prot.update(range(k, i + 1))
            else:
                prot.update(range(max(k, a), i + 1))
        elif t.text == "{" and i + 2 < b and toks[i + 2].text == "{":
            prot.add(i + 1)
        elif t.kind == "ident" and t.text.startswith("$") and i + 1 < b and toks[i + 1].text == "(":
            if t.text not in ("$signed", "$unsigned"):
                prot.update(range(i, match_close(toks, i + 1) + 1))
        i += 1
    return prot


def is_unary(toks, i, a):
    if i == a:
        return True
    p = toks[i - 1]
    return p.kind == "op" and p.text not in (")", "]", "}", "'")


def expr_mutants(toks, a, b):
    """Token-level mutants of the expression toks[a:b]: (kind, token index, original, replacement)."""
    prot = protected_ranges(toks, a, b)
    out = []
    for i in range(a, b):
        if i in prot:
            continue
        t = toks[i]
        if t.kind == "op":
            if t.text == "~" and is_unary(toks, i, a):
                out.append(("op", i, "~", ""))
            elif t.text in SWAPS:
                if t.text in ("&", "|", "^") and is_unary(toks, i, a) and t.text == "^":
                    continue
                for r in SWAPS[t.text]:
                    out.append(("op", i, t.text, r))
        elif t.kind == "number":
            s = t.text.replace(" ", "")
            if i + 1 < b and toks[i + 1].text == "'":
                continue  # a cast width
            m = re.fullmatch(r"(\d[\d_]*)'([sS]?)([bBoOdDhH])([0-9a-fA-F_]+)", s)
            if m:
                width, sgn, base, digits = int(m.group(1).replace("_", "")), m.group(2), m.group(3).lower(), m.group(4)
                val = int(digits.replace("_", ""), {"b": 2, "o": 8, "d": 10, "h": 16}[base])
                if width > 64:
                    continue
                mask = (1 << width) - 1
                if width == 1:
                    out.append(("const", i, t.text, f"1'{sgn}b{val ^ 1}"))
                else:
                    out.append(("const", i, t.text, f"{width}'{sgn}d{(val + 1) & mask}"))
                    out.append(("const", i, t.text, f"{width}'{sgn}d{(val - 1) & mask}"))
            elif s in ("'0", "'1"):
                out.append(("const", i, t.text, "'1" if s == "'0" else "'0"))
            elif re.fullmatch(r"\d[\d_]*", s):
                val = int(s.replace("_", ""))
                in_index = i > a and toks[i - 1].text == "[" and i + 1 < b and toks[i + 1].text == "]"
                kind = "index" if in_index else "const"
                out.append((kind, i, t.text, str(val + 1)))
                if val > 0:
                    out.append((kind, i, t.text, str(val - 1)))
        elif t.kind == "ident" and i > a and toks[i - 1].text == "[" and i + 1 < b and toks[i + 1].text == "]":
            out.append(("index", i, t.text, f"{t.text} + 1"))
            out.append(("index", i, t.text, f"{t.text} - 1"))
    return out


def render(text, toks, a, b, repl=None):
    """Source text of toks[a:b] with token index repl[0] replaced by repl[1], on one line."""
    parts = []
    for i in range(a, b):
        s = toks[i].text
        if repl and i == repl[0]:
            s = repl[1]
        if i > a and (toks[i].pos > toks[i - 1].pos + len(toks[i - 1].text)):
            parts.append(" ")
        parts.append(s)
    return re.sub(r"\s+", " ", "".join(parts)).strip()


class Site:
    def __init__(self, path, kind, line, a, b, start, end, stmt):
        self.path, self.kind, self.line = path, kind, line
        self.a, self.b = a, b            # token range of E / C
        self.start, self.end = start, end  # character range of E / C in the source
        self.stmt = stmt                   # normalized statement text (for signatures)
        self.mutants = []                  # (kind, original, mutated-text-of-E, new-token-text)


def enum_variables(text):
    """Names of the variables of an enum type: a mutant of their right-hand side would be a plain vector, which
    Verilator rejects (ENUMVALUE), so they have no sites."""
    names = set()
    for t in re.findall(r"typedef\s+enum\b[^{;]*\{[^}]*\}\s*(\w+)\s*;", text):
        for decl in re.findall(r"\b" + t + r"\s+([\w\s,]+);", text):
            names.update(n.strip() for n in decl.split(",") if n.strip())
    return names


def find_sites(path, text):
    toks = lex(text, path)
    enums = enum_variables(text)
    sites = []
    n = len(toks)
    depth = 0          # (), [], {} nesting
    proc_end = -1      # procedural code runs until this token index (inclusive)
    in_function = 0
    skip_until_endif = 0
    i = 0

    def add_site(kind, a, b, stmt_a, stmt_b):
        if a >= b:
            return
        site = Site(path, kind, toks[a].line, a, b, toks[a].pos, toks[b - 1].pos + len(toks[b - 1].text),
                    render(text, toks, stmt_a, stmt_b))
        e = render(text, toks, a, b)
        for (k, idx, orig, rep) in expr_mutants(toks, a, b):
            site.mutants.append((k, orig, rep, render(text, toks, a, b, (idx, rep)), toks[idx].line))
        if kind == "cond":
            site.mutants += [("stuck", e, "0", "1'b0", site.line), ("stuck", e, "1", "1'b1", site.line),
                             ("stuck", e, "!(...)", f"!({e})", site.line)]
        else:
            # a right-hand side that is already the constant is not mutated to it
            zero = re.fullmatch(r"(\d+'[sS]?[bBoOdDhH]0+|'0|0+)", e.replace("_", "")) is not None
            if not zero:
                site.mutants.append(("stuck", e, "'0", f"(({e}) ^ ({e}))", site.line))
            if e != "'1":
                site.mutants.append(("stuck", e, "'1", f"(~(({e}) ^ ({e})))", site.line))
        sites.append(site)

    while i < n:
        t = toks[i]
        if t.kind == "directive":
            if t.text == "`ifndef" and i + 1 < n and toks[i + 1].text == "__ICARUS__":
                skip_until_endif += 1
            elif t.text == "`endif" and skip_until_endif:
                skip_until_endif -= 1
            elif t.text in ("`ifdef", "`ifndef"):
                pass
            i += 1
            continue
        if skip_until_endif:
            i += 1
            continue
        if t.text in ("(", "[", "{"):
            depth += 1
        elif t.text in (")", "]", "}"):
            depth -= 1
        if depth != 0:
            i += 1
            continue
        proc = in_function or i <= proc_end
        if t.text == "function":
            in_function += 1
        elif t.text == "endfunction":
            in_function -= 1
        elif t.text in PROC_START and not proc:
            # the statement after always_* [@(...)]: a begin..end block or one statement
            j = i + 1
            if j < n and toks[j].text == "@":
                j = match_close(toks, j + 1) + 1 if toks[j + 1].text == "(" else j + 2
            if j < n and toks[j].text == "begin":
                d = 0
                for k in range(j, n):
                    if toks[k].text in ("begin", "case", "casez", "casex", "fork"):
                        d += 1
                    elif toks[k].text in ("end", "endcase", "join"):
                        d -= 1
                        if d == 0:
                            proc_end = k
                            break
            else:
                # one statement, which may itself hold blocks: `if (en) begin ... end [else ...]`
                k, d, par = j, 0, 0
                while k < n:
                    x = toks[k].text
                    nxt_else = k + 1 < n and toks[k + 1].text == "else"
                    if x in ("(", "[", "{"):
                        par += 1
                    elif x in (")", "]", "}"):
                        par -= 1
                    elif x in ("begin", "case", "casez", "casex", "fork"):
                        d += 1
                    elif x in ("end", "endcase", "join"):
                        d -= 1
                        if d == 0 and not nxt_else:
                            break
                    elif x == ";" and d == 0 and par == 0 and not nxt_else:
                        break
                    k += 1
                proc_end = k
        elif t.text == "assign" and not proc:
            if i + 1 < n and toks[i + 1].text.startswith("unused"):
                # a lint sink (`unused_*`, read by nothing, style.md): every mutant of it is equivalent
                k = i + 1
                while k < n and toks[k].text != ";":
                    k += 1
                i = k + 1
                continue
            k = i + 1
            while k < n and toks[k].text != "=":
                k += 1
            e = statement_end(toks, k + 1)
            add_site("assign", k + 1, e, i, e + 1)
            i = e + 1
            continue
        elif proc and t.text == "if" and i + 1 < n and toks[i + 1].text == "(":
            c = match_close(toks, i + 1)
            add_site("cond", i + 2, c, i, c + 1)
            i = c + 1
            continue
        elif proc and t.text in ("=", "<="):
            # walk back over the lvalue to a statement boundary
            k, ok, prev_ident = i - 1, True, False
            while k >= 0:
                x = toks[k]
                if x.text in ("]", "}"):
                    d = 0
                    while k >= 0:
                        if toks[k].text in ("]", "}"):
                            d += 1
                        elif toks[k].text in ("[", "{"):
                            d -= 1
                            if d == 0:
                                break
                        k -= 1
                    k -= 1
                    prev_ident = False
                    continue
                if x.kind == "ident" and x.text not in BOUNDARY_WORDS and x.text not in TYPE_WORDS:
                    if prev_ident:
                        ok = False  # `type name = ...`: a declaration
                        break
                    prev_ident = True
                    k -= 1
                    continue
                if x.text == ".":
                    prev_ident = False
                    k -= 1
                    continue
                break
            if k < 0 or k == i - 1 or toks[k + 1].text in enums or toks[k + 1].text.startswith("unused"):
                ok = False
            elif toks[k].text not in (";", ")", ":") and toks[k].text not in BOUNDARY_WORDS:
                ok = False
            e = statement_end(toks, i + 1)
            if ok:
                add_site("assign" if t.text == "=" else "nba", i + 1, e, k + 1, e + 1)
            i = e + 1
            continue
        i += 1
    return sites


def all_mutants(files):
    """Every mutant of the files in a fixed order, as dicts."""
    out = []
    for path in files:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        base = os.path.basename(path)
        seen = {}
        for s_idx, site in enumerate(find_sites(path, text)):
            for (kind, orig, rep, etext, line) in site.mutants:
                key = (base, site.stmt, kind, orig, rep)
                seen[key] = seen.get(key, 0) + 1
                sig = "|".join([base, kind, orig, rep, site.stmt, str(seen[key])])
                out.append({"file": base, "path": path, "line": line, "kind": kind, "orig": orig, "rep": rep,
                            "site": s_idx, "expr": etext, "sig": hashlib.sha1(sig.encode()).hexdigest()[:12],
                            "stmt": site.stmt})
    return out


def choose(muts, seed, count, min_per_file):
    rng = random.Random(seed)
    by_file = {}
    for i, m in enumerate(muts):
        by_file.setdefault(m["file"], []).append(i)
    chosen = set()
    for f in sorted(by_file):
        idx = by_file[f][:]
        rng.shuffle(idx)
        chosen.update(idx[:min_per_file])
    # the rest round-robin over the kinds, so the trivial stuck-at mutants (most sites have two) do not crowd out
    # the operator, constant and index mutants
    pools = {}
    for i in range(len(muts)):
        if i not in chosen:
            pools.setdefault(muts[i]["kind"], []).append(i)
    for k in sorted(pools):
        rng.shuffle(pools[k])
    kinds = sorted(pools)
    while len(chosen) < count and any(pools.values()):
        for k in kinds:
            if pools[k] and len(chosen) < count:
                chosen.add(pools[k].pop())
    return sorted(chosen)


SEL_DECL = ("  int unsigned bfp_mut_sel; initial if (!$value$plusargs(\"bfp_mutant=%d\", bfp_mut_sel)) bfp_mut_sel = 0;"
            "  // bfp-mutate")


def write_schema(path, text, sites, chosen_by_site, out_path):
    """Rewrites the chosen sites of one file as nested ternaries and declares bfp_mut_sel after the header."""
    edits = []  # (start, end, replacement)
    for s_idx, ids in chosen_by_site.items():
        site = sites[s_idx]
        expr = "(" + text[site.start:site.end] + ")"
        for (mid, etext) in reversed(ids):
            expr = f"(bfp_mut_sel == 32'd{mid}) ? ({etext}) : {expr}"
        edits.append((site.start, site.end, expr))
    if edits:
        # declare the selector right after the module header's `);`, on the same line (line numbers stay)
        toks = lex(text, path)
        for i, t in enumerate(toks):
            if t.text == "module":
                j = i + 2
                if toks[j].text == "#":
                    j = match_close(toks, j + 1) + 1
                if toks[j].text == "(":
                    j = match_close(toks, j) + 1
                assert toks[j].text == ";", path
                edits.append((toks[j].pos + 1, toks[j].pos + 1, SEL_DECL))
                break
    for (a, b, r) in sorted(edits, reverse=True):
        text = text[:a] + r + text[b:]
    if os.path.exists(out_path) and open(out_path, encoding="utf-8").read() == text:
        return  # unchanged: another run may be reading it
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(text)


def read_equivalent(path):
    """verify/mutate/equivalent.tsv: signature -> reason (lines: signature, file, mutant, reason; # comments)."""
    eq = {}
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip() or line.startswith("#"):
                    continue
                cols = line.rstrip("\n").split("\t")
                if len(cols) < 4 or not cols[3].strip():
                    sys.exit(f"mutate: {path}:{n}: want 4 tab-separated columns (signature, file, mutant, reason)")
                eq[cols[0]] = cols[3]
    return eq


def run_suite(cmd, env, timeout):
    """(status, seconds): 'pass', 'fail' or 'timeout'."""
    import subprocess
    import time
    t0 = time.monotonic()
    try:
        r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout,
                           start_new_session=True)
        status = "pass" if r.returncode == 0 else "fail"
    except subprocess.TimeoutExpired:
        status = "timeout"
    return status, time.monotonic() - t0


def kill_suites(a, cfg):
    """The kill suite of one config: a list of (name, argv)."""
    # the fuzz in stages (SEED:COUNT,...): most mutants fail the first, short one
    suites = []
    for stage in a.fuzz.split(","):
        seed, _, count = stage.partition(":")
        suites.append((f"fuzz {seed}:{count}", [a.bfpgen, "fuzz", "--config", cfg, "--seed", seed, "--count", count,
                                               "--quiet"]))
    stem = os.path.splitext(os.path.basename(cfg))[0]
    for spec in a.gtest:
        binary, _, filt = spec.partition(":")
        name = os.path.basename(binary)
        # BINARY:FILTER@STEM runs on config STEM only (tests that load their config themselves, e.g. the assertion
        # bite tests); otherwise the suite runs on the config whose name the filter contains
        filt, at, only = filt.rpartition("@") if "@" in filt else (filt, "", "")
        if (stem == only) if at else (stem in filt):
            suites.append((name, [binary, "--gtest_brief=1", f"--gtest_filter={filt}"]))
    return suites


def cmd_run(a):
    import subprocess
    import time
    t_start = time.monotonic()
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    rtl_files = sorted(os.path.join(a.rtl, f) for f in os.listdir(a.rtl) if f.endswith(".sv"))
    # the emitted top of every config: listed for its sites (its only content is localparams and the port map of
    # bfp_core, so it has none today; a future site would need a schema per config)
    tops = []
    for cfg in a.config:
        g = os.path.join(out, "gen-" + os.path.splitext(os.path.basename(cfg))[0])
        subprocess.run([a.bfpgen, "generate", cfg, "-o", g], check=True, stdout=subprocess.DEVNULL,
                       env={k: v for k, v in os.environ.items() if k != "BFP_RTL_SOURCE_DIR"})
        tops.append(os.path.join(g, "bfp_top.sv"))
    top_sites = sum(len(find_sites(t, open(t, encoding="utf-8").read())) for t in tops)
    # not the leaves only bfp_axi_top instantiates (bfp_axi_rd/wr, bfp_axil_regs, their checkers bfp_chk_axi*):
    # the kill suite drives bfp_top, so their mutants could never be killed by it (docs/mutation.md)
    rtl_files = [f for f in rtl_files if not re.match(r"bfp_(axi|axil|chk_axi)", os.path.basename(f))]
    muts = all_mutants(rtl_files)
    chosen = choose(muts, a.seed, a.count, a.min_per_file)
    schema = os.path.abspath(a.schema) if a.schema else os.path.join(out, "rtl")
    os.makedirs(schema, exist_ok=True)
    for f in os.listdir(schema):
        if f not in {os.path.basename(p) for p in rtl_files}:
            os.remove(os.path.join(schema, f))
    for mid, ci in enumerate(chosen, 1):
        muts[ci]["id"] = mid
    for path in rtl_files:
        text = open(path, encoding="utf-8").read()
        sites = find_sites(path, text)
        by_site = {}
        for ci in chosen:
            if muts[ci]["path"] == path:
                by_site.setdefault(muts[ci]["site"], []).append((muts[ci]["id"], muts[ci]["expr"]))
        write_schema(path, text, sites, by_site, os.path.join(schema, os.path.basename(path)))
    eq = read_equivalent(a.equivalent)
    env = dict(os.environ, BFP_RTL_SOURCE_DIR=schema,
               BFP_MODEL_CACHE=os.path.abspath(a.model_cache) if a.model_cache else os.path.join(out, "model-cache"),
               BFP_MODEL_RETRY="1")
    if a.model_opt:
        env["BFP_MODEL_OPT"] = a.model_opt
    log = open(os.path.join(out, "run.log"), "w", encoding="utf-8")

    def say(msg):
        print(msg, flush=True)
        log.write(msg + "\n")
        log.flush()

    say(f"mutate: {len(muts)} mutants in {len(rtl_files)} rtl/ files ({top_sites} sites in the emitted top), "
        f"{len(chosen)} chosen with seed {a.seed} -> {schema}")
    # mutant 0 is the original design: every suite must pass (this also builds the schema model of each config)
    setup = {}
    for cfg in a.config:
        for name, cmd in kill_suites(a, cfg):
            st, sec = run_suite(cmd, dict(env, BFP_MUTANT="0"), None)
            say(f"mutant 0 (the original design), {cfg}, {name}: {st} ({sec:.1f} s, including the model build)")
            if st != "pass":
                sys.exit(f"mutate: mutant 0 fails {name} on {cfg}: the schema changed the design; rerun: "
                         f"BFP_MUTANT=0 BFP_RTL_SOURCE_DIR={schema} BFP_MODEL_CACHE={env['BFP_MODEL_CACHE']} "
                         + " ".join(cmd))
            setup[(cfg, name)] = sec
    only = set(a.only) if a.only else None
    results = []
    t_mut = time.monotonic()
    for ci in chosen:
        m = muts[ci]
        if (only and m["id"] not in only) or (a.from_id and m["id"] < a.from_id):
            continue
        verdict, by, secs = "survived", "", 0.0
        for cfg in a.config:
            for name, cmd in kill_suites(a, cfg):
                st, sec = run_suite(cmd, dict(env, BFP_MUTANT=str(m["id"])), a.timeout)
                secs += sec
                if st != "pass":
                    verdict, by = "killed", f"{name} on {os.path.splitext(os.path.basename(cfg))[0]}" + (
                        " (timeout)" if st == "timeout" else "")
                    break
            if verdict == "killed":
                break
        if verdict == "survived" and m["sig"] in eq:
            verdict, by = "equivalent", eq[m["sig"]]
        m.update(verdict=verdict, by=by, secs=secs)
        results.append(m)
        with open(os.path.join(out, "results.partial.tsv"), "a", encoding="utf-8") as f:
            f.write(f"{m['id']}\t{verdict}\t{by}\t{secs:.1f}\t{m['sig']}\n")
        say(f"mutant {m['id']:3d} {m['file']}:{m['line']} {m['kind']} {m['orig']} -> {m['rep']}: {verdict}"
            f"{' by ' + by if by and verdict == 'killed' else ''} ({secs:.1f} s) [{m['sig']}]")
    t_end = time.monotonic()
    # merge with an earlier run's results (a rerun of some mutants with --only replaces just those rows)
    res_path = os.path.join(out, "results.tsv")
    rows = {}
    if only and os.path.exists(res_path):
        rows = {int(r["id"]): r for r in read_tsv(res_path)}
    for r in results:
        rows[r["id"]] = {"id": r["id"], "file": r["file"], "line": r["line"], "kind": r["kind"], "original": r["orig"],
                         "mutated": r["rep"], "verdict": "killed" if r["verdict"] == "killed" else "survived",
                         "by": r["by"] if r["verdict"] == "killed" else "", "seconds": f"{r['secs']:.1f}",
                         "signature": r["sig"], "statement": r["stmt"]}
    cols = ["id", "file", "line", "kind", "original", "mutated", "verdict", "by", "seconds", "signature", "statement"]
    with open(res_path, "w", encoding="utf-8") as f:
        f.write("\t".join(cols) + "\n")
        for k in sorted(rows):
            f.write("\t".join(str(rows[k][c]) for c in cols) + "\n")
    timing = {"seed": a.seed, "drawn_from": len(muts), "files": len(rtl_files), "total": t_end - t_start,
              "setup": sum(setup.values()), "mutants": t_end - t_mut, "ran": len(results)}
    with open(os.path.join(out, "timing.txt"), "a" if only else "w", encoding="utf-8") as f:
        f.write(" ".join(f"{k}={v:.0f}" if isinstance(v, float) else f"{k}={v}" for k, v in timing.items()) + "\n")
    score = report(out, a.equivalent, say)
    if a.min_score is not None and score < a.min_score:
        sys.exit(f"mutate: score {score:.1f}% is below {a.min_score}%")


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        head = f.readline().rstrip("\n").split("\t")
        return [dict(zip(head, line.rstrip("\n").split("\t"))) for line in f if line.strip()]


LOG_LINE = re.compile(r"^mutant +(?P<id>\d+) .*: (?:killed by (?P<by>.*)|(?P<v>survived|equivalent)) "
                      r"\((?P<s>[\d.]+) s\) \[(?P<sig>[0-9a-f]+)\]$")


def results_from_logs(out, logs, rtl_dir):
    """results.tsv from the run.log files of runs of the same draw (later lines win): for runs split over
    several processes (--from-id) or stopped early."""
    by_sig = {m["sig"]: m for m in all_mutants(sorted(os.path.join(rtl_dir, f) for f in os.listdir(rtl_dir)
                                                      if f.endswith(".sv")))}
    rows = {}
    for log in logs:
        for line in open(log, encoding="utf-8"):
            g = LOG_LINE.match(line.rstrip("\n"))
            if not g:
                continue
            m = by_sig[g["sig"]]
            killed = g["by"] is not None
            rows[int(g["id"])] = {"id": g["id"], "file": m["file"], "line": m["line"], "kind": m["kind"],
                                  "original": m["orig"], "mutated": m["rep"],
                                  "verdict": "killed" if killed else "survived", "by": g["by"] or "",
                                  "seconds": g["s"], "signature": g["sig"], "statement": m["stmt"]}
    cols = ["id", "file", "line", "kind", "original", "mutated", "verdict", "by", "seconds", "signature", "statement"]
    with open(os.path.join(out, "results.tsv"), "w", encoding="utf-8") as f:
        f.write("\t".join(cols) + "\n")
        for k in sorted(rows):
            f.write("\t".join(str(rows[k][c]) for c in cols) + "\n")


def report(out, equivalent, say=print):
    """results.md from results.tsv and the kept list of equivalent mutants; returns the score in percent."""
    eq = read_equivalent(equivalent)
    results = read_tsv(os.path.join(out, "results.tsv"))
    for r in results:
        if r["verdict"] == "survived" and r["signature"] in eq:
            r["verdict"], r["by"] = "equivalent", eq[r["signature"]]
    timing = open(os.path.join(out, "timing.txt"), encoding="utf-8").read().split("\n")[0]
    t = dict(kv.split("=", 1) for kv in timing.split())
    killed = sum(r["verdict"] == "killed" for r in results)
    equiv = sum(r["verdict"] == "equivalent" for r in results)
    surv = [r for r in results if r["verdict"] == "survived"]
    timeouts = sum("(timeout)" in r["by"] for r in results)
    nonequiv = len(results) - equiv
    score = 100.0 * killed / nonequiv if nonequiv else 100.0
    md = [f"Mutants: {len(results)} (seed {t['seed']}, drawn from {t['drawn_from']} in {t['files']} rtl/ files); killed "
          f"{killed} ({timeouts} of them by timeout), equivalent {equiv}, survived {len(surv)}; **mutation score "
          f"{killed}/{nonequiv} = {score:.1f}%** of the non-equivalent mutants.", "",
          f"Time of the full run: {t['total']} s; {t['setup']} s of it for mutant 0 on every config (including the "
          f"one model build per config), {t['mutants']} s for {t['ran']} mutants "
          f"({float(t['mutants']) / max(1, int(t['ran'])):.1f} s per mutant).", "",
          "| kind | mutants | killed | equivalent | survived |", "|---|---|---|---|---|"]

    def counts(rs):
        return (f"{len(rs)} | {sum(r['verdict'] == 'killed' for r in rs)} | "
                f"{sum(r['verdict'] == 'equivalent' for r in rs)} | {sum(r['verdict'] == 'survived' for r in rs)} |")
    for k in sorted({r["kind"] for r in results}):
        md.append(f"| {k} | " + counts([r for r in results if r["kind"] == k]))
    md += ["", "| file | mutants | killed | equivalent | survived |", "|---|---|---|---|---|"]
    for fn in sorted({r["file"] for r in results}):
        md.append(f"| {fn} | " + counts([r for r in results if r["file"] == fn]))

    def cell(x):
        return x.replace("|", "\\|")
    md += ["", "Survivors and equivalent mutants:", "",
           "| id | file:line | kind | original -> mutated | verdict | signature |", "|---|---|---|---|---|---|"]
    for r in results:
        if r["verdict"] != "killed":
            v = r["verdict"] + (f": {r['by']}" if r["by"] else "")
            md.append(f"| {r['id']} | {r['file']}:{r['line']} | {r['kind']} | `{cell(r['original'])}` -> "
                      f"`{cell(r['mutated'])}` | {cell(v)} | {r['signature']} |")
    md += ["", "All mutants:", "", "| id | file:line | kind | original -> mutated | verdict |", "|---|---|---|---|---|"]
    for r in results:
        v = r["verdict"] + (f": {r['by']}" if r["by"] and r["verdict"] == "killed" else "")
        md.append(f"| {r['id']} | {r['file']}:{r['line']} | {r['kind']} | `{cell(r['original'])}` -> "
                  f"`{cell(r['mutated'])}` | {cell(v)} |")
    with open(os.path.join(out, "results.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(md) + "\n")
    say(md[0])
    say(md[2])
    for r in surv:
        say(f"SURVIVED mutant {r['id']} {r['file']}:{r['line']} {r['kind']} {r['original']} -> {r['mutated']} "
            f"[{r['signature']}]: {r['statement']}")
    say(f"results: {out}/results.md, {out}/results.tsv")
    return score


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("list")
    p.add_argument("files", nargs="+")
    p = sub.add_parser("schema")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--count", type=int, default=240)
    p.add_argument("--min-per-file", type=int, default=6)
    p.add_argument("--out", required=True)
    p.add_argument("--pick", action="append", help="take the mutant with this signature (repeatable; ids in this "
                   "order) instead of drawing --count")
    p.add_argument("files", nargs="+")
    p = sub.add_parser("run", help="build the schema, run the kill suite per mutant, write the results")
    p.add_argument("--bfpgen", default="build/bfpgen")
    p.add_argument("--rtl", default="rtl", help="folder of the leaf modules")
    p.add_argument("--config", action="append", required=True, help="config (YAML); several: a mutant is tried "
                   "on each in turn until one kills it")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--count", type=int, default=210)
    p.add_argument("--min-per-file", type=int, default=6)
    p.add_argument("--out", default="out/mutate")
    p.add_argument("--fuzz", default="1:8,2:16", help="fuzz stages SEED:COUNT,... run in turn on each config")
    p.add_argument("--gtest", action="append", default=[], help="BINARY:FILTER, a GoogleTest suite, run on the config "
                   "whose file name (without .yaml) FILTER contains; BINARY:FILTER@NAME runs it on config NAME only")
    p.add_argument("--timeout", type=float, default=120, help="seconds per suite; a mutant that runs longer is "
                   "killed by timeout")
    p.add_argument("--model-opt", default="", help="BFP_MODEL_OPT of the schema models (e.g. -O1)")
    p.add_argument("--equivalent", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                         "equivalent.tsv"))
    p.add_argument("--only", type=int, action="append", help="run only this mutant id (repeatable)")
    p.add_argument("--from-id", type=int, help="run only the mutants with this id and above")
    p.add_argument("--schema", help="folder of the schema (default OUT/rtl; several runs may share one)")
    p.add_argument("--model-cache", help="model cache of the schema models (default OUT/model-cache)")
    p.add_argument("--min-score", type=float, help="fail below this score (percent)")
    p = sub.add_parser("report", help="rewrite DIR/results.md from DIR/results.tsv and the equivalent list")
    p.add_argument("--out", default="out/mutate")
    p.add_argument("--log", action="append", help="first rebuild DIR/results.tsv from these run.log files")
    p.add_argument("--rtl", default="rtl")
    p.add_argument("--equivalent", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                         "equivalent.tsv"))
    a = ap.parse_args()
    if a.cmd == "run":
        return cmd_run(a)
    if a.cmd == "report":
        if a.log:
            results_from_logs(a.out, a.log, a.rtl)
        report(a.out, a.equivalent)
        return
    files = sorted(a.files, key=os.path.basename)
    muts = all_mutants(files)
    if a.cmd == "list":
        for i, m in enumerate(muts, 1):
            print(f"{i}\t{m['file']}:{m['line']}\t{m['kind']}\t{m['orig']} -> {m['rep']}\t{m['sig']}")
        return
    if a.pick:
        by_sig = {m["sig"]: i for i, m in enumerate(muts)}
        missing = [p for p in a.pick if p not in by_sig]
        if missing:
            sys.exit(f"mutate: no mutant has the signature {', '.join(missing)}")
        chosen = [by_sig[p] for p in a.pick]
    else:
        chosen = choose(muts, a.seed, a.count, a.min_per_file)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "mutants.tsv"), "w", encoding="utf-8") as f:
        f.write("id\tfile\tline\tkind\toriginal\tmutated\tsignature\tstatement\n")
        for mid, ci in enumerate(chosen, 1):
            m = muts[ci]
            m["id"] = mid
            f.write(f"{mid}\t{m['file']}\t{m['line']}\t{m['kind']}\t{m['orig']}\t{m['rep']}\t{m['sig']}\t{m['stmt']}\n")
    for path in files:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        sites = find_sites(path, text)
        by_site = {}
        for ci in chosen:
            m = muts[ci]
            if m["path"] == path:
                by_site.setdefault(m["site"], []).append((m["id"], m["expr"]))
        write_schema(path, text, sites, by_site, os.path.join(a.out, os.path.basename(path)))
    print(f"mutate: {len(muts)} mutants in {len(files)} files, {len(chosen)} chosen (seed {a.seed}) -> {a.out}")


if __name__ == "__main__":
    main()
