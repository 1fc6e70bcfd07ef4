#include "runtime/stop_signals.h"

#include <pthread.h>

#include <csignal>

namespace fastgpu {
namespace {

sigset_t control_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void block_control_signals() {
  const sigset_t set = control_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

int wait_for_control_signal() {
  const sigset_t set = control_set();
  int signal = 0;
  sigwait(&set, &signal);
  return signal;
}

}  // namespace fastgpu
