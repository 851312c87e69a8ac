// Emitter (docs/generated-output.md): builds every output file as text in memory from a validated Config,
// then writes them all through a temporary directory that replaces the output directory in one rename.
#include "gen/emit.h"

#include <stdio.h>  // renameat2, RENAME_EXCHANGE (glibc >= 2.28)
#include <fcntl.h>  // AT_FDCWD
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <stdexcept>

#include "gen/emit_pkg.h"
#include "host/command_format.h"
#include "gen/rtl_embed.h"
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
  };
}

namespace {

/// One parameter of bfp_core, fixed by the config.
struct Param {
  std::string name;
  int value;
  std::string doc;
};

std::vector<Param> core_params(const Config& c) {
  return {
      {"Rows", c.rows, "PE rows R (array.rows)"},
      {"Cols", c.cols, "PE columns C (array.cols)"},
      {"BlockSize", c.block, "elements per BFP block B (block_size)"},
      {"AccWidth", c.acc_width, "accumulator mantissa bits W (accumulator.width)"},
      {"GuardBits", c.guard_bits, "fraction bits below a block product F (accumulator.guard_bits)"},
      {"OperandRegs", c.operand_regs, "registers on the operand broadcast (pipeline.operand_regs)"},
      {"RequantLanes", c.lanes(), "requantizer lanes per cycle (pipeline.requant_lanes)"},
      {"ActDepth", c.act_depth, "K elements per activation bank (buffers.act_depth)"},
      {"WgtDepth", c.wgt_depth, "K elements per weight bank (buffers.wgt_depth)"},
      {"AccCols", c.acc_cols, "accumulator buffer columns (buffers.acc_cols)"},
      {"MemWidth", c.mem_width, "memory port data bits per beat (memory.data_width)"},
      {"AddrWidth", c.addr_width, "memory byte-address bits (memory.addr_width)"},
      {"Sparsity", c.sparsity, "zero skipping: 0 none, 1 activations, 2 both (sparsity: " +
                                   std::string(c.sparsity_name()) + ")"},
  };
}

std::string banner(const Config& c, const std::string& source) {
  return provenance_line(c) + "\n// Source: " + source + "\n";
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
  s << "  );\nendmodule\n";
  return s.str();
}

// ---- bfp_config.h --------------------------------------------------------------------------------------

std::string render_header(const Config& c) {
  struct Constant {
    std::string decl;
    std::string doc;
  };
  std::vector<Constant> consts;
  auto int_const = [&](const char* name, int v, const char* doc) {
    consts.push_back({std::string("constexpr int ") + name + " = " + std::to_string(v) + ";", doc});
  };
  int_const("kRows", c.rows, "array.rows: PE rows R");
  int_const("kCols", c.cols, "array.cols: PE columns C");
  int_const("kBlockSize", c.block, "block_size: elements per BFP block B");
  int_const("kAccWidth", c.acc_width, "accumulator.width: accumulator mantissa bits W");
  int_const("kGuardBits", c.guard_bits, "accumulator.guard_bits: guard bits F");
  int_const("kOperandRegs", c.operand_regs, "pipeline.operand_regs: operand broadcast registers");
  int_const("kRequantLanes", c.lanes(), "pipeline.requant_lanes: requantizer lanes per cycle");
  int_const("kActDepth", c.act_depth, "buffers.act_depth: K elements per activation bank");
  int_const("kWgtDepth", c.wgt_depth, "buffers.wgt_depth: K elements per weight bank");
  int_const("kAccCols", c.acc_cols, "buffers.acc_cols: accumulator buffer columns");
  int_const("kMemWidth", c.mem_width, "memory.data_width: memory port bits per beat");
  int_const("kAddrWidth", c.addr_width, "memory.addr_width: byte-address bits");
  int_const("kSparsity", c.sparsity, "sparsity: 0 none, 1 activations, 2 both");
  int_const("kBeatBytes", c.beat_bytes(), "derived: memory.data_width / 8, bytes per memory beat");
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
  s << "\n}  // namespace bfp::hw\n";
  return s.str();
}

// ---- manifest.json -------------------------------------------------------------------------------------

nlohmann::json config_json(const Config& c) {
  return {
      {"name", c.name},
      {"array", {{"rows", c.rows}, {"cols", c.cols}}},
      {"block_size", c.block},
      {"accumulator", {{"width", c.acc_width}, {"guard_bits", c.guard_bits}}},
      {"pipeline", {{"operand_regs", c.operand_regs}, {"requant_lanes", c.lanes()}}},
      {"buffers", {{"act_depth", c.act_depth}, {"wgt_depth", c.wgt_depth}, {"acc_cols", c.acc_cols}}},
      {"memory", {{"data_width", c.mem_width}, {"addr_width", c.addr_width}}},
      {"sparsity", c.sparsity_name()},
  };
}

std::string render_manifest(const Config& c, std::vector<GeneratedFile> files) {
  std::sort(files.begin(), files.end(),
            [](const GeneratedFile& a, const GeneratedFile& b) { return a.path < b.path; });
  nlohmann::json list = nlohmann::json::array();
  for (const GeneratedFile& f : files)
    list.push_back({{"path", f.path}, {"sha256", f.sha256}, {"bytes", f.content.size()}});
  nlohmann::json m = {
      {"generator", {{"name", "bfpgen"}, {"version", generator_version()}}},
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

/// Creates a new, empty directory `parent/.<base>.<tag>-<random>` and returns it.
fs::path make_unique_dir(const fs::path& parent, const std::string& base, const char* tag) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    fs::path p = parent / ("." + base.substr(0, 100) + "." + tag + "-" + random_suffix());
    std::error_code ec;
    if (fs::create_directory(p, ec)) return p;
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
  const fs::path old = make_unique_dir(to.parent_path(), to.filename().string(), "bfpgen-old");
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
  std::vector<EmbeddedFile> leaves = embedded_rtl();
  std::sort(leaves.begin(), leaves.end(),
            [](const EmbeddedFile& a, const EmbeddedFile& b) { return std::strcmp(a.name, b.name) < 0; });
  for (const EmbeddedFile& leaf : leaves) {
    const std::string name = leaf.name;
    if (name == kTopFile || name == kPackageFile)
      throw std::runtime_error("rtl/" + name + " clashes with the generated top level; rename it");
    std::string text(leaf.text());
    if (!text.empty() && text.back() != '\n') text += '\n';
    files.push_back(make_file(
        name, banner(cfg, "rtl/" + name + ", hand-written leaf module copied verbatim (edit the source, then "
                                          "regenerate).") +
                  // tool messages then name the rtl/ source line, not the line of this copy
                  "\n`line 1 \"rtl/" + name + "\" 0\n" + text));
  }

  std::string filelist;
  for (const GeneratedFile& f : files) filelist += f.path + "\n";
  filelist += std::string(kTopFile) + "\n";

  files.push_back(make_file(kTopFile, render_top(cfg)));
  files.push_back(make_file(kFilelist, filelist));
  files.push_back(make_file(kHeader, render_header(cfg)));
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

  const fs::path tmp = make_unique_dir(parent, out.filename().string(), "bfpgen-tmp");
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
