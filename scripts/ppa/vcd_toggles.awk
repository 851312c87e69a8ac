# SPDX-License-Identifier: Apache-2.0
# Toggles of a VCD's nets: the bit changes of every value change after the first, summed over all dumped nets
# but the ports named in -v skip="a b c" (the standalone toggle scripts, scripts/ppa/*_toggles.sh, dump one
# module at level 1 and leave out its ports, which are the same for the variants they compare). Prints the sum.
#   awk -v skip="word_i sel_i byte_o" -f scripts/ppa/vcd_toggles.awk t.vcd
BEGIN { n = split(skip, s, " "); for (i = 1; i <= n; i++) skipped[s[i]] = 1 }
/\$var/ { name[$4] = $5; next }
/\$enddefinitions/ { body = 1; next }
body && /^#/ { next }
body {
  if ($1 ~ /^b/) { v = substr($1, 2); id = $2 } else { v = substr($1, 1, 1); id = substr($1, 2) }
  if (!(name[id] in skipped) && (id in last)) {
    a = last[id]; w = length(v) > length(a) ? length(v) : length(a)
    while (length(a) < w) a = "0" a
    while (length(v) < w) v = "0" v
    for (j = 1; j <= w; j++) if (substr(a, j, 1) != substr(v, j, 1)) tog++
  }
  last[id] = v
}
END { print tog + 0 }
