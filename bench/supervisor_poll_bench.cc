// The cost of one ProcessSupervisor::poll_exits() call while N task processes run and none
// ends: what fastgpud's scheduler loop pays on every tick (every 2 ms while tasks run), and
// the agent on every pass of its loop. Each held process is a `sleep` started by the launcher.
// Usage: supervisor_poll_bench [Google Benchmark flags]
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "runtime/process_supervisor.h"

namespace fastgpu {
namespace {

// `count` sleeping processes, held by one supervisor, killed when the benchmark ends.
class SleepingTasks {
 public:
  explicit SleepingTasks(int count) {
    LaunchSpec spec;
    spec.argv = {"/bin/sleep", "600"};
    for (int i = 0; i < count; ++i) {
      LaunchedProcess launched;
      if (supervisor.launch(spec, &launched).is_ok()) pids_.push_back(launched.identity.pid);
    }
  }
  ~SleepingTasks() {
    for (pid_t pid : pids_) (void)supervisor.terminate(pid, std::chrono::milliseconds(0));
    while (supervisor.size() > 0) supervisor.poll_exits();
  }
  size_t started() const { return pids_.size(); }

  ProcessSupervisor supervisor;

 private:
  std::vector<pid_t> pids_;
};

void BM_PollExitsWhileAllRun(benchmark::State& state) {
  SleepingTasks tasks(static_cast<int>(state.range(0)));
  if (tasks.started() != static_cast<size_t>(state.range(0))) {
    state.SkipWithError("could not start every process");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(tasks.supervisor.poll_exits());
  state.counters["held"] = static_cast<double>(tasks.started());
}
BENCHMARK(BM_PollExitsWhileAllRun)->Arg(10)->Arg(100)->Arg(1000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace fastgpu

BENCHMARK_MAIN();
