// SPDX-License-Identifier: Apache-2.0
// Assertion checker of one valid/ready stream (docs/assertions.md): the AXI-Stream rules the memory ports and
// the command port follow. Once valid is high without ready, valid stays high (HS_HOLD) and the payload stays
// the same (HS_STABLE) until the transfer; valid, and the payload while valid, are never X (HS_KNOWN: only a
// 4-state simulator can see X; Verilator is 2-state, so there it never fires).
//
// Instantiated only inside `ifdef BFP_ASSERT` blocks (the verilated test models define it), so synthesis never
// sees it. Written as immediate assertions in a clocked block, with the previous cycle registered by hand: the
// cheapest form in Verilator, and Icarus accepts it too (it has no concurrent assertions). A failure prints the
// instance (Verilator's "Assertion failed in <instance>") and the rule.
module bfp_chk_handshake #(
  parameter int Width = 1  /// payload bits
) (
  input  logic             clk_i,    /// clock
  input  logic             rst_ni,   /// active-low synchronous reset: no rule applies while it is low
  input  logic             valid_i,  /// the stream's valid
  input  logic             ready_i,  /// the stream's ready
  input  logic [Width-1:0] data_i    /// the payload (every signal that travels with valid)
);
`ifdef BFP_ASSERT
  logic             wait_q;  // the last cycle had valid without ready (out of reset)
  logic [Width-1:0] data_q;  // its payload

  always_ff @(posedge clk_i) begin
    wait_q <= rst_ni && valid_i && !ready_i;
    if (valid_i && !ready_i) data_q <= data_i;
    if (rst_ni) begin
      assert (!$isunknown(valid_i) && !(valid_i && $isunknown(data_i)))
        else $error("HS_KNOWN: valid, or the payload while valid, is X");
      if (wait_q) begin
        assert (valid_i) else $error("HS_HOLD: valid dropped before ready");
        assert (data_i == data_q) else $error("HS_STABLE: the payload changed while valid waited for ready");
      end
    end
  end
`else
  logic unused_ports;
  assign unused_ports = ^{clk_i, rst_ni, valid_i, ready_i, data_i};
`endif
endmodule
// bfp-group: verification
