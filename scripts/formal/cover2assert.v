// SPDX-License-Identifier: Apache-2.0
// Techmap for the ABC engine of scripts/formal/run.sh: a cover(A) becomes assert(!A), so a bounded model checker
// that finds the "bad state" has shown the cover reachable (Yosys 0.23's chformal has no cover-to-assert mode).
(* techmap_celltype = "$cover" *)
module cover2assert (input A, input EN);
  \$assert _TECHMAP_REPLACE_ (.A(~A), .EN(EN));
endmodule
