#pragma once
// A process-shared, robust pthread mutex living in shared memory: when a process dies holding
// it, the next locker is told so and repairs the data it guards before going on.
#include <pthread.h>

#include <cerrno>

namespace fastgpu::vgpu {

// Initialises `mutex` (in zeroed shared memory) as process-shared and robust.
void init_robust_mutex(pthread_mutex_t* mutex);

// Holds a robust mutex for a scope. When the previous owner died holding it, `repair()` runs
// under the lock before the guard is handed out, and the mutex is marked consistent again.
class RobustLock {
 public:
  template <typename Repair>
  RobustLock(pthread_mutex_t* mutex, Repair&& repair) : mutex_(mutex) {
    if (pthread_mutex_lock(mutex_) == EOWNERDEAD) {
      repair();
      pthread_mutex_consistent(mutex_);
    }
  }
  ~RobustLock() { pthread_mutex_unlock(mutex_); }
  RobustLock(const RobustLock&) = delete;
  RobustLock& operator=(const RobustLock&) = delete;

 private:
  pthread_mutex_t* mutex_;
};

}  // namespace fastgpu::vgpu
