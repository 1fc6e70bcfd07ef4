#pragma once
// The durable state of fastgpud behind one narrow interface. SqliteStore (sqlite_store.h) is the
// embedded default; PostgresStore (postgres_store.h) is the store of a cluster. open_store()
// (store_factory.h) picks one from fastgpud's --store value.
//
// Every write goes through Writer::write(), a group of requests committed as one transaction:
// a Store commits it directly, a BatchWriter (batch_writer.h) first merges the groups of many
// concurrent submitters into one transaction. When write() returns OK the change is durable
// ("acknowledged means durable"): callers may answer their clients.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/status.h"
#include "store/records.h"

namespace fastgpu {

/// Inserts tasks in state pending. The store assigns ids and sequences, in the order given,
/// and sets created_at_us to the commit time. All specs are validated first: one bad spec
/// refuses the whole request (kInvalidArgument, naming the spec's index and field); a spec whose
/// vGPU does not exist or is deleted refuses it with kFailedPrecondition.
struct CreateTasks {
  std::vector<TaskSpec> specs;
};

/// Inserts a vGPU: active when `placement` is set (one GPU), else pending.
struct CreateVgpu {
  VgpuSpec spec;
  std::optional<Placement> placement;
};

/// Places a pending vGPU on one GPU, making it active. kFailedPrecondition unless pending.
struct PlaceVgpu {
  VgpuId id = 0;
  Placement placement;
};

/// Takes an active vGPU off its GPU, making it pending again: after a restart its GPU is not
/// known (an agent's, until the agent registers again). kFailedPrecondition unless active.
struct UnplaceVgpu {
  VgpuId id = 0;
};

/// Marks a pending or active vGPU deleted (the record stays, for history). kFailedPrecondition
/// when already deleted. Whether its tasks may still run is the daemon's decision, not the
/// store's: the store only refuses new tasks for a deleted vGPU.
struct DeleteVgpu {
  VgpuId id = 0;
  std::string reason;  // why, as the record keeps it
  // Set when it held a GPU: the store records that stretch in its usage ledger.
  std::optional<UsageCharge> charge;
};

/// One write. TaskTransition (records.h) is the compare-and-set state change of a task.
using WriteRequest = std::variant<CreateTasks, TaskTransition, CreateVgpu, PlaceVgpu, UnplaceVgpu,
                                  DeleteVgpu, AssignTaskUid>;

/// Outcome of one WriteRequest: its status, and the ids it created (tasks, or the one vGPU).
struct WriteResult {
  Status status;
  std::vector<int64_t> ids;
};

/// Anything that commits groups of writes durably: a Store, or a BatchWriter in front of one.
class Writer {
 public:
  virtual ~Writer() = default;

  /// Applies `requests` in order inside one transaction and commits it durably. A request that
  /// is refused (bad input, kNotFound, kFailedPrecondition) changes nothing and does not stop
  /// the others. On return (*results)[i] is the outcome of requests[i].
  /// Returns OK when the transaction committed; otherwise (I/O error, disk full) nothing at all
  /// was applied, and every result carries the same error.
  /// Thread-safe in every implementation: concurrent calls are serialised or grouped.
  virtual Status write(std::vector<WriteRequest> requests, std::vector<WriteResult>* results) = 0;

  // Conveniences over write() for a single request. Each returns the request's own status,
  // or the commit error.

  /// Creates tasks in one request (all or none); *ids receives their ids in order.
  Status create_tasks(std::vector<TaskSpec> specs, std::vector<TaskId>* ids);
  /// Creates one task; *id receives its id.
  Status create_task(TaskSpec spec, TaskId* id);
  /// Applies one compare-and-set state change (see TaskTransition).
  Status transition_task(TaskTransition transition);
  /// Creates a vGPU; *id receives its id.
  Status create_vgpu(VgpuSpec spec, std::optional<Placement> placement, VgpuId* id);
  /// See PlaceVgpu.
  Status place_vgpu(VgpuId id, Placement placement);
  /// See UnplaceVgpu.
  Status unplace_vgpu(VgpuId id);
  /// See DeleteVgpu.
  Status delete_vgpu(VgpuId id);
  /// See AssignTaskUid; *uid receives the owner's uid.
  Status assign_task_uid(const std::string& owner, int64_t first, int64_t last, int64_t* uid);

