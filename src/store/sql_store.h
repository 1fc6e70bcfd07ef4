#pragma once
// The Store logic every SQL back end shares: the write transaction's shape and the reads. A back
// end (SqliteStore, PostgresStore) supplies connections and its way of opening, committing and
// rolling back a write transaction.

#include <atomic>
#include <functional>
#include <mutex>
#include <vector>

#include "store/sql_connection.h"
#include "store/store.h"
#include "store/write_txn.h"

namespace fastgpu {

/// A Store over SQL connections. write() is serialised on the back end's writer connection, one
/// transaction per call; reads run on the back end's read connections.
class SqlStore : public Store {
 public:
  Status write(std::vector<WriteRequest> requests, std::vector<WriteResult>* results) final;
  Status get_task(TaskId id, TaskRecord* task) final;
  Status list_tasks(const TaskFilter& filter, TaskPage* page) final;
  Status load_unfinished_tasks(std::vector<TaskRecord>* tasks) final;
  Status get_vgpu(VgpuId id, VgpuRecord* vgpu) final;
  Status list_vgpus(const VgpuFilter& filter, std::vector<VgpuRecord>* vgpus) final;
  Status usage_totals(const UsageQuery& query, std::vector<UsageTotal>* totals) final;
  Status claim_write_epoch(int64_t* epoch) final;
  Status confirm_write_epoch() final;

 protected:
  /// Runs `body` on a connection that sees every write committed before the call. Thread-safe.
  virtual Status with_reader(const std::function<Status(SqlConnection*)>& body) = 0;

  // The write hooks, called only by write() while it holds the write lock, in the order
  // begin_write(), writer() for the requests, then commit_write() or rollback_write().

  /// Opens a transaction on the writer connection that no other writer (thread or process) can
  /// interleave with until it ends.
  virtual Status begin_write() = 0;
  /// The connection of the open write transaction.
  virtual SqlConnection* writer() = 0;
  /// Commits the open transaction durably: when it returns OK the writes survive a crash.
  virtual Status commit_write() = 0;
  /// Rolls back the open transaction, if one is still open.
  virtual void rollback_write() = 0;
  /// How this back end finds the last id of a table (see WriteTxn).
  virtual WriteTxn::LastIdSql last_id_sql() const = 0;

 private:
  // kIoError ("fenced") when the write epoch `db` reads is not write_epoch_ (a newer leader's).
  Status check_write_epoch(SqlConnection* db);
  std::mutex write_mu_;  // serialises write() and claim_write_epoch()
  // 0: none claimed, writes unchecked. Written under write_mu_, read by confirm_write_epoch().
  std::atomic<int64_t> write_epoch_{0};
};

}  // namespace fastgpu
