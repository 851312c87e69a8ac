// SPDX-License-Identifier: Apache-2.0
// Emitter (docs/generated-output.md): builds every output file as text in memory from a validated Config,
// then writes them all through a temporary directory that replaces the output directory in one rename.
#include "gen/emit.h"

#include <stdio.h>  // renameat2, RENAME_EXCHANGE (glibc >= 2.28)
#include <fcntl.h>  // AT_FDCWD
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <stdexcept>

#include "gen/emit_pkg.h"
#include "gen/emit_regs.h"
#include "host/registers.h"
#include "host/command_format.h"
#include "gen/rtl_embed.h"
#include "gen/scratch.h"
#include "config/fields.h"
#include "config/sha256.h"

#ifndef BFP_VERSION
#error "BFP_VERSION must be defined by the build"
#endif

namespace bfp {
namespace fs = std::filesystem;

namespace {

constexpr const char* kTopFile = "bfp_top.sv";
constexpr const char* kFilelist = "bfp_top.f";
constexpr const char* kHeader = "bfp_config.h";
constexpr const char* kAxiTopFile = "bfp_axi_top.sv";
constexpr const char* kAxiFilelist = "bfp_axi_top.f";
constexpr const char* kManifest = "manifest.json";

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

/// `text` as "// " comment lines of at most 110 characters, broken between words.
std::string comment(const std::string& text) {
  constexpr size_t kWidth = 110 - 3;
  std::istringstream words(text);
  std::string out, line;
  for (std::string w; words >> w;) {
    if (!line.empty() && line.size() + 1 + w.size() > kWidth) {
      out += "// " + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + w;
  }
  if (!line.empty()) out += "// " + line + "\n";
  return out;
}

/// "[hi:0]" for a vector, "" for a single bit.
std::string range(int width) { return width == 1 ? "" : "[" + std::to_string(width - 1) + ":0]"; }

// ---- bfp_top.sv ----------------------------------------------------------------------------------------

}  // namespace

std::vector<TopPort> top_ports(const Config& c) {
  const std::string beat = std::to_string(c.beat_bytes()) + "-byte";
  return {
      {"clk_i", true, 1, "clock", "Clock and reset"},
      {"rst_ni", true, 1, "active-low synchronous reset", ""},
      {"cmd_tvalid_i", true, 1, "command valid", "Command stream (256-bit commands, docs/architecture.md)"},
      {"cmd_tready_o", false, 1, "command accepted when high together with cmd_tvalid_i", ""},
      {"cmd_tdata_i", true, fmt::kCommandBits, "command: eight 32-bit words, word n at [32n+31:32n]", ""},
      {"rd_req_tvalid_o", false, 1, "read request valid", "Memory read port: requests, then data in request order"},
      {"rd_req_tready_i", true, 1, "read request accepted", ""},
      {"rd_req_addr_o", false, c.addr_width, "byte address of one " + beat + " beat (beat-aligned)", ""},
      {"rd_rsp_tvalid_i", true, 1, "read data valid", ""},
      {"rd_rsp_tready_o", false, 1, "read data accepted", ""},
      {"rd_rsp_tdata_i", true, c.mem_width, "one beat, byte b at [8b+7:8b]", ""},
      {"wr_tvalid_o", false, 1, "write valid", "Memory write port (posted writes)"},
      {"wr_tready_i", true, 1, "write accepted", ""},
      {"wr_addr_o", false, c.addr_width, "byte address of one " + beat + " beat (beat-aligned)", ""},
      {"wr_tdata_o", false, c.mem_width, "beat data, byte b at [8b+7:8b]", ""},
      {"wr_tstrb_o", false, c.beat_bytes(), "byte enables, bit b for byte b", ""},
      {"busy_o", false, 1, "a command is executing (including pipeline drain)", "Status"},
      {"op_o", false, 4, "opcode of the most downstream busy engine, 0 when idle", ""},
      {"engines_busy_o", false, 3, "{store, compute, load} engine busy", ""},
      {"macs_o", false, 16, "MACs the array issues in this cycle (dense: R*C per element)", ""},
  };
}

std::vector<TopPort> axi_top_ports(const Config& c) {
  const int aw = c.addr_width, dw = c.mem_width, id = c.axi_id_width, sb = c.beat_bytes();
  const int ra = regs::kAddrBits;
  return {
      {"clk_i", true, 1, "clock", "Clock, reset and interrupt"},
      {"rst_ni", true, 1, "active-low synchronous reset", ""},
      {"irq_o", false, 1, "interrupt: (DONE & DONE_IRQ_EN) | (ERROR & ERR_IRQ_EN), docs/registers.md", ""},
      {"s_axil_awvalid_i", true, 1, "write address valid", "AXI4-Lite control slave (docs/registers.md)"},
      {"s_axil_awready_o", false, 1, "write address accepted", ""},
      {"s_axil_awaddr_i", true, ra, "register byte offset", ""},
      {"s_axil_awprot_i", true, 3, "ignored", ""},
      {"s_axil_wvalid_i", true, 1, "write data valid", ""},
      {"s_axil_wready_o", false, 1, "write data accepted", ""},
      {"s_axil_wdata_i", true, 32, "write data", ""},
      {"s_axil_wstrb_i", true, 4, "ignored: registers are written whole", ""},
      {"s_axil_bvalid_o", false, 1, "write response valid", ""},
      {"s_axil_bready_i", true, 1, "write response accepted", ""},
      {"s_axil_bresp_o", false, 2, "OKAY, or SLVERR for an unmapped offset", ""},
      {"s_axil_arvalid_i", true, 1, "read address valid", ""},
      {"s_axil_arready_o", false, 1, "read address accepted", ""},
      {"s_axil_araddr_i", true, ra, "register byte offset", ""},
      {"s_axil_arprot_i", true, 3, "ignored", ""},
      {"s_axil_rvalid_o", false, 1, "read data valid", ""},
      {"s_axil_rready_i", true, 1, "read data accepted", ""},
      {"s_axil_rdata_o", false, 32, "read data", ""},
      {"s_axil_rresp_o", false, 2, "OKAY, or SLVERR for an unmapped offset", ""},
      {"m_axi_awid_o", false, id, "write ID (always 0)", "AXI4 memory master (INCR bursts, never across 4 KiB)"},
      {"m_axi_awaddr_o", false, aw, "burst start byte address (beat-aligned)", ""},
      {"m_axi_awlen_o", false, 8, "beats - 1 (at most axi.max_burst - 1)", ""},
      {"m_axi_awsize_o", false, 3, "log2 of the beat bytes", ""},
      {"m_axi_awburst_o", false, 2, "INCR (1)", ""},
      {"m_axi_awcache_o", false, 4, "normal non-cacheable bufferable (3)", ""},
      {"m_axi_awprot_o", false, 3, "unprivileged, secure, data (0)", ""},
      {"m_axi_awvalid_o", false, 1, "write address valid", ""},
      {"m_axi_awready_i", true, 1, "write address accepted", ""},
      {"m_axi_wdata_o", false, dw, "write data, byte b at [8b+7:8b]", ""},
      {"m_axi_wstrb_o", false, sb, "byte strobes", ""},
      {"m_axi_wlast_o", false, 1, "last beat of the burst", ""},
      {"m_axi_wvalid_o", false, 1, "write data valid", ""},
      {"m_axi_wready_i", true, 1, "write data accepted", ""},
      {"m_axi_bid_i", true, id, "response ID (ignored)", ""},
      {"m_axi_bresp_i", true, 2, "write response; SLVERR/DECERR latch an error", ""},
      {"m_axi_bvalid_i", true, 1, "write response valid", ""},
      {"m_axi_bready_o", false, 1, "write response accepted (always 1)", ""},
      {"m_axi_arid_o", false, id, "read ID (always 0)", ""},
      {"m_axi_araddr_o", false, aw, "burst start byte address (beat-aligned)", ""},
      {"m_axi_arlen_o", false, 8, "beats - 1 (at most axi.max_burst - 1)", ""},
      {"m_axi_arsize_o", false, 3, "log2 of the beat bytes", ""},
      {"m_axi_arburst_o", false, 2, "INCR (1)", ""},
      {"m_axi_arcache_o", false, 4, "normal non-cacheable bufferable (3)", ""},
      {"m_axi_arprot_o", false, 3, "unprivileged, secure, data (0)", ""},
      {"m_axi_arvalid_o", false, 1, "read address valid", ""},
      {"m_axi_arready_i", true, 1, "read address accepted", ""},
      {"m_axi_rid_i", true, id, "read ID (ignored)", ""},
      {"m_axi_rdata_i", true, dw, "read data", ""},
      {"m_axi_rresp_i", true, 2, "read response; SLVERR/DECERR latch an error", ""},
      {"m_axi_rlast_i", true, 1, "last beat of the burst", ""},
      {"m_axi_rvalid_i", true, 1, "read data valid", ""},
      {"m_axi_rready_o", false, 1, "read data accepted", ""},
  };
}

namespace {

/// One parameter of bfp_core, fixed by the config.
struct Param {
  std::string name;
  int value;
  std::string doc;
};

/// One per hardware field of config/fields.def, in table order.
std::vector<Param> core_params(const Config& c) {
  std::vector<Param> params;
  for (const Field& f : config_fields()) {
    if (!f.core_param()) continue;  // the axi.* keys are parameters of bfp_axi_top only
    // an enumerated value shows its spelling next to the number
    const std::string value = f.type == FieldType::Int ? "" : ": " + hw_value_text(f, hw_value(c, f));
    params.push_back({f.sv, hw_value(c, f), std::string(f.doc) + " (" + f.key + value + ")"});
  }
  return params;
}

/// Every hardware field (bfp_axi_top: the core's parameters and the axi.* ones).
std::vector<Param> all_params(const Config& c) {
  std::vector<Param> params = core_params(c);
  for (const Field& f : config_fields())
    if (f.hardware() && !f.core_param())
      params.push_back({f.sv, hw_value(c, f), std::string(f.doc) + " (" + f.key + ")"});
  return params;
}

std::string banner(const Config& c, const std::string& source) {
  // SPDX: generated files carry the license of the sources they are made from (LICENSE, Apache-2.0)
  return provenance_line(c) + "\n// SPDX-License-Identifier: Apache-2.0\n// Source: " + source + "\n";
}

std::string render_top(const Config& c) {
  const std::vector<TopPort> ports = top_ports(c);
  const std::vector<Param> params = core_params(c);

  std::ostringstream s;
  s << banner(c, "generated by bfpgen (gen/emit.cpp) from the config with sha256");
  s << "//   " << c.hash() << "\n"
    << "//\n"
    << comment(
           "Top level of accelerator '" + c.name + "': " + std::to_string(c.rows) + " x " +
           std::to_string(c.cols) + " output-stationary PEs with BFP8 MACs, block size " +
           std::to_string(c.block) + ", " + std::to_string(c.acc_width) + "-bit accumulators with " +
           std::to_string(c.guard_bits) + " guard bits, " + std::to_string(c.act_depth) +
           "-element activation and " + std::to_string(c.wgt_depth) + "-element weight banks, " +
           std::to_string(c.acc_cols) + " accumulator-buffer columns, a " + std::to_string(c.mem_width) +
           "-bit memory port and sparsity '" + c.sparsity_name() +
           "'. The design itself is the hand-written bfp_core (rtl/bfp_core.sv); this module fixes its "
           "parameters to the config and exposes the same ports with concrete widths, so that tools and "
           "harnesses see one parameter-free top. Ports, command format and memory layout: "
           "docs/architecture.md.");

  // Ports: "  input  logic [63:0] name,  /// doc" with aligned columns.
  size_t range_w = 0, name_w = 0;
  for (const TopPort& p : ports) {
    range_w = std::max(range_w, range(p.width).size());
    name_w = std::max(name_w, p.name.size() + 1);
  }
  s << "module bfp_top (\n";
  for (size_t i = 0; i < ports.size(); ++i) {
    const TopPort& p = ports[i];
    if (!p.group.empty()) s << (i ? "\n" : "") << "  // " << p.group << "\n";
    const std::string name = p.name + (i + 1 < ports.size() ? "," : "");
    s << "  " << (p.input ? "input  logic " : "output logic ") << pad(range(p.width), range_w) << " "
      << pad(name, name_w) << "  /// " << p.doc << "\n";
  }
  s << ");\n";

  size_t param_w = 0, value_w = 0;
  for (const Param& p : params) {
    param_w = std::max(param_w, p.name.size());
    value_w = std::max(value_w, std::to_string(p.value).size() + 1);
  }
  s << "  // Parameters of this config\n";
  for (const Param& p : params)
    s << "  localparam int " << pad(p.name, param_w) << " = " << pad(std::to_string(p.value) + ";", value_w)
      << "  /// " << p.doc << "\n";

  s << "\n  bfp_core #(\n";
  for (size_t i = 0; i < params.size(); ++i)
    s << "    ." << pad(params[i].name, param_w) << " (" << params[i].name << ")"
      << (i + 1 < params.size() ? "," : "") << "\n";
  s << "  ) u_core (\n";
  for (size_t i = 0; i < ports.size(); ++i)
    s << "    ." << pad(ports[i].name, name_w - 1) << " (" << ports[i].name << ")"
      << (i + 1 < ports.size() ? "," : "") << "\n";
  s << "  );\nendmodule\n// bfp-group: control\n";  // area/power group of the PPA reports, as in rtl/*.sv
  return s.str();
}

// ---- bfp_axi_top.sv ------------------------------------------------------------------------------------

/// "  input  logic [W-1:0] name,  /// doc" lines of a port list, groups opened by a comment line.
std::string port_list(const std::vector<TopPort>& ports) {
  size_t range_w = 0, name_w = 0;
  for (const TopPort& p : ports) {
    range_w = std::max(range_w, range(p.width).size());
    name_w = std::max(name_w, p.name.size() + 1);
  }
  std::ostringstream s;
  for (size_t i = 0; i < ports.size(); ++i) {
    const TopPort& p = ports[i];
    if (!p.group.empty()) s << (i ? "\n" : "") << "  // " << p.group << "\n";
    const std::string name = p.name + (i + 1 < ports.size() ? "," : "");
    s << "  " << (p.input ? "input  logic " : "output logic ") << pad(range(p.width), range_w) << " "
      << pad(name, name_w) << "  /// " << p.doc << "\n";
  }
  return s.str();
}

/// ".a (b)," connection lines, the last without a comma.
std::string connections(const std::vector<std::pair<std::string, std::string>>& conns, const std::string& indent) {
  size_t w = 0;
  for (const auto& c : conns) w = std::max(w, c.first.size());
  std::string s;
  for (size_t i = 0; i < conns.size(); ++i)
    s += indent + "." + pad(conns[i].first, w) + " (" + conns[i].second + ")" + (i + 1 < conns.size() ? ",\n" : "\n");
  return s;
}

std::string render_axi_top(const Config& c) {
  const std::vector<TopPort> ports = axi_top_ports(c);
  const std::vector<Param> params = all_params(c);
  std::ostringstream s;
  s << banner(c, "generated by bfpgen (gen/emit.cpp) from the config with sha256");
  s << "//   " << c.hash() << "\n"
    << "//\n"
    << comment("System-bus top level of accelerator '" + c.name +
               "' (docs/architecture.md \"AXI top\"): bfp_core behind an AXI4-Lite control slave (register map "
               "docs/registers.md: command FIFO of " + std::to_string(c.axi_cmd_fifo_depth) +
               " commands, status, doorbell and interrupt, counters) and an AXI4 memory master (" +
               std::to_string(c.mem_width) + "-bit data, INCR bursts of up to " + std::to_string(c.axi_max_burst) +
               " beats that never cross 4 KiB, up to " + std::to_string(c.axi_max_outstanding) +
               " read bursts in flight, SLVERR/DECERR reported in STATUS.ERROR). bfp_top, the direct-port top of the "
               "same config, stays the fast simulation harness's top.");
  s << "module bfp_axi_top (\n" << port_list(ports) << ");\n";

  size_t param_w = 0, value_w = 0;
  for (const Param& p : params) {
    param_w = std::max(param_w, p.name.size());
    value_w = std::max(value_w, std::to_string(p.value).size() + 1);
  }
  s << "  // Parameters of this config\n";
  for (const Param& p : params)
    s << "  localparam int " << pad(p.name, param_w) << " = " << pad(std::to_string(p.value) + ";", value_w)
      << "  /// " << p.doc << "\n";
  s << "  localparam logic [31:0] CfgHash = 32'h" << c.hash().substr(0, 8)
    << ";  /// CFG_HASH register: the first 8 hex digits of the config hash\n\n";

  // core wires
  const std::string aw = "[" + std::to_string(c.addr_width - 1) + ":0] ";
  const std::string dw = "[" + std::to_string(c.mem_width - 1) + ":0] ";
  const std::string sw = "[" + std::to_string(c.beat_bytes() - 1) + ":0] ";
  s << "  // bfp_core's ports\n"
    << "  logic cmd_tvalid, cmd_tready;\n"
    << "  logic [" << fmt::kCommandBits - 1 << ":0] cmd_tdata;\n"
    << "  logic rd_req_tvalid, rd_req_tready, rd_rsp_tvalid, rd_rsp_tready, wr_tvalid, wr_tready, core_busy;\n"
    << "  logic " << aw << "rd_req_addr, wr_addr;\n"
    << "  logic " << dw << "rd_rsp_tdata, wr_tdata;\n"
    << "  logic " << sw << "wr_tstrb;\n"
    << "  logic [3:0] op;\n"
    << "  logic [2:0] engines_busy;\n"
    << "  logic [15:0] macs;\n"
    << "  // the bridges' status\n"
    << "  logic rd_idle, wr_idle, rd_beat, wr_beat, rd_err, wr_err;\n"
    << "  logic [1:0] rd_err_resp, wr_err_resp;\n"
    << "  logic " << aw << "rd_err_addr, wr_err_addr;\n\n";

  s << "  bfp_core #(\n";
  {
    std::vector<std::pair<std::string, std::string>> pc;
    for (const Param& p : core_params(c)) pc.push_back({p.name, p.name});
    s << connections(pc, "    ");
  }
  s << "  ) u_core (\n"
    << connections({{"clk_i", "clk_i"}, {"rst_ni", "rst_ni"}, {"cmd_tvalid_i", "cmd_tvalid"},
                    {"cmd_tready_o", "cmd_tready"}, {"cmd_tdata_i", "cmd_tdata"},
                    {"rd_req_tvalid_o", "rd_req_tvalid"}, {"rd_req_tready_i", "rd_req_tready"},
                    {"rd_req_addr_o", "rd_req_addr"}, {"rd_rsp_tvalid_i", "rd_rsp_tvalid"},
                    {"rd_rsp_tready_o", "rd_rsp_tready"}, {"rd_rsp_tdata_i", "rd_rsp_tdata"},
                    {"wr_tvalid_o", "wr_tvalid"}, {"wr_tready_i", "wr_tready"}, {"wr_addr_o", "wr_addr"},
                    {"wr_tdata_o", "wr_tdata"}, {"wr_tstrb_o", "wr_tstrb"}, {"busy_o", "core_busy"},
                    {"op_o", "op"}, {"engines_busy_o", "engines_busy"}, {"macs_o", "macs"}},
                   "    ")
    << "  );\n\n";

  const std::vector<std::pair<std::string, std::string>> bridge_params = {
      {"MemWidth", "MemWidth"}, {"AddrWidth", "AddrWidth"}, {"IdWidth", "AxiIdWidth"},
      {"MaxBurst", "AxiMaxBurst"}, {"MaxOutstanding", "AxiMaxOutstanding"}};
  auto axi = [](const std::string& pfx, std::initializer_list<const char*> names) {
    std::vector<std::pair<std::string, std::string>> v;
    for (const char* n : names) v.push_back({"m_axi_" + pfx + n, "m_axi_" + pfx + n});
    return v;
  };
  s << "  // AXI4 read master: read requests -> AR bursts, R beats -> read data\n"
    << "  bfp_axi_rd #(\n" << connections(bridge_params, "    ") << "  ) u_axi_rd (\n";
  {
    std::vector<std::pair<std::string, std::string>> pc = {
        {"clk_i", "clk_i"}, {"rst_ni", "rst_ni"}, {"rd_req_tvalid_i", "rd_req_tvalid"},
        {"rd_req_tready_o", "rd_req_tready"}, {"rd_req_addr_i", "rd_req_addr"},
        {"rd_rsp_tvalid_o", "rd_rsp_tvalid"}, {"rd_rsp_tready_i", "rd_rsp_tready"},
        {"rd_rsp_tdata_o", "rd_rsp_tdata"}};
    for (auto& p : axi("ar", {"id_o", "addr_o", "len_o", "size_o", "burst_o", "cache_o", "prot_o", "valid_o",
                              "ready_i"}))
      pc.push_back(p);
    for (auto& p : axi("r", {"id_i", "data_i", "resp_i", "last_i", "valid_i", "ready_o"})) pc.push_back(p);
    for (auto& p : std::vector<std::pair<std::string, std::string>>{
             {"idle_o", "rd_idle"}, {"beat_o", "rd_beat"}, {"err_o", "rd_err"}, {"err_resp_o", "rd_err_resp"},
             {"err_addr_o", "rd_err_addr"}})
      pc.push_back(p);
    s << connections(pc, "    ") << "  );\n\n";
  }
  s << "  // AXI4 write master: posted beat writes -> AW/W bursts, B responses checked\n"
    << "  bfp_axi_wr #(\n" << connections(bridge_params, "    ") << "  ) u_axi_wr (\n";
  {
    std::vector<std::pair<std::string, std::string>> pc = {
        {"clk_i", "clk_i"}, {"rst_ni", "rst_ni"}, {"wr_tvalid_i", "wr_tvalid"}, {"wr_tready_o", "wr_tready"},
        {"wr_addr_i", "wr_addr"}, {"wr_tdata_i", "wr_tdata"}, {"wr_tstrb_i", "wr_tstrb"}};
    for (auto& p : axi("aw", {"id_o", "addr_o", "len_o", "size_o", "burst_o", "cache_o", "prot_o", "valid_o",
                              "ready_i"}))
      pc.push_back(p);
    for (auto& p : axi("w", {"data_o", "strb_o", "last_o", "valid_o", "ready_i"})) pc.push_back(p);
    for (auto& p : axi("b", {"id_i", "resp_i", "valid_i", "ready_o"})) pc.push_back(p);
    for (auto& p : std::vector<std::pair<std::string, std::string>>{
             {"idle_o", "wr_idle"}, {"beat_o", "wr_beat"}, {"err_o", "wr_err"}, {"err_resp_o", "wr_err_resp"},
             {"err_addr_o", "wr_err_addr"}})
      pc.push_back(p);
    s << connections(pc, "    ") << "  );\n\n";
  }
  s << "  // AXI4-Lite registers, command FIFO, counters, interrupt\n"
    << "  bfp_axil_regs #(\n"
    << connections({{"MemWidth", "MemWidth"}, {"Rows", "Rows"}, {"Cols", "Cols"}, {"FifoDepth", "AxiCmdFifoDepth"},
                    {"CfgHash", "CfgHash"}, {"AddrWidth", "AddrWidth"}},
                   "    ")
    << "  ) u_regs (\n";
  {
    std::vector<std::pair<std::string, std::string>> pc = {{"clk_i", "clk_i"}, {"rst_ni", "rst_ni"}, {"irq_o", "irq_o"}};
    for (const TopPort& p : ports)
      if (p.name.rfind("s_axil_", 0) == 0) pc.push_back({p.name, p.name});
    for (auto& p : std::vector<std::pair<std::string, std::string>>{
             {"cmd_tvalid_o", "cmd_tvalid"}, {"cmd_tready_i", "cmd_tready"}, {"cmd_tdata_o", "cmd_tdata"},
             {"core_busy_i", "core_busy"}, {"engines_busy_i", "engines_busy"}, {"macs_i", "macs"},
             {"mem_idle_i", "rd_idle && wr_idle"}, {"rd_beat_i", "rd_beat"}, {"wr_beat_i", "wr_beat"},
             {"rd_err_i", "rd_err"}, {"rd_err_resp_i", "rd_err_resp"}, {"rd_err_addr_i", "rd_err_addr"},
             {"wr_err_i", "wr_err"}, {"wr_err_resp_i", "wr_err_resp"}, {"wr_err_addr_i", "wr_err_addr"}})
      pc.push_back(p);
    s << connections(pc, "    ") << "  );\n\n";
  }
  s << "  logic unused_op;\n  assign unused_op = ^op;\n";
  // protocol checkers (docs/assertions.md): only the verilated test models define BFP_ASSERT
  s << "\n`ifdef BFP_ASSERT\n"
    << "  // AXI4 and AXI4-Lite protocol checkers on the top-level ports: they check the master's outputs and the\n"
    << "  // slave-driven inputs alike, so a misbehaving memory model or host fails the run too (docs/assertions.md)\n"
    << "  bfp_chk_axi #(.DataWidth(MemWidth), .AddrWidth(AddrWidth), .IdWidth(AxiIdWidth), .MaxBurst(AxiMaxBurst))\n"
    << "  u_chk_axi (\n";
  {
    std::vector<std::pair<std::string, std::string>> pc = {{"clk_i", "clk_i"}, {"rst_ni", "rst_ni"}};
    for (const TopPort& p : ports)
      if (p.name.rfind("m_axi_", 0) == 0) {
        std::string n = p.name.substr(6);
        n = n.substr(0, n.size() - 2);  // drop _i/_o: the checker's ports are all inputs
        pc.push_back({n + "_i", p.name});
      }
    s << connections(pc, "    ") << "  );\n";
  }
  s << "  bfp_chk_axil u_chk_axil (\n";
  {
    std::vector<std::pair<std::string, std::string>> pc = {{"clk_i", "clk_i"}, {"rst_ni", "rst_ni"}};
    for (const TopPort& p : ports)
      if (p.name.rfind("s_axil_", 0) == 0) {
        std::string n = p.name.substr(7);
        n = n.substr(0, n.size() - 2);
        pc.push_back({n + "_i", p.name});
      }
    s << connections(pc, "    ") << "  );\n";
  }
  s << "`endif\nendmodule\n// bfp-group: system bus\n";
  return s.str();
}

// ---- bfp_config.h --------------------------------------------------------------------------------------

/// Every hardware field as X("yaml.key", kConstant): code that must cover all of them (the model's
/// bfp_model_get_config, sim/model/model_shim.cpp) expands this instead of keeping its own list.
std::string field_list_macro() {
  std::vector<std::string> lines{"#define BFP_HW_CONFIG_FIELDS(X)"};
  for (const Field& f : config_fields())
    if (f.hardware()) lines.push_back("  X(\"" + std::string(f.key) + "\", " + f.header_constant() + ")");
  size_t w = 0;
  for (const std::string& l : lines) w = std::max(w, l.size());
  std::string out = comment(
      "Every hardware field of the config as X(YAML key, constant above), in the order of config/fields.def, for "
      "code that must cover all of them (the verilated model's bfp_model_get_config, sim/model/model_shim.cpp).");
  for (size_t i = 0; i < lines.size(); ++i)
    out += i + 1 < lines.size() ? pad(lines[i], w) + " \\\n" : lines[i] + "\n";
  return out;
}

std::string render_header(const Config& c) {
  struct Constant {
    std::string decl;
    std::string doc;
  };
  std::vector<Constant> consts;
  for (const Field& f : config_fields())
    if (f.hardware())
      consts.push_back({"constexpr int " + f.header_constant() + " = " + std::to_string(hw_value(c, f)) + ";",
                        std::string(f.key) + ": " + f.doc});
  consts.push_back({"constexpr int kBeatBytes = " + std::to_string(c.beat_bytes()) + ";",
                    "derived: memory.data_width / 8, bytes per memory beat"});
  consts.push_back({"constexpr char kConfigName[] = \"" + c.name + "\";", "name"});
  consts.push_back({"constexpr char kConfigHash[] = \"" + c.hash() + "\";",
                    "SHA-256 of the canonical config (docs/config.md)"});
  consts.push_back({std::string("constexpr char kGeneratorVersion[] = \"") + generator_version() + "\";",
                    "bfpgen version that generated this file"});

  size_t decl_w = 0;
  for (const Constant& k : consts)
    if (k.decl.size() <= 48) decl_w = std::max(decl_w, k.decl.size());

  std::ostringstream s;
  s << banner(c, "generated by bfpgen (gen/emit.cpp) from the config with sha256");
  s << "//   " << c.hash() << "\n"
    << "//\n"
    << comment("Hardware constants of accelerator config '" + c.name +
               "' for the C++ harness and golden model: the values bfp_top.sv of the same directory was "
               "generated with (docs/generated-output.md).")
    << "#pragma once\n\n"
    << "namespace bfp::hw {\n\n";
  // Short declarations get an aligned trailing comment; long ones (the hash) their comment on the line before.
  for (const Constant& k : consts) {
    if (k.decl.size() <= decl_w)
      s << pad(k.decl, decl_w) << "  ///< " << k.doc << "\n";
    else
      s << "/// " << k.doc << "\n" << k.decl << "\n";
  }
  s << "\n}  // namespace bfp::hw\n\n" << field_list_macro();
  return s.str();
}

// ---- manifest.json -------------------------------------------------------------------------------------

/// The config in the shape of its YAML file, with the hardware values (pipeline.requant_lanes always given).
nlohmann::json config_json(const Config& c) {
  nlohmann::json j = nlohmann::json::object();
  for (const Field& f : config_fields()) {
    nlohmann::json value;
    if (f.type == FieldType::Int)
      value = hw_value(c, f);
    else if (f.type == FieldType::Bool)
      value = hw_value(c, f) != 0;
    else
      value = field_text(c, f);
    if (f.section().empty())
      j[f.leaf()] = value;
    else
      j[f.section()][f.leaf()] = value;
  }
  return j;
}

std::string render_manifest(const Config& c, std::vector<GeneratedFile> files) {
  std::sort(files.begin(), files.end(),
            [](const GeneratedFile& a, const GeneratedFile& b) { return a.path < b.path; });
  nlohmann::json list = nlohmann::json::array();
  for (const GeneratedFile& f : files)
    list.push_back({{"path", f.path}, {"sha256", f.sha256}, {"bytes", f.content.size()}});
  nlohmann::json m = {
      {"generator", {{"name", "bfpgen"}, {"version", generator_version()}, {"source_revision", source_revision()}}},
      {"config_name", c.name},
      {"config_hash", c.hash()},
      {"config", config_json(c)},
      {"derived", {{"beat_bytes", c.beat_bytes()}}},
      {"files", list},
  };
  return m.dump(2) + "\n";
}

GeneratedFile make_file(std::string path, std::string content) {
  std::string hash = sha256_hex(content);
  return {std::move(path), std::move(content), std::move(hash)};
}

// ---- file system ---------------------------------------------------------------------------------------

std::string random_suffix() {
  static std::mt19937_64 rng(std::random_device{}() ^ (static_cast<uint64_t>(::getpid()) << 32));
  std::ostringstream s;
  s << std::hex << (rng() & 0xffffffffffull);
  return s.str();
}

constexpr const char* kTmpTag = "bfpgen-tmp";
constexpr const char* kOldTag = "bfpgen-old";

/// Creates a new, empty directory `parent/.<base>.<tag>-<pid>-<random>` and returns it (the PID tells a later
/// run whether the owner still runs: gen/scratch.h). With `guard`, the directory is registered for removal on
/// SIGINT/SIGTERM before it exists, so that an interrupt leaves nothing at any moment.
fs::path make_unique_dir(const fs::path& parent, const std::string& base, const char* tag,
                         std::unique_ptr<scratch::DirGuard>* guard = nullptr) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    fs::path p = parent / ("." + base.substr(0, 100) + "." + scratch::owned_tag(tag) + random_suffix());
    if (guard) *guard = std::make_unique<scratch::DirGuard>(p.string());
    std::error_code ec;
    if (fs::create_directory(p, ec)) return p;
    if (guard) guard->reset();
    if (ec) throw std::runtime_error("cannot create directory '" + p.string() + "': " + ec.message());
  }
  throw std::runtime_error("cannot create a temporary directory in '" + parent.string() + "'");
}

/// Writes `content` to `path`; returns "" or the reason it failed.
std::string write_file(const fs::path& path, const std::string& content) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return std::strerror(errno);
  const bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  const int write_errno = errno;
  const bool closed = std::fclose(f) == 0;
  if (!ok) return std::strerror(write_errno);
  if (!closed) return std::strerror(errno);
  return "";
}

