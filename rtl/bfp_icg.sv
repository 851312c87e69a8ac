// SPDX-License-Identifier: Apache-2.0
// Clock gate (power.clock_gating: gate, docs/architecture.md "Clock gating"): gclk_o is clk_i in the cycles
// whose en_i was 1 just before the rising edge, and stays low in the others. The standard glitch-free
// latch-based ICG: the latch is transparent while clk_i is low and closes on the rising edge, so the enable
// cannot change while gclk_o is high and gclk_o has no glitch or short pulse (en_i must settle before the
// rising edge, exactly like the D input of a flip-flop on clk_i). A flip-flop on gclk_o therefore samples
// the same values at the same edge as a flip-flop on clk_i with `if (en_i)`.
// This file is the behavioural model the simulation (Verilator), lint and the FPGA flows read; the ASIC flow
// reads rtl/tech/bfp_icg_asic.sv instead (osu018 has no ICG cell: a LATCH on the inverted clock and an AND2).
// Simulation: gclk_o is a clock derived from clk_i through combinational logic; Verilator 5 evaluates it before
// the flip-flops of the edge, so flip-flops on gclk_o and on clk_i sample the same values
// (tests/clock_gating_rtl_test.cpp checks it against clock enables cycle by cycle).
// Power flow: the toggle coverage of gclk_o counts two toggles per enabled cycle, which report/power.cpp turns
// into the clock-pin activity of the flip-flops behind this gate (docs/ppa.md "Clock gating").
module bfp_icg (
  input  logic clk_i,   /// free-running clock
  input  logic en_i,    /// clock the gated registers at the coming rising edge
  output logic gclk_o   /// gated clock
);
  logic en_l;  // the latched enable
  always_latch begin
    if (!clk_i) en_l = en_i;
  end
  assign gclk_o = clk_i & en_l;
endmodule
// bfp-group: clock gating
