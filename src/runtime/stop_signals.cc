#include "runtime/stop_signals.h"

#include <pthread.h>

#include <csignal>

namespace fastgpu {
namespace {

sigset_t stop_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void block_stop_signals() {
  const sigset_t set = stop_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

int wait_for_stop_signal() {
  const sigset_t set = stop_set();
  int signal = 0;
  sigwait(&set, &signal);
  return signal;
}

}  // namespace fastgpu