/// True if `dir` is empty or holds an earlier bfpgen output (manifest.json naming generator bfpgen).
bool replaceable(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_empty(dir, ec) && !ec) return true;
  std::ifstream in(dir / kManifest, std::ios::binary);
  if (!in) return false;
  const nlohmann::json m = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (m.is_discarded() || !m.is_object()) return false;
  auto gen = m.find("generator");
  return gen != m.end() && gen->is_object() && gen->value("name", "") == "bfpgen";
}

/// Puts directory `from` at `to`, which exists: atomically exchanges the two where the file system supports it
/// (Linux renameat2), otherwise moves `to` aside first. Afterwards `from` holds the old output (to be removed).
void swap_into_place(const fs::path& from, const fs::path& to) {
#ifdef RENAME_EXCHANGE
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_EXCHANGE) == 0) return;
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
    throw std::runtime_error("cannot replace '" + to.string() + "' with '" + from.string() +
                             "': " + std::strerror(errno));
#endif
  const fs::path old = make_unique_dir(to.parent_path(), to.filename().string(), kOldTag);
  fs::remove(old);  // rename() needs a free name: keep the unique name, drop the directory
  std::error_code ec;
  fs::rename(to, old, ec);
  if (ec) throw std::runtime_error("cannot move '" + to.string() + "' aside: " + ec.message());
  fs::rename(from, to, ec);
  if (ec) {
    std::error_code ignored;
    fs::rename(old, to, ignored);
    throw std::runtime_error("cannot rename '" + from.string() + "' to '" + to.string() + "': " + ec.message());
  }
  fs::rename(old, from, ec);  // so that the caller removes the old output from `from`
  if (ec) fs::remove_all(old, ec);
}

}  // namespace

