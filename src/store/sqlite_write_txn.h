#pragma once
// Applies write requests inside one open SQLite transaction (internal to SqliteStore).

#include <cstdint>
#include <optional>

#include "store/sqlite_db.h"
#include "store/store.h"

namespace fastgpu {

/// The requests of one SqliteStore::write(), applied in order on the writer connection while
/// it holds an open write transaction (BEGIN IMMEDIATE). Not thread-safe; lives for one
/// transaction. Ids come from sqlite_sequence, read once per transaction, so they grow in commit
/// order and are never reused even across deletions.
class SqliteWriteTxn {
 public:
  /// `db` is not owned; `now_us` stamps every record the transaction creates or ends.
  SqliteWriteTxn(SqliteDb* db, int64_t now_us) : db_(db), now_us_(now_us) {}

  /// Applies one request and fills *result. A refused request (kInvalidArgument, kNotFound,
  /// kFailedPrecondition) has written nothing when it returns. Any other error (kIoError) means
  /// the transaction must be rolled back.
  void apply(WriteRequest* request, WriteResult* result);

 private:
  Status create_tasks(CreateTasks* request, std::vector<int64_t>* ids);
  Status transition_task(const TaskTransition& t);
  Status create_vgpu(CreateVgpu* request, std::vector<int64_t>* ids);
  Status place_vgpu(const PlaceVgpu& request);
  Status delete_vgpu(const DeleteVgpu& request);

  Status check_task_vgpus(const std::vector<TaskSpec>& specs);
  Status update_vgpu(const VgpuRecord& vgpu, VgpuState expected);
  // The next id of an AUTOINCREMENT table (counter cached per transaction in *last).
  Status next_id(const char* table, std::optional<int64_t>* last, int64_t* id);

  SqliteDb* const db_;
  const int64_t now_us_;
  std::optional<int64_t> last_task_id_;
  std::optional<int64_t> last_vgpu_id_;
};

}  // namespace fastgpu
