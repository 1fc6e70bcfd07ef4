#pragma once
// Runs vgpu_probe (the mock-driver test program) as a real child process, with
// libfastgpu-vgpu preloaded and an isolated mock device, and reads its key=value output.
// Shared by the shim tests and the enforcement benchmark.
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace fastgpu::vgpu::testing {

// Paths of the built artefacts, and the names that isolate one test's shared memory.
struct ProbeSetup {
  std::string shim_library;
  std::string mock_driver;
  std::string probe;
  std::string mock_device;  // unique per test: the fake GPU's shared-memory name
  int mock_switch_us = 0;   // the fake GPU's context-switch cost (FASTGPU_MOCK_SWITCH_US)
};

// One running probe. Its stdout is a pipe read by wait_output()/read_line().
class ProbeProcess {
 public:
  // Starts `probe args...` with the setup's environment plus `env` (NAME=VALUE) entries.
  ProbeProcess(const ProbeSetup& setup, const std::vector<std::string>& args,
               const std::vector<std::string>& env);
  ~ProbeProcess();
  ProbeProcess(const ProbeProcess&) = delete;
  ProbeProcess& operator=(const ProbeProcess&) = delete;

  // Reads one line of stdout (without the newline); empty at end of output.
  std::string read_line();
  // Reads stdout to its end and waits for the exit; returns the exit status (or -signal).
  int wait_output(std::string* output);
  // SIGKILLs the probe and reaps it.
  void kill_hard();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffered_;
};

// key=value pairs of a probe's output (later keys win).
std::map<std::string, std::string> parse_values(const std::string& output);

// An integer value of `values`, or -1 when absent.
int64_t value_of(const std::map<std::string, std::string>& values, const std::string& key);

// CLOCK_MONOTONIC now, for the windows of the load probes.
int64_t now_ns();

// Starts one `load` probe per request, all saturating the device over the same window.
struct LoadRequest {
  std::string vgpu_id;
  int share_milli;  // 1000 = unthrottled
  bool burst = false;
  std::string launcher = "kernel";
};
// What one load probe got over the window, both in percent of the window.
struct LoadShare {
  double busy = 0;      // device time its kernels ran
  double cpu_wait = 0;  // time its launching thread was runnable but waited for a CPU
};
std::vector<LoadShare> run_loads(const ProbeSetup& setup, const std::vector<LoadRequest>& loads,
                                 int kernel_us, double warmup_s, double window_s);

// `count` probes started at once, each attaching to the same vGPU's ledger (cuInit then a
// memory query, which initialises the shim).
struct AttachReport {
  int succeeded = 0;
  int64_t slowest_init_ns = 0;  // longest main()-to-initialised time of one process
  int64_t all_ready_ns = 0;     // from the first spawn to the last process initialised
};
AttachReport attach_many(const ProbeSetup& setup, const std::string& vgpu_id, int count);

// Deletes the shared-memory names a test created (ledgers and the mock device).
void remove_shared_memory(const ProbeSetup& setup, const std::vector<std::string>& vgpu_ids);

}  // namespace fastgpu::vgpu::testing
