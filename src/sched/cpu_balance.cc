#include "sched/cpu_balance.h"

namespace fastgpu {
namespace {
__extension__ typedef __int128 Int128;  // GCC and Clang; exact products of 64-bit sums
}  // namespace

CpuBalance::CpuBalance(const TypicalWorkload& workload) {
  for (const TypicalWorkload::Entry& e : workload.entries()) {
    if (e.shape.num_gpu == 0) continue;
    cpu_sum_ += e.weight * e.shape.cpu_milli;
    gpu_sum_ += e.weight * e.shape.total_gpu_milli();
  }
}

int64_t CpuBalance::stranded_milli(const NodeState& state) const {
  if (cpu_sum_ == 0) return 0;  // GPU tasks need no CPU: nothing is ever stranded
  // idle − cpu × gpu_sum / cpu_sum, in 128-bit to stay exact for any trace.
  const Int128 excess = static_cast<Int128>(state.free_gpu_milli_total()) * cpu_sum_ -
                        static_cast<Int128>(state.free_cpu) * gpu_sum_;
  return excess > 0 ? static_cast<int64_t>(excess / cpu_sum_) : 0;
}

}  // namespace fastgpu