 private:
  Status write_one(WriteRequest request, std::vector<int64_t>* ids);
};

/// Which tasks list_tasks() returns. Unset fields do not filter.
struct TaskFilter {
  std::optional<TaskState> state;
  std::optional<std::string> owner;
  std::optional<VgpuId> vgpu;
  TaskId cursor = 0;        // continue after this id (0: from the start)
  int32_t limit = 100;      // 1..kMaxListLimit
  bool descending = false;  // newest first
};
inline constexpr int32_t kMaxListLimit = 10000;
/// A page of list_tasks() ends early, with a cursor, once its tasks' text (argv, env, paths,
/// reasons) passes this many bytes: ten thousand tasks of 4 MiB each must not be read at once.
inline constexpr int64_t kMaxListBytes = int64_t{8} << 20;

/// One page of list_tasks(): tasks in id order, and the cursor of the next page (0 at the end).
struct TaskPage {
  std::vector<TaskRecord> tasks;
  TaskId next_cursor = 0;
};

/// Which vGPUs list_vgpus() returns.
struct VgpuFilter {
  std::optional<std::string> owner;
  bool include_deleted = false;
};

/// Which part of the usage ledger usage_totals() sums: what ended at or after since_us, and only
/// `owner`'s when set.
struct UsageQuery {
  int64_t since_us = 0;
  std::optional<std::string> owner;
};

/// What a kind of end sums to in the usage ledger. kind is "task" or "vgpu"; state is the task
/// state the attempt ended in ("succeeded", ..., "preempted"), or "deleted" for a vGPU.
/// gpu_milli_ms (milli-GPU times milliseconds: GPU-seconds = gpu_milli_ms / 1e6) counts only the
/// time since the query's since_us.
struct UsageTotal {
  std::string owner;
  std::string project;
  std::string model;
  std::string kind;
  std::string state;
  int64_t ends = 0;
  int64_t gpu_milli_ms = 0;
  bool operator==(const UsageTotal&) const = default;
};

/// The durable state of fastgpud. Writes (Writer) are durable when they return OK; reads see
/// every write that returned before they started. All methods are thread-safe; reads may run
/// concurrently with each other and with a write. Errors are values: no method throws.
class Store : public Writer {
 public:
  /// The task with `id` into *task; kNotFound when there is none.
  virtual Status get_task(TaskId id, TaskRecord* task) = 0;

  /// One page of tasks matching `filter`, in id order. kInvalidArgument for a bad limit.
  virtual Status list_tasks(const TaskFilter& filter, TaskPage* page) = 0;

  /// Every unfinished task (is_unfinished()), in the order the queue must resume them:
  /// priority descending, then sequence ascending. For the daemon's restart.
  virtual Status load_unfinished_tasks(std::vector<TaskRecord>* tasks) = 0;

  /// The vGPU with `id` into *vgpu (deleted ones too); kNotFound when there is none.
  virtual Status get_vgpu(VgpuId id, VgpuRecord* vgpu) = 0;

  /// vGPUs matching `filter`, in id order.
  virtual Status list_vgpus(const VgpuFilter& filter, std::vector<VgpuRecord>* vgpus) = 0;

  /// The usage ledger summed per owner, project, model, kind and state, for `query`, into *totals,
  /// sorted by those fields (byte order).
  virtual Status usage_totals(const UsageQuery& query, std::vector<UsageTotal>* totals) = 0;

  /// Fences off every earlier writer: records a new write epoch in the store (*epoch) and, from
  /// then on, runs each write() only while no newer epoch exists. A replica calls it when it
  /// becomes the leader; a deposed leader whose connections still live then has its writes
  /// refused (kIoError, "fenced": the API answers 503) instead of racing the new one.
  virtual Status claim_write_epoch(int64_t* epoch) = 0;

  /// OK while no replica has claimed a newer write epoch than this store's claim (always OK
  /// before any claim); kIoError ("fenced: ...") once one has, or when the store cannot be read.
  /// One read: a leader asks it before starting processes, which no write transaction covers.
  virtual Status confirm_write_epoch() = 0;
};

}  // namespace fastgpu
