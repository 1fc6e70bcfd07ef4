#pragma once
// Applies write requests inside one open SQL transaction (internal to the SQL stores).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/sql_connection.h"
#include "store/store.h"

namespace fastgpu {

/// The requests of one SqlStore::write(), applied in order on the writer connection while it
/// holds an open write transaction that excludes every other writer. Not thread-safe; lives for
/// one transaction. The last id of each table is read once per transaction (with the back end's
/// `last_id_sql`) and counted up from there, so ids grow in commit order and are never reused.
class WriteTxn {
 public:
  /// SQL returning the highest id `table` ever assigned, as one row of one integer column (no
  /// row: none yet).
  using LastIdSql = std::string (*)(const char* table);

  /// `db` is not owned; `now_us` stamps every record the transaction creates or ends.
  WriteTxn(SqlConnection* db, int64_t now_us, LastIdSql last_id_sql)
      : db_(db), now_us_(now_us), last_id_sql_(last_id_sql) {}

  /// Applies one request and fills *result. A refused request (kInvalidArgument, kNotFound,
  /// kFailedPrecondition) has written nothing when it returns. Any other error (kIoError) means
  /// the transaction must be rolled back.
  void apply(WriteRequest* request, WriteResult* result);

 private:
  Status create_tasks(CreateTasks* request, std::vector<int64_t>* ids);
  Status transition_task(const TaskTransition& t);
  Status create_vgpu(CreateVgpu* request, std::vector<int64_t>* ids);
  Status place_vgpu(const PlaceVgpu& request);
  Status unplace_vgpu(const UnplaceVgpu& request);
  Status delete_vgpu(const DeleteVgpu& request);
  Status assign_task_uid(const AssignTaskUid& request, std::vector<int64_t>* ids);

  Status check_task_vgpus(const std::vector<TaskSpec>& specs);
  // Adds one row to the usage ledger: `owner`'s `kind` ("task" or "vgpu") `ref_id` held
  // charge.gpu_milli from started_us to ended_us and ended in `end_state`.
  Status record_usage(std::string_view kind, int64_t ref_id, const std::string& owner,
                      const UsageCharge& charge, int64_t started_us, int64_t ended_us,
                      std::string_view end_state);
  // Reads vGPU `id` into *vgpu; kFailedPrecondition naming its state unless it is `expected`.
  Status find_vgpu_in(VgpuId id, VgpuState expected, VgpuRecord* vgpu);
  Status update_vgpu(const VgpuRecord& vgpu, VgpuState expected);
  // The next id of `table` (counter cached per transaction in *last).
  Status next_id(const char* table, std::optional<int64_t>* last, int64_t* id);

  SqlConnection* const db_;
  const int64_t now_us_;
  const LastIdSql last_id_sql_;
  std::optional<int64_t> last_task_id_;
  std::optional<int64_t> last_vgpu_id_;
};

}  // namespace fastgpu
