#pragma once
// What the queue engine knows of a waiting task and of what running work holds.

#include <cstdint>
#include <string>

#include "core/node.h"
#include "core/task.h"

namespace fastgpu {

/// The pool, as a resource: tasks that wait for it are placed on nodes. Any other resource
/// number is a vGPU whose slice its tasks share.
inline constexpr int64_t kPoolResource = 0;

/// A waiting task as the queue engine sees it. The host fills it; the engine never looks past it.
struct QueueEntry {
  uint64_t id = 0;                   // unique among entries and holdings; smaller: submitted first
  int64_t resource = kPoolResource;  // what it waits for: the pool or a vGPU
  int32_t priority = 0;              // higher first, within its user
  int32_t project = 0;               // index in the engine's ShareBook
  std::string user;                  // users of a project share it equally
  int64_t enqueued_us = 0;           // when it joined the queue (again): patience and aging
  TaskShape shape;                   // what it asks; with milli_tflops, its request class
  int64_t milli_tflops = 0;          // compute asked in TFLOPS (thousandths), 0 when as a share
  int64_t gpu_milli = 0;             // GPUs it would hold (thousandths), for shares and quotas
  bool preemptible = false;          // another project below its share may reclaim it
  bool asks_gpu() const { return shape.num_gpu > 0 || milli_tflops > 0; }
};

/// Work that holds capacity of the pool (a running task, or a placed vGPU): what shares,
/// quotas and preemption count.
struct Holding {
  uint64_t id = 0;  // in the same space as QueueEntry::id (the host keeps them apart)
  int32_t project = 0;
  std::string user;
  int32_t priority = 0;
  int64_t gpu_milli = 0;       // GPUs held, in thousandths
  int64_t gpu_memory_mib = 0;  // GPU memory held, over all its GPUs
  int64_t cpu_milli = 0;       // CPU held (milli-cores): for dominant shares when CPU binds
  int64_t memory_mib = 0;      // host memory held: for dominant shares when memory binds
  NodeIndex node = 0;          // where: victims of a preemption all share the waiting task's node
  bool preemptible = false;
  bool counts_as_task = true;  // false for a vGPU: not counted in max_running
  bool started_aged = false;   // it started for its age: no priority preempts it
};

}  // namespace fastgpu
