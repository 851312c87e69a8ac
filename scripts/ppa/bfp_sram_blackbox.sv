// Black-box bfp_sram for scripts/ppa/sparsity_area.sh: every buffer memory is left out of the generic cell
// count and counted as SRAM bits instead (Width x Depth per instance).
(* blackbox *)
module bfp_sram #(
  parameter int Width    = 64,
  parameter int Depth    = 16,
  parameter int AddrBits = (Depth > 1) ? $clog2(Depth) : 1
) (
  input  logic                clk_i,
  input  logic                we_i,
  input  logic [AddrBits-1:0] waddr_i,
  input  logic [Width-1:0]    wdata_i,
  input  logic                re_i,
  input  logic [AddrBits-1:0] raddr_i,
  output logic [Width-1:0]    rdata_o
);
endmodule