const char* generator_version() { return BFP_VERSION; }

std::string provenance_line(const Config& cfg) {
  return std::string("// Generated by bfpgen ") + generator_version() + " from config '" + cfg.name +
         "' (sha256 " + cfg.hash().substr(0, 16) + ") -- do not edit.";
}

std::vector<GeneratedFile> render(const Config& cfg) {
  std::vector<GeneratedFile> files;
  // the package first: every leaf refers to bfp_pkg::NAME, and tools read the file list in order
  files.push_back(make_file(kPackageFile, banner(cfg, "generated by bfpgen (gen/emit_pkg.cpp) from the command/format "
                                                      "table host/command_format.h") +
                                              "\n" + package_source()));
  files.push_back(make_file(kRegsPackageFile, banner(cfg, "generated by bfpgen (gen/emit_regs.cpp) from the register "
                                                          "table host/registers.h") +
                                                  "\n" + regs_package_source()));
  // The leaves: embedded at build time, or read at run time from $BFP_RTL_SOURCE_DIR (mutation testing,
  // docs/mutation.md: a changed leaf needs no rebuild of bfpgen; that folder may also hold a bfp_top.sv, which
  // then replaces the rendered top level).
  std::vector<std::pair<std::string, std::string>> leaves;
  std::string top_override;
  const char* rtl_dir = std::getenv("BFP_RTL_SOURCE_DIR");
  if (rtl_dir && *rtl_dir) {
    std::error_code ec;
    if (!fs::is_directory(rtl_dir, ec))
      throw std::runtime_error("BFP_RTL_SOURCE_DIR=" + std::string(rtl_dir) + " is not a directory");
    for (const auto& e : fs::directory_iterator(rtl_dir)) {
      if (!e.is_regular_file() || e.path().extension() != ".sv") continue;
      std::ifstream f(e.path(), std::ios::binary);
      std::ostringstream os;
      os << f.rdbuf();
      if (!f) throw std::runtime_error("cannot read " + e.path().string() + " (BFP_RTL_SOURCE_DIR)");
      if (e.path().filename() == kTopFile) top_override = os.str();
      else leaves.emplace_back(e.path().filename().string(), os.str());
    }
    if (leaves.empty()) throw std::runtime_error("BFP_RTL_SOURCE_DIR=" + std::string(rtl_dir) + " holds no .sv file");
  } else {
    for (const EmbeddedFile& leaf : embedded_rtl()) leaves.emplace_back(leaf.name, std::string(leaf.text()));
  }
  std::sort(leaves.begin(), leaves.end());
  for (const auto& [name, leaf_text] : leaves) {
    if (name == kTopFile || name == kPackageFile || name == kRegsPackageFile || name == kAxiTopFile)
      throw std::runtime_error("rtl/" + name + " clashes with the generated top level; rename it");
    std::string text(leaf_text);
    if (!text.empty() && text.back() != '\n') text += '\n';
    files.push_back(make_file(
        name, banner(cfg, "rtl/" + name + ", hand-written leaf module copied verbatim (edit the source, then "
                                          "regenerate).") +
                  // tool messages then name the rtl/ source line, not the line of this copy
                  "\n`line 1 \"rtl/" + name + "\" 0\n" + text));
  }

  std::string filelist;
  for (const GeneratedFile& f : files) filelist += f.path + "\n";

  files.push_back(make_file(kTopFile, top_override.empty() ? render_top(cfg) : top_override));
  files.push_back(make_file(kFilelist, filelist + kTopFile + "\n"));
  files.push_back(make_file(kAxiTopFile, render_axi_top(cfg)));
  files.push_back(make_file(kAxiFilelist, filelist + kAxiTopFile + "\n"));
  files.push_back(make_file(kHeader, render_header(cfg)));
  files.push_back(make_file(kRegsHeaderFile, regs_header_source()));
  files.push_back(make_file(kManifest, render_manifest(cfg, files)));
  return files;
}

