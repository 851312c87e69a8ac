// SPDX-License-Identifier: Apache-2.0
#include "host/seq_model.h"

#include <algorithm>

#include "host/nz_bits.h"

namespace bfp::host {

int wgt_skip_groups(const Config& cfg) {
  if (cfg.sparsity != Sparsity::Both) return 1;
  return cfg.cols % 4 == 0 ? 4 : cfg.cols % 2 == 0 ? 2 : 1;
}

uint64_t runahead_cycles(const std::vector<std::vector<uint64_t>>& work, int depth) {
  if (work.empty()) return 0;
  std::vector<uint64_t> fin(work[0].size(), 0);  // when each sequencer finished its last COMPUTE
  std::vector<uint64_t> done;                     // done[c]: when every sequencer finished COMPUTE c
  done.reserve(work.size());
  for (size_t c = 0; c < work.size(); ++c) {
    const uint64_t gate = c >= size_t(depth) + 1 ? done[c - size_t(depth) - 1] : 0;
    uint64_t last = 0;
    for (size_t s = 0; s < fin.size(); ++s) {
      fin[s] = std::max(fin[s], gate) + work[c][s];
      last = std::max(last, fin[s]);
    }
    done.push_back(last);
  }
  return done.back();
}

uint64_t paired_cycles(const std::vector<std::vector<uint64_t>>& work, const std::vector<bool>& joins) {
  uint64_t total = 0;
  for (size_t c = 0; c < work.size();) {
    uint64_t worst = 0;
    const bool pair = c + 1 < work.size() && c + 1 < joins.size() && joins[c + 1];
    for (size_t s = 0; s < work[c].size(); ++s) worst = std::max(worst, work[c][s] + (pair ? work[c + 1][s] : 0));
    total += worst;
    c += pair ? 2 : 1;
  }
  return total;
}

SeqModel model_sequencers(const Config& cfg, const GemmLayout& l, const std::vector<Command>& cmds,
                          const golden::BfpMatrix& qa, const golden::BfpMatrix& qw) {
  const int B = cfg.block, R = cfg.rows, G = wgt_skip_groups(cfg), GC = cfg.cols / G;
  SeqModel sm;
  std::vector<std::vector<uint64_t>> work;  // per COMPUTE, per sequencer (row-major: r * G + g)
  std::vector<bool> joins;  // per COMPUTE: it could continue the one before in the same walk (paired_cycles)
  int prev_act = -1, prev_wgt = -1;  // the activation and weight half of the last COMPUTE (-1: none, or reloaded)
  struct Half {
    int m0 = 0, rows = 0, kb0 = 0, count = 0;
    bool sparse = false;
  } half[2];
  int n0 = 0, nrows = 0, wkb0 = 0;
  // wnz[h][g] bit k: element k (within the chunk loaded into weight half h, the wgt_buf field; 0 without halves)
  // has a non-zero loaded weight in column group g
  std::vector<std::vector<NzBits>> wnzh(2, std::vector<NzBits>(static_cast<size_t>(G)));
  for (const Command& c : cmds) {
    if (c.op == Opcode::LoadAct) {
      if (prev_act == ((c.flags & kFlagActBuf) ? 1 : 0)) prev_act = -1;  // that half no longer holds the same tile
      Half& h = half[(c.flags & kFlagActBuf) ? 1 : 0];
      h.sparse = (c.flags & kFlagSparse) && cfg.sparse();
      h.rows = c.rows;
      if (h.sparse) {
        h.m0 = c.packed ? int((c.code_addr - l.a_codes) / l.a_tile_pitch) * cfg.rows
                        : int((c.code_addr - l.a_codes) / l.a_stream_stride);
        h.kb0 = 0;
      } else {
        h.m0 = int((c.code_addr - l.a_codes) / l.a_code_stride);
        h.kb0 = int((c.code_addr - l.a_codes) % l.a_code_stride) / B;
      }
      h.count = c.count;
    } else if (c.op == Opcode::LoadWgt) {
      // a compressed LOAD_WGT (row streams, one K chunk) loads columns col_offset.. and clears the half's masks
      // only at col_offset 0 (rtl/bfp_core.sv: the others add to them)
      const bool streams = (c.flags & kFlagSparse) && l.sparse_w;
      int col0 = 0;
      if (streams) {
        n0 = int((c.code_addr - l.w_streams) / l.w_stream_stride);
        wkb0 = 0;
        col0 = c.col_offset;
      } else {
        n0 = int((c.code_addr - l.w_codes) / l.a_code_stride);
        wkb0 = int((c.code_addr - l.w_codes) % l.a_code_stride) / B;
      }
      nrows = c.rows;
      auto& wnz = wnzh[c.wgt_buf ? 1 : 0];
      if (col0 == 0)
        for (auto& m : wnz) m = zero_bits(c.count * B);
      for (int j = 0; j < nrows; ++j)
        or_into(wnz[size_t((col0 + j) / GC)], nonzero_bits(qw, n0 + j, wkb0 * B, c.count * B));
    } else if (c.op == Opcode::Compute) {
      const Half& h = half[(c.flags & kFlagActBuf) ? 1 : 0];
      const auto& wnz = wnzh[c.wgt_buf ? 1 : 0];
      ++sm.computes;
      const int act_half = (c.flags & kFlagActBuf) ? 1 : 0, wgt_half = c.wgt_buf ? 1 : 0;
      joins.push_back(prev_act == act_half && prev_wgt >= 0 && prev_wgt != wgt_half);
      prev_act = act_half;
      prev_wgt = wgt_half;
      // The walk covers the A half's chunk, h.count blocks. Every element counts as non-zero in an A half loaded
      // dense, and in the weights unless they are skipped too (`sparsity: both`); weights past the loaded chunk
      // count as zero (and_count stops at the shorter mask).
      const int len = h.count * B;
      const NzBits every = all_bits(len);
      uint64_t worst = 0, sum = 0;
      std::vector<uint64_t>& w = work.emplace_back();
      for (int r = 0; r < R; ++r) {
        const bool walks = cfg.sparse() && r < h.rows;  // a row beyond the tile's has nothing to walk
        const NzBits arow = !walks ? NzBits{} : h.sparse ? nonzero_bits(qa, h.m0 + r, h.kb0 * B, len) : every;
        for (int g = 0; g < G; ++g) {
          const NzBits& wm = cfg.sparsity == Sparsity::Both ? wnz[size_t(g)] : every;
          uint64_t cyc = 0;
          if (!cfg.sparse())
            cyc = uint64_t(c.count) * B;
          else if (walks)  // one cycle per matched element; the lookahead skips a block whose AND is empty at no cost
            cyc = uint64_t(and_count(arow, wm));
          w.push_back(cyc);
          worst = std::max(worst, cyc);
          sum += cyc;
        }
      }
      sm.slowest += worst;
      sm.mean += double(sum) / double(R * G);
    }
  }
  for (int d = 0; d < 2; ++d) sm.runahead[d] = runahead_cycles(work, d + 1);
  sm.paired = paired_cycles(work, joins);
  std::vector<uint64_t> total(work.empty() ? 0 : work[0].size(), 0);
  for (const auto& w : work)
    for (size_t s = 0; s < w.size(); ++s) total[s] += w[s];
  for (uint64_t t : total) sm.busiest = std::max(sm.busiest, t);
  return sm;
}

}  // namespace bfp::host
