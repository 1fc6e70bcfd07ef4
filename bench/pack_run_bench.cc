// Wall time of one full `sim pack` run: FGD on the openb cluster and default pod list, seed 42,
// inflate 130% (run_pack, set-up included). Five repetitions; the median is the figure to quote.

#include <benchmark/benchmark.h>

#include "bench/bench_support.h"
#include "sim/pack_experiment.h"

namespace fastgpu::bench {
namespace {

void BM_PackRunFgd(benchmark::State& state) {
  const OpenbTrace& trace = openb_trace();
  if (!trace.error.empty()) {
    state.SkipWithError(trace.error.c_str());
    return;
  }
  const PackOptions options{"fgd", 42, 130};
  PackRun run;
  for (auto _ : state) {
    if (Status s = run_pack(trace.nodes, trace.tasks, options, &run); !s.is_ok()) {
      state.SkipWithError(s.message().c_str());
      return;
    }
    benchmark::DoNotOptimize(run.tasks_placed);
  }
  state.counters["placed"] = static_cast<double>(run.tasks_placed);
  state.counters["final_alloc_pct"] = run.alloc_percent.empty() ? 0 : run.alloc_percent.back();
}
BENCHMARK(BM_PackRunFgd)
    ->Name("pack_run/fgd/seed:42/inflate:130")
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->Repetitions(5)
    ->UseRealTime();

}  // namespace
}  // namespace fastgpu::bench

BENCHMARK_MAIN();
