// SPDX-License-Identifier: Apache-2.0
#include "sim/driver.h"

#include "sim/func_cov.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <vector>

namespace bfp::sim {

CycleStats& CycleStats::operator+=(const CycleStats& o) {
  total += o.total;
  compute += o.compute;
  store += o.store;
  load_act += o.load_act;
  load_wgt += o.load_wgt;
  dispatch += o.dispatch;
  idle += o.idle;
  load_busy += o.load_busy;
  compute_busy += o.compute_busy;
  store_busy += o.store_busy;
  compute_stream += o.compute_stream;
  commands += o.commands;
  for (size_t i = 0; i < by_opcode.size(); ++i) by_opcode[i] += o.by_opcode[i];
  cmd_held += o.cmd_held;
  cmd_gap += o.cmd_gap;
  rd_req_held += o.rd_req_held;
  rd_rsp_held += o.rd_rsp_held;
  wr_held += o.wr_held;
  return *this;
}

Driver::Driver(std::shared_ptr<Model> model, const MemConfig& mem, const DriverOptions& opt)
    : model_(std::move(model)), mem_(mem), opt_(opt), rng_(opt.seed ^ 0x9e3779b97f4a7c15ull),
      stall_(std::clamp(opt.cmd_stall, 0.0, 0.99)) {
  if (!opt_.trace && std::getenv("BFP_TRACE")) opt_.trace = &std::cerr;
  if (mem.beat_bytes != model_->config().beat_bytes())
    throw std::invalid_argument("driver: memory beat does not match the config's memory.data_width");
  reset();
}

void Driver::reset() {
  model_->reset();
  cmd_valid_ = false;
  loads_.clear();
  load_op_ = 0;
}

void Driver::issue(const Command& c, bool check) {
  Command cmd = c;
  cmd.flags |= extra_flags_;
  if (check) check_command(cmd, config());
  queue_.push_back(cmd);
}

// op_o is the opcode of the most downstream busy engine, 0 when all are idle (rtl/bfp_core.sv, docs/architecture.md):
// COMPUTE while the compute engine is busy, else STORE while the store engine is, else the opcode of the load the
// load engine runs. That load is one the driver sent: in the first cycle the load engine is busy alone, op_o must
// name one of the loads accepted and not yet matched (older ones are passed over: illegal commands a test sent, or
// loads that ran entirely under a COMPUTE or STORE), and it must not change until the load ends, except to the next
// load of another opcode where one load runs into the next (below). Found by
// mutation testing (docs/mutation.md): no result depends on op_o, so a wrong encoding was invisible.
void Driver::check_op(const bfp_model_outputs& out, bool load_started) {
  const bool load_b = out.engines_busy & 1u, comp_b = out.engines_busy & 2u, store_b = out.engines_busy & 4u;
  if (!load_b || load_started) load_op_ = 0;  // 0: the running load's opcode not seen yet
  uint32_t expect = 0;
  if (comp_b) {
    expect = static_cast<uint32_t>(Opcode::Compute);
  } else if (store_b) {
    expect = static_cast<uint32_t>(Opcode::Store);
  } else if (load_b) {
    if (load_op_ != 0 && out.op != load_op_) {
      // The load engine can stay busy from one load into the next: a LOAD_WGT SPARSE's lanes still write while the
      // next sparse load runs (docs/architecture.md "Compressed weight loads"), and op_o then names the newer one.
      // It must be the next load sent that is not of the running load's opcode (those ran back to back unseen).
      auto it = std::find_if(loads_.begin(), loads_.end(),
                             [&](Opcode o) { return static_cast<uint32_t>(o) != load_op_; });
      if (it != loads_.end() && static_cast<uint32_t>(*it) == out.op) {
        load_op_ = out.op;
        loads_.erase(loads_.begin(), it + 1);
      }
    }
    if (load_op_ == 0) {
      auto it = std::find_if(loads_.begin(), loads_.end(), [&](Opcode o) { return static_cast<uint32_t>(o) == out.op; });
      if (it == loads_.end()) {
        std::ostringstream os;
        os << "driver: at cycle " << stats_.total << " the load engine runs with op_o=" << out.op
           << ", which is not the opcode of a load command sent (" << loads_.size() << " not yet seen)";
        throw std::runtime_error(os.str());
      }
      load_op_ = out.op;
      loads_.erase(loads_.begin(), it + 1);
    }
    expect = load_op_;
  }
  if (out.op != expect) {
    std::ostringstream os;
    os << "driver: at cycle " << stats_.total << " op_o=" << out.op << " but engines_busy_o (store,compute,load)="
       << store_b << comp_b << load_b << " means op_o=" << expect << " ("
       << opcode_name(static_cast<Opcode>(expect)) << ")";
    throw std::runtime_error(os.str());
  }
}

void Driver::run() {
  const int block = config().block;
  uint64_t since_progress = 0;
  uint64_t cycles = 0;
  uint32_t last_engines = 0, last_op_trace = 0;
  bool was_busy = true;  // a command may still be running from before
  const bool count_bins = funccov::enabled();  // functional coverage (docs/coverage.md)
  std::vector<std::string> bins;
  const CycleStats at_start = stats_;
  for (;;) {
    bfp_model_inputs in{};
    in.rst_n = 1;
    if (!cmd_valid_ && !queue_.empty() && !(opt_.cmd_stall > 0.0 && stall_(rng_))) cmd_valid_ = true;
    if (cmd_valid_) {
      in.cmd_tvalid = 1;
      const auto w = queue_.front().encode();
      std::memcpy(in.cmd_tdata, w.data(), sizeof(in.cmd_tdata));
    }
    mem_.drive(in);
    const bfp_model_outputs& out = model_->cycle(in);
    const bool accepted = cmd_valid_ && out.cmd_tready;
    // Finished: nothing left to send and the last command has completed. This observing cycle is the
    // first one the host could have used for a new command; it is not counted.
    if (queue_.empty() && !cmd_valid_ && !out.busy) {
      mem_.commit(in, out);
      if (mem_.outstanding())
        throw SimTimeout("driver: all commands done but " + std::to_string(mem_.outstanding()) +
                         " read responses were never consumed");
      if (count_bins) {
        const funccov::Handshakes h{stats_.cmd_held - at_start.cmd_held, stats_.cmd_gap - at_start.cmd_gap,
                                    stats_.rd_req_held - at_start.rd_req_held,
                                    stats_.rd_rsp_held - at_start.rd_rsp_held, stats_.wr_held - at_start.wr_held};
        for (auto& b : funccov::handshake_bins(h)) bins.push_back(std::move(b));
        funccov::record(config(), bins);
      }
      return;
    }
    ++stats_.total;
    ++cycles;
    stats_.cmd_held += cmd_valid_ && !out.cmd_tready;
    stats_.cmd_gap += !cmd_valid_ && !queue_.empty();
    stats_.rd_req_held += out.rd_req_tvalid && !in.rd_req_tready;
    stats_.rd_rsp_held += in.rd_rsp_tvalid && !out.rd_rsp_tready;
    stats_.wr_held += out.wr_tvalid && !in.wr_tready;
    const bool load_b = out.engines_busy & 1u, comp_b = out.engines_busy & 2u, store_b = out.engines_busy & 4u;
    check_op(out, load_b && !(last_engines & 1u));
    stats_.load_busy += load_b;
    stats_.compute_busy += comp_b;
    stats_.store_busy += store_b;
    if (comp_b)
      ++stats_.compute;
    else if (store_b)
      ++stats_.store;
    else if (load_b)
      ++(out.op == static_cast<uint32_t>(Opcode::LoadWgt) ? stats_.load_wgt : stats_.load_act);
    else if (out.busy)
      ++stats_.dispatch;
    else
      ++stats_.idle;
    const bool mem_fire = (in.rd_req_tready && out.rd_req_tvalid) || (in.rd_rsp_tvalid && out.rd_rsp_tready) ||
                          (in.wr_tready && out.wr_tvalid);
    ++cycle_;
    if (opt_.trace && (accepted || mem_fire || out.engines_busy != last_engines || out.op != last_op_trace)) {
      std::ostream& t = *opt_.trace;
      t << "cycle " << cycle_ << " op=" << out.op << " busy=" << out.busy << " engines(s,c,l)="
        << ((out.engines_busy >> 2) & 1) << ((out.engines_busy >> 1) & 1) << (out.engines_busy & 1);
      if (accepted) t << " CMD " << queue_.front().str();
      if (in.rd_req_tready && out.rd_req_tvalid) t << " RDREQ 0x" << std::hex << out.rd_req_addr << std::dec;
      if (in.rd_rsp_tvalid && out.rd_rsp_tready) t << " RDRSP";
      if (in.wr_tready && out.wr_tvalid)
        t << " WR 0x" << std::hex << out.wr_addr << " strb=" << out.wr_tstrb[1] << "_" << out.wr_tstrb[0] << std::dec;
      t << "\n";
    }
    last_op_trace = out.op;
    mem_.commit(in, out);
    if (accepted) {
      const Command& c = queue_.front();
      if (c.op == Opcode::LoadAct || c.op == Opcode::LoadWgt || c.op == Opcode::LoadBias) loads_.push_back(c.op);
      if (count_bins)
        for (auto& b : funccov::command_bins(c)) bins.push_back(std::move(b));
      if (c.op == Opcode::Compute) stats_.compute_stream += static_cast<uint64_t>(c.count) * block;
      ++stats_.commands;
      ++stats_.by_opcode[static_cast<uint8_t>(c.op) & 15];
      queue_.pop_front();
      cmd_valid_ = false;
    }
    const bool progress = accepted || mem_fire || out.engines_busy != last_engines || (out.busy != 0) != was_busy;
    last_engines = out.engines_busy;
    was_busy = out.busy != 0;
    since_progress = progress ? 0 : since_progress + 1;
    if (since_progress > opt_.max_idle || (opt_.max_cycles && cycles > opt_.max_cycles)) {
      std::ostringstream os;
      os << "driver: " << (since_progress > opt_.max_idle ? "no progress for " + std::to_string(opt_.max_idle) +
                                                                " cycles"
                                                          : "cycle budget of " + std::to_string(opt_.max_cycles) +
                                                                " exceeded")
         << " at cycle " << stats_.total << ": op_o=" << out.op << " ("
         << opcode_name(static_cast<Opcode>(out.op <= static_cast<uint32_t>(Opcode::LoadBias) ? out.op : 0)) << ") busy_o=" << out.busy
         << ", commands accepted " << stats_.commands << ", still queued " << queue_.size()
         << (queue_.empty() ? "" : " (next: " + queue_.front().str() + ")")
         << ", outstanding read responses " << mem_.outstanding();
      throw SimTimeout(os.str());
    }
  }
}

}  // namespace bfp::sim
