#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Independent reference for `bfpgen quantize`: the MXINT8 path of the OCP MX reference library.

Usage: python3 tests/oracle/mx_reference.py --block N [--rounding away|even] [--json] < numbers.txt

Same input and output as `bfpgen quantize` (docs/quantize.md): whitespace-separated FP32 numbers on stdin
(strtof syntax: decimal, hex floats, inf/nan which are rejected), one line `E: c0 c1 ...` per block, or one
JSON object with --json. Errors: message on stderr, exit status 1, nothing on stdout.

Python standard library only (no numpy/torch). This is a line-by-line transliteration of the non-CUDA path of
microsoft/microxcaling:
  mx/mx_ops.py       (commit 3b429a84) _quantize_mx, _shared_exponents, _reshape_to_blocks
  mx/elemwise_ops.py (commit e89a23bb) _quantize_elemwise_core, _safe_lshift, _safe_rshift, _round_mantissa
  mx/formats.py      (commit e89a23bb) _get_format_params(int8): ebits=0, mbits=8, emax=0,
                                       max_norm = 2**0 * float(2**7 - 1) / 2**6 = 1.984375
called as _quantize_mx(A, scale_bits=8, elem_format='int8', shared_exp_method='max', axes=[-1],
block_size=N, round='nearest'|'even', flush_fp32_subnorms=False, custom_cuda=False) on a float32 tensor.

