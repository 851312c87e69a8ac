// SPDX-License-Identifier: Apache-2.0
#include "host/tiling.h"

#include <algorithm>

namespace bfp::host {

// Every schedule is a list of units (one COMPUTE each, plus the loads it needs and the DRAIN/STORE
// that follow it). Activation loads alternate between the two halves and are issued right after the
// previous unit's COMPUTE, so they overlap it (the hardware's hazard checks keep this safe); weight
// loads come right before their COMPUTE, or, when K fits half the weight buffer, alternate between its
// halves and are issued early so that they overlap the COMPUTEs of the previous weight tile (below). With
// a bias (l.bias) every STORE adds it (flag BIAS); a LOAD_BIAS of the STORE's output columns comes right
// before the STORE whenever they differ from the columns loaded last, so a GEMM whose windows repeat
// (N <= AccCols, or one N tile) loads it once.
std::vector<Command> gemm_commands(const Config& cfg, const GemmLayout& l, int m, int n, bool relu,
                                   Schedule schedule, int prune, bool group_boundaries) {
  const int R = cfg.rows, C = cfg.cols, B = cfg.block;
  schedule = resolve_schedule(cfg, l, n, schedule);
  const bool group = group_boundaries && cfg.sparse();  // acc_next needs the second accumulator buffer
  struct Unit {
    int m0, n0, kc;
    bool load_a, load_w, clear, drain;
    int drain_offset;
    bool store;
    int store_col;  // first output column in the accumulator buffer
    int store_valid;
    bool acc_next = false;  // DRAIN into the other accumulator buffer (a grouped pair boundary, below)
  };
  std::vector<Unit> units;
  if (schedule == Schedule::Output) {
    for (int m0 = 0; m0 < m; m0 += R) {
      int buf_base = 0;  // output column held by accumulator-buffer column 0
      for (int n0 = 0; n0 < n; n0 += C) {
        for (int kc = 0; kc < l.chunks; ++kc) {
          Unit u{m0, n0, kc, l.chunks > 1 || (n0 == 0 && kc == 0), true, kc == 0, kc == l.chunks - 1,
                 n0 - buf_base, false, buf_base, 0};
          if (u.drain && (n0 + C - buf_base == cfg.acc_cols || n0 + C >= n)) {
            u.store = true;
            u.store_valid = std::min(n - buf_base, cfg.acc_cols);
            buf_base += cfg.acc_cols;
          }
          units.push_back(u);
        }
      }
    }
  } else if (schedule == Schedule::Pair) {
    // per pair of N tiles, per M tile: COMPUTE n0 (weight half 0, DRAIN at accumulator column 0), COMPUTE
    // n0 + C on the same activations (half 1, DRAIN at column C), one STORE of both tiles' columns.
    // Grouped boundary (docs/architecture.md "Row balancing", "Grouped boundaries"): next to a weight-tile
    // boundary, two M tiles run their half-0 COMPUTEs before their half-1 ones, the second tile's first DRAIN
    // going into the other accumulator buffer (acc_next). The old pair's half 0 is then free two COMPUTEs before
    // the pair ends, and the new pair needs its half 1 only after two COMPUTEs: each weight load overlaps two
    // COMPUTEs instead of one.
    const int tiles = (m + R - 1) / R;
    for (int n0 = 0; n0 < n; n0 += 2 * C) {
      const int valid = std::min(2 * C, n - n0);
      const bool two = valid > C;
      const bool head = group && two && n0 > 0 && tiles >= 2;  // a boundary before this pair
      const bool tail = group && two && n0 + 2 * C < n && tiles >= (head ? 4 : 2);
      for (int t = 0; t < tiles; ++t) {
        const int m0 = t * R;
        const bool grouped = (head && t < 2) || (tail && t >= tiles - 2);
        if (!two) {
          units.push_back(Unit{m0, n0, 0, true, m0 == 0, true, true, 0, true, n0, valid});
        } else if (!grouped) {
          units.push_back(Unit{m0, n0, 0, true, m0 == 0, true, true, 0, false, n0, C});
          units.push_back(Unit{m0, n0 + C, 0, false, m0 == 0, true, true, C, true, n0, valid});
        } else if (t == 0 || t == tiles - 2) {  // the group's first tile: both half-0 COMPUTEs, then both half-1
          const int m1 = m0 + R;
          units.push_back(Unit{m0, n0, 0, true, m0 == 0, true, true, 0, false, n0, C});
          Unit second{m1, n0, 0, true, false, true, true, 0, false, n0, C};
          second.acc_next = true;
          units.push_back(second);
          units.push_back(Unit{m0, n0 + C, 0, false, m0 == 0, true, true, C, true, n0, valid});
          units.push_back(Unit{m1, n0 + C, 0, false, false, true, true, C, true, n0, valid});
          ++t;
        }
      }
    }
  } else {
    for (int n0 = 0; n0 < n; n0 += C)
      for (int m0 = 0; m0 < m; m0 += R)
        units.push_back(Unit{m0, n0, 0, true, m0 == 0, true, true, 0, true, n0, std::min(C, n - n0)});
  }

  std::vector<Command> cmds;
  auto chunk_count = [&](int kc) { return std::min(l.chunk_blocks, l.kb - kc * l.chunk_blocks); };
  auto load = [&](Opcode op, uint32_t codes, uint32_t exps, int row0, int rows, int kc, int half) {
    Command c;
    c.op = op;
    if (op == Opcode::LoadWgt)
      c.wgt_buf = static_cast<uint8_t>(half);
    else
      c.flags = half ? kFlagActBuf : 0;
    c.rows = static_cast<uint16_t>(rows);
    c.code_addr = codes + row0 * l.a_code_stride + static_cast<uint32_t>(kc * l.chunk_blocks * B);
    c.exp_addr = exps + row0 * l.a_exp_stride + static_cast<uint32_t>(kc * l.exp_chunk_pitch);
    c.code_stride = l.a_code_stride;
    c.exp_stride = l.a_exp_stride;
    c.count = static_cast<uint16_t>(chunk_count(kc));
    cmds.push_back(c);
  };
  int bias_col = -1, bias_valid = 0;  // output columns in the bias buffer (-1: none yet)
  // A unit's STORE (with its LOAD_BIAS) is held back and issued after the next unit's COMPUTE and the loads behind
  // it: the STORE waits for its DRAIN's copy (PipeDepth - 1 cycles after the walkers are done, docs/architecture.md
  // "COMPUTE timing"), and in program order it would hold that COMPUTE back (before the loads, it would hold them
  // behind a busy store engine). The hazard rules keep it safe: the next DRAIN writes the other accumulator buffer
  // (sparse configs) or waits for the STORE (`none`).
  std::vector<Command> held;
  auto load_bias = [&](int col, int valid) {
    if (col == bias_col && valid == bias_valid) return;
    bias_col = col;
    bias_valid = valid;
    Command c;  // one row; the bias buffer takes any byte offset
    c.op = Opcode::LoadBias;
    c.rows = 1;
    c.code_addr = l.bias_codes + static_cast<uint32_t>(col);
    c.exp_addr = l.bias_exps + static_cast<uint32_t>(col / B);
    c.count = static_cast<uint16_t>((valid + B - 1) / B);
    held.push_back(c);
  };
  // Activation halves alternate over the units that load; a unit without a load reads the half its M tile was
  // loaded into (in Pair, not always the unit before it: a grouped boundary interleaves two M tiles).
  std::vector<int> half(units.size(), 0);
  std::vector<std::vector<size_t>> act_loads_after(units.size());  // Pair: units whose loads follow COMPUTE i
  {
    int next = 0;
    std::vector<int> tile_half(size_t((m + R - 1) / R), 0);
    long last_read[2] = {-1, -1};  // the last unit reading each half so far
    for (size_t j = 0; j < units.size(); ++j) {
      const size_t t = size_t(units[j].m0 / R);
      if (units[j].load_a) {
        tile_half[t] = next;
        next ^= 1;
        // Pair: issue the load after the COMPUTE following the half's last reader (it can start once that reader is
        // done), but before the unit's own COMPUTE
        if (schedule == Schedule::Pair && j > 0) {
          const long p = std::min(last_read[tile_half[t]] + 1, long(j) - 1);
          act_loads_after[size_t(std::max(p, 0L))].push_back(j);
        }
      }
      half[j] = tile_half[t];
      last_read[half[j]] = long(j);
    }
  }
  auto load_a = [&](size_t i) {
    const Unit& u = units[i];
    if (!l.sparse_a) {
      load(Opcode::LoadAct, l.a_codes, l.a_exps, u.m0, std::min(R, m - u.m0), u.kc, half[i]);
      return;
    }
    Command c;  // row streams: the whole row (one K chunk), exponents inside the stream
    c.op = Opcode::LoadAct;
    c.flags = static_cast<uint8_t>(kFlagSparse | (half[i] ? kFlagActBuf : 0));
    c.rows = static_cast<uint16_t>(std::min(R, m - u.m0));
    c.code_addr = l.a_codes + static_cast<uint32_t>(u.m0) * l.a_stream_stride;
    c.code_stride = l.a_stream_stride;
    c.count = static_cast<uint16_t>(l.kb);
    if (l.packed_a) {  // one packed tile: M tile u.m0 / R (docs/sparse-format.md "Packed tiles")
      c.packed = 1;
      c.code_addr = l.a_codes + static_cast<uint32_t>(u.m0 / R) * l.a_tile_pitch;
      c.code_stride = 0;
    }
    cmds.push_back(c);
  };
  // Weight halves (docs/architecture.md "Weight buffer halves"): when K fits half the weight buffer, the
  // weight tiles (a unit with load_w and the units after it that reuse its weights) alternate between the
  // halves, and the LOAD_WGT of tile t+1 is issued right after the COMPUTE of unit j - kWgtLead (j: the first
  // unit of tile t+1) and that unit's activation prefetch, but never before the last COMPUTE of tile t-1
  // (which reads the same half). It then overlaps the COMPUTEs of tile t; the hardware keeps it from writing
  // the half a running COMPUTE reads. Too early would queue it on the single load engine ahead of the
  // activation loads the next COMPUTEs need. Otherwise every LOAD_WGT comes right before its COMPUTE.
  constexpr int kWgtLead = 2;
  const bool wsplit = wgt_buf_halves(cfg) && l.chunks == 1 && l.kb * B <= cfg.wgt_depth / 2;
  std::vector<int> whalf(units.size(), 0);
  std::vector<std::vector<size_t>> wgt_after(units.size() + 1);  // LOAD_WGTs issued after unit i - 1
  {
    int tile = -1;
    long last_use[2] = {-1, -1};  // the last unit reading each half so far
    for (size_t j = 0; j < units.size(); ++j) {
      if (units[j].load_w) ++tile;
      // Pair interleaves its two tiles' units: the half is the tile's parity within the pair
      whalf[j] = !wsplit ? 0 : schedule == Schedule::Pair ? (units[j].n0 / C) & 1 : (tile & 1);
      if (wsplit && units[j].load_w && tile > 0) {
        const long p = std::max<long>(long(j) - kWgtLead, last_use[whalf[j]]);
        wgt_after[size_t(p + 1)].push_back(j);
      }
      last_use[whalf[j]] = long(j);
    }
  }
  auto load_w = [&](size_t j) {
    const int cols = std::min(C, n - units[j].n0);
    if (!l.sparse_w) {
      load(Opcode::LoadWgt, l.w_codes, l.w_exps, units[j].n0, cols, units[j].kc, whalf[j]);
      return;
    }
    // compressed: the N tile's columns as row streams, at most R per command (the loader's rows), the first
    // command at col_offset 0 (it clears the half's weight masks; the others add to them)
    for (int c0 = 0; c0 < cols; c0 += R) {
      Command c;
      c.op = Opcode::LoadWgt;
      c.flags = kFlagSparse;
      c.wgt_buf = static_cast<uint8_t>(whalf[j]);
      c.rows = static_cast<uint16_t>(std::min(R, cols - c0));
      c.col_offset = static_cast<uint16_t>(c0);
      c.code_addr = l.w_streams + static_cast<uint32_t>(units[j].n0 + c0) * l.w_stream_stride;
      c.code_stride = l.w_stream_stride;
      c.count = static_cast<uint16_t>(chunk_count(units[j].kc));
      cmds.push_back(c);
    }
  };
  load_a(0);
  for (size_t i = 0; i < units.size(); ++i) {
    const Unit& u = units[i];
    if (u.load_w && (!wsplit || i == 0)) load_w(i);
    if (i == 0)
      for (size_t j : wgt_after[0]) load_w(j);
    Command c;
    c.op = Opcode::Compute;
    c.flags = static_cast<uint8_t>((u.clear ? kFlagClear : 0) | (half[i] ? kFlagActBuf : 0));
    c.count = static_cast<uint16_t>(chunk_count(u.kc));
    c.wgt_buf = static_cast<uint8_t>(whalf[i]);
    cmds.push_back(c);
    // prefetch into the other half: Pair by the last-reader rule above (in the plain pair order the next M tile's
    // load goes right after the tile's first COMPUTE, its half's last reader having finished issuing by then)
    if (schedule == Schedule::Pair) {
      for (size_t j : act_loads_after[i]) load_a(j);
    } else if (i + 1 < units.size() && units[i + 1].load_a) {
      load_a(i + 1);
    }
    for (size_t j : wgt_after[i + 1]) load_w(j);                       // the next weight tile, other half
    cmds.insert(cmds.end(), held.begin(), held.end());
    held.clear();
    if (u.drain) {
      Command d;
      d.op = Opcode::Drain;
      d.col_offset = static_cast<uint16_t>(u.drain_offset);
      d.acc_next = u.acc_next ? 1 : 0;
      cmds.push_back(d);
    }
    if (u.store) {
      if (l.bias) load_bias(u.store_col, u.store_valid);
      Command s;
      s.op = Opcode::Store;
      s.flags = static_cast<uint8_t>((relu ? kFlagRelu : 0) | (l.bias ? kFlagBias : 0));
      s.rows = static_cast<uint16_t>(std::min(R, m - u.m0));
      s.code_addr = l.c_codes + u.m0 * l.c_code_stride + static_cast<uint32_t>(u.store_col);
      s.exp_addr = l.c_exps + u.m0 * l.c_exp_stride + static_cast<uint32_t>(u.store_col / B);
      s.code_stride = l.c_code_stride;
      s.exp_stride = l.c_exp_stride;
      s.count = static_cast<uint16_t>((u.store_valid + B - 1) / B);
      s.valid_cols = static_cast<uint16_t>(u.store_valid);
      s.prune = static_cast<uint8_t>(prune);
      if (l.sparse_c) {  // append to the rows' streams; FIRST on a row's first window, LAST on its last
        s.flags |= kFlagSparse;
        if (u.store_col == 0) s.flags |= kFlagFirst;
        if (u.store_col + u.store_valid >= n) s.flags |= kFlagLast;
        s.code_addr = l.c_codes + static_cast<uint32_t>(u.m0) * l.c_stream_stride;
        s.code_stride = l.c_stream_stride;
        s.exp_addr = 0;
        s.exp_stride = 0;
        s.row_blocks = static_cast<uint16_t>((n + B - 1) / B);
      }
      held.push_back(s);
    }
  }
  cmds.insert(cmds.end(), held.begin(), held.end());
  return cmds;
}

}  // namespace bfp::host