void write_output(const std::vector<GeneratedFile>& files, const std::string& out_dir,
                  const BeforeWriteHook& before_write) {
  if (out_dir.empty()) throw std::runtime_error("output directory name is empty");
  fs::path out = fs::absolute(fs::path(out_dir)).lexically_normal();
  if (!out.has_filename()) out = out.parent_path();  // "out/x/" -> "out/x"
  std::error_code ec;
  if (fs::is_symlink(out, ec)) {
    out = fs::canonical(out, ec);
    if (ec) throw std::runtime_error("cannot resolve symbolic link '" + out_dir + "': " + ec.message());
  }
  if (!out.has_filename() || out == out.root_path())
    throw std::runtime_error("refusing to use '" + out_dir + "' as output directory");

  const fs::file_status st = fs::status(out, ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    throw std::runtime_error("cannot access '" + out_dir + "': " + ec.message());
  const bool exists = fs::exists(st);
  if (exists && !fs::is_directory(st))
    throw std::runtime_error("output path '" + out_dir + "' exists and is not a directory");
  if (exists && !replaceable(out))
    throw std::runtime_error("refusing to replace '" + out_dir +
                             "': it is neither empty nor an earlier bfpgen output (no bfpgen manifest.json)");

  const fs::path parent = out.parent_path();
  fs::create_directories(parent, ec);
  if (ec) throw std::runtime_error("cannot create directory '" + parent.string() + "': " + ec.message());

  // What an earlier, killed run left beside the output (its PID no longer runs) goes first.
  const char* const tags[] = {kTmpTag, kOldTag};
  scratch::remove_stale_siblings(parent.string(), out.filename().string().substr(0, 100), tags, 2);
  std::unique_ptr<scratch::DirGuard> guard;
  const fs::path tmp = make_unique_dir(parent, out.filename().string(), kTmpTag, &guard);
  try {
    for (const GeneratedFile& f : files) {
      const fs::path p = tmp / f.path;
      if (before_write) before_write(p.string());
      const std::string err = write_file(p, f.content);
      if (!err.empty())
        throw std::runtime_error("cannot write '" + (fs::path(out_dir) / f.path).string() + "' (temporary file '" +
                                 p.string() + "'): " + err);
    }
    if (exists) {
      swap_into_place(tmp, out);  // tmp now holds the previous output
    } else {
      fs::rename(tmp, out, ec);
      if (ec) throw std::runtime_error("cannot rename '" + tmp.string() + "' to '" + out.string() + "': " +
                                       ec.message());
    }
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  fs::remove_all(tmp, ec);  // the previous output, if any; failing to remove it is not an error of the new one
}

void generate(const Config& cfg, const std::string& out_dir) { write_output(render(cfg), out_dir); }

}  // namespace bfp