FP32 arithmetic is emulated: every torch float32 operation is done on Python floats (IEEE double) holding
float32 values and rounded back with struct.pack('f') (for +, -, *, / of two float32 values the double result
rounded to float32 is the correctly rounded float32 result). torch.log2 on float32 is modelled as the
correctly rounded float32 log2; only its floor is used, and that is decided here with exact arithmetic
(fractions/decimal), not with math.log2, so this script does not share the libm dependence of the C++ model.
Decimal input is converted to float32 exactly (fractions), not through a double, exactly like strtof.
"""

import argparse
import decimal
import json
import math
import re
import struct
import sys
from fractions import Fraction

FP32_EXPONENT_BIAS = 127                       # mx/formats.py: FP32_EXPONENT_BIAS = 127
FP32_MIN_NORMAL = 2.0 ** (-FP32_EXPONENT_BIAS + 1)  # mx/formats.py: FP32_MIN_NORMAL = 2 ** (-FP32_EXPONENT_BIAS + 1)
# mx/formats.py, _get_format_params(ElemFormat.int8): "ebits, mbits = 0, 8" / "emax = 0" /
# "max_norm = 2**emax * float(2**(mbits-1) - 1) / 2**(mbits-2)"
EBITS, MBITS, EMAX = 0, 8, 0
MAX_NORM = 2.0 ** EMAX * float(2 ** (MBITS - 1) - 1) / 2 ** (MBITS - 2)
SCALE_BITS = 8


class InputError(Exception):
    pass


def f32(x):
    """Round a Python float to the nearest float32 (ties to even), like a torch float32 result."""
    return struct.unpack('<f', struct.pack('<f', x))[0]


# ---------------------------------------------------------------------------------------------------------
# Input: strtof (C locale) syntax, converted exactly with round-to-nearest-even to float32.
# ---------------------------------------------------------------------------------------------------------
_DEC = re.compile(r'([+-]?)([0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?')
_HEX = re.compile(r'([+-]?)0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP]([+-]?[0-9]+))?')
_INF = re.compile(r'[+-]?(?:inf|infinity)', re.IGNORECASE)
_NAN = re.compile(r'[+-]?nan(?:\([0-9A-Za-z_]*\))?', re.IGNORECASE)
_SPACE = re.compile(r'[ \t\n\v\f\r]+')  # C isspace() in the C locale


def _fraction_to_f32(fr):
    """Nearest float32 to the exact non-negative rational fr (ties to even); inf if it overflows."""
    if fr == 0:
        return 0.0
    n, d = fr.numerator, fr.denominator
    e = n.bit_length() - d.bit_length()  # floor(log2(fr)) is e or e - 1
    if (n if e >= 0 else n << -e) < (d << e if e >= 0 else d):
        e -= 1
    q = max(e, -126) - 23                # quantum: 2^(e-23) for normals, 2^-149 for subnormals
    num, den = (n, d << q) if q >= 0 else (n << -q, d)
    m, r = divmod(num, den)
    if 2 * r > den or (2 * r == den and m & 1):
        m += 1
    v = math.ldexp(m, q)
    return math.inf if v >= 2.0 ** 128 else v


def _parse_token(tok):
    m = _HEX.fullmatch(tok)
    if m:
        sign, digits, exp = m.group(1), m.group(2), m.group(3)
        intpart, _, frac = digits.partition('.')
        mant = int((intpart + frac) or '0', 16)
        e2 = int(exp or '0') - 4 * len(frac)
        if mant == 0:
            v = 0.0
        elif mant.bit_length() + e2 > 200:
            v = math.inf
        elif mant.bit_length() + e2 < -200:
            v = 0.0
        else:
            v = _fraction_to_f32(Fraction(mant) * Fraction(2) ** e2)
        return -v if sign == '-' else v
    m = _DEC.fullmatch(tok)
    if m:
        sign, digits, exp = m.group(1), m.group(2), m.group(3)
        intpart, _, frac = digits.partition('.')
        allds = (intpart + frac).lstrip('0')
        e10 = int(exp or '0') - len(frac)
        if not allds:
            v = 0.0
        elif len(allds) + e10 > 60:
            v = math.inf
        elif len(allds) + e10 < -60:
            v = 0.0
        else:
            v = _fraction_to_f32(Fraction(int(allds)) * Fraction(10) ** e10)
        return -v if sign == '-' else v
    if _INF.fullmatch(tok):
        return -math.inf if tok.startswith('-') else math.inf
    if _NAN.fullmatch(tok):
        return math.nan
    return None


def _shown(tok):
    return tok if len(tok) <= 40 else tok[:40] + '...'


def parse_values(text):
    values = []
    for tok in _SPACE.split(text):
        if not tok:
            continue
        where = "input value %d ('%s')" % (len(values), _shown(tok))
        v = _parse_token(tok)
        if v is None:
            raise InputError(where + ' is not a number')
        if math.isnan(v):
            raise InputError(where + ' is NaN')
        if math.isinf(v):
            is_literal = _INF.fullmatch(tok) is not None
            raise InputError(where + (' is infinite' if is_literal else ' overflows FP32'))
        values.append(v)
    return values


# ---------------------------------------------------------------------------------------------------------
# mx/mx_ops.py::_shared_exponents(A, method="max", axes=[-1], ebits=0)
# ---------------------------------------------------------------------------------------------------------
def shared_exponent(amax):
    """floor(torch.log2(amax + FP32_MIN_NORMAL * (amax == 0))) for one block, on float32.

    Source:  shared_exp = torch.max(torch.abs(shared_exp), dim=axis, keepdim=True)   (amax, by the caller)
             shared_exp = torch.floor(torch.log2(shared_exp + FP32_MIN_NORMAL * (shared_exp == 0).type(...)))
             (ebits == 0: no clamping here)
    """
    v = f32(amax + FP32_MIN_NORMAL * (1.0 if amax == 0 else 0.0))
    mant, k1 = math.frexp(v)       # v = mant * 2^k1, mant in [0.5, 1): floor(log2(v)) = k1 - 1 exactly
    k = k1 - 1
    if mant == 0.5:
        return k                   # exact power of two: log2 is exact
    n = k + 1                      # log2(v) lies in (k, n); float32 rounding can only move it up to n
    if n == 0:
        return k                   # float32 values are dense near 0: log2(v) <= -8.6e-8 never rounds to 0
    # h = half the float32 spacing on the side of n where log2(v) lies (just below n).
    if n > 0:
        h = Fraction(1, 2 ** (24 - ((n - 1).bit_length() - 1)))   # binade of n - tiny: [2^j, 2^(j+1))
    else:
        h = Fraction(1, 2 ** (24 - ((-n).bit_length() - 1)))      # |log2 v| is just above |n|
    # fl32(log2 v) == n  <=>  n - log2(v) < h  (never equal: log2 v is irrational unless v is a power of 2)
    delta = 1 - Fraction(mant)     # v = 2^n * (1 - delta); n - log2(v) = -log2(1 - delta) > delta
    if delta >= h:
        return k
    with decimal.localcontext() as ctx:
        ctx.prec = 80
        gap = -(1 - decimal.Decimal(delta.numerator) / decimal.Decimal(delta.denominator)).ln() / \
            decimal.Decimal(2).ln()
        hd = decimal.Decimal(h.numerator) / decimal.Decimal(h.denominator)
        return n if gap < hd else k


# ---------------------------------------------------------------------------------------------------------
# mx/elemwise_ops.py::_round_mantissa(A, bits=8, round, clamp=False) on one float32 value
# ---------------------------------------------------------------------------------------------------------
def round_mantissa(a, rounding):
    sign = (a > 0) - (a < 0)                     # torch.sign (0 for +-0)
    if rounding == 'nearest':
        # A = torch.sign(A) * torch.floor(torch.abs(A) + 0.5)
        return sign * math.floor(f32(abs(a) + 0.5))
    if rounding == 'even':
        # absA = torch.abs(A)
        # maskA = ((absA - 0.5) % 2 == torch.zeros_like(A)).type(A.dtype)
        # A = torch.sign(A) * (torch.floor(absA + 0.5) - maskA)
        abs_a = abs(a)
        mask = 1 if f32(abs_a - 0.5) % 2 == 0.0 else 0
        return sign * (math.floor(f32(abs_a + 0.5)) - mask)
    raise InputError('Unrecognized round method %s' % rounding)


# ---------------------------------------------------------------------------------------------------------
# mx/mx_ops.py::_quantize_mx for one block (after _reshape_to_blocks zero-pads the last block)
# ---------------------------------------------------------------------------------------------------------
def quantize_block(block, rounding, first_index, block_index):
    amax = max(abs(x) for x in block)            # padding zeros never change the maximum
    shared_exp = shared_exponent(amax)
    # shared_exp = shared_exp - emax                       (emax = 0 for int8)
    shared_exp = shared_exp - EMAX
    # scale_emax = 2**(scale_bits-1) - 1
    scale_emax = 2 ** (SCALE_BITS - 1) - 1
    # shared_exp[shared_exp > scale_emax] = float("NaN")
    if shared_exp > scale_emax:
        arg = max(range(len(block)), key=lambda t: abs(block[t]))
        raise InputError("tensor 'stdin': block %d has max |x| = %.9g at index %d; its FP32 log2 rounds to %d, "
                         "for which the MX reference produces a NaN scale (E8M0 255), which BFP8 does not "
                         "represent" % (block_index, amax, first_index + arg, shared_exp))
    # shared_exp[shared_exp < -scale_emax] = -scale_emax
    if shared_exp < -scale_emax:
        shared_exp = -scale_emax
    scale = 2.0 ** shared_exp                    # 2**shared_exp: an exact float32 (2^-127 is subnormal)
    codes = []
    for x in block:
        # A = A / (2**shared_exp)
        a = f32(x / scale)
        # _quantize_elemwise_core(A, bits=8, exp_bits=0, max_norm, round, allow_denorm=True,
        #                         saturate_normals=True): exp_bits == 0 -> private_exp = None
        # out = _safe_lshift(out, bits - 2, None)  ->  x * (2**bits) with bits - 2 = 6
        a = f32(a * 2 ** (MBITS - 2))
        # out = _round_mantissa(out, bits, round, clamp=False)
        q = round_mantissa(a, rounding)
        # out = _safe_rshift(out, bits - 2, None)  ->  x / (2**bits)      (exact: q is an integer < 2^8)
        # out = torch.clamp(out, min=-max_norm, max=max_norm)  (saturate_normals or exp_bits == 0)
        # A = A * (2**shared_exp)  (back in _quantize_mx; exact for |q| <= 127)
        # The element code is the integer mantissa: clamp(q / 64, +-127/64) * 64 = clamp(q, +-127).
        out = min(max(q / 2 ** (MBITS - 2), -MAX_NORM), MAX_NORM)
        codes.append(int(out * 2 ** (MBITS - 2)))
    # E8M0 code of the scale 2**shared_exp
    return shared_exp + FP32_EXPONENT_BIAS, codes


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--block', type=int, required=True)
    ap.add_argument('--rounding', default='away')
    ap.add_argument('--json', action='store_true')
    args = ap.parse_args(argv)
    try:
        if args.block < 1:
            raise InputError('--block must be >= 1, got %d' % args.block)
        # bfpgen 'away' is the library's round='nearest' (floor(|a| + 0.5)); 'even' is round='even'.
        mx_round = {'away': 'nearest', 'even': 'even'}.get(args.rounding)
        if mx_round is None:
            raise InputError("unknown rounding mode '%s' (expected 'away' or 'even')" % args.rounding)
        text = sys.stdin.buffer.read().decode('latin-1')
        values = parse_values(text)
        blocks = []
        for b, g in enumerate(range(0, len(values), args.block)):
            blocks.append(quantize_block(values[g:g + args.block], mx_round, g, b))
    except InputError as e:
        sys.stderr.write('mx_reference: error: %s\n' % e)
        return 1
    if args.json:
        obj = {'block': args.block, 'rounding': args.rounding,
               'blocks': [{'exp': e, 'codes': c} for e, c in blocks]}
        sys.stdout.write(json.dumps(obj, separators=(',', ':')) + '\n')
    else:
        sys.stdout.write(''.join('%d:%s\n' % (e, ''.join(' %d' % c for c in codes)) for e, codes in blocks))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
