#include "server/task_queue.h"

namespace fastgpu {

void TaskQueue::push(const TaskRecord& task) {
  if (queues_[task.spec.vgpu].emplace(-task.spec.priority, task.id).second) size_ += 1;
}

void TaskQueue::erase(const TaskRecord& task) {
  auto queue = queues_.find(task.spec.vgpu);
  if (queue != queues_.end() && queue->second.erase({-task.spec.priority, task.id}) > 0) {
    size_ -= 1;
  }
}

}  // namespace fastgpu
