#pragma once
// The embedded Store: one SQLite database file in WAL mode.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/sqlite_db.h"
#include "store/store.h"

namespace fastgpu {

/// Store on a SQLite file. Durability: every committed write() has been fsynced
/// (synchronous=FULL on a WAL journal), so what it acknowledged survives a crash of the process
/// or of the machine. Writes are serialised on one connection; each write() is one
/// transaction, so put a BatchWriter in front of it to share commits between threads.
/// Reads use a pool of further connections (one per concurrent reader, opened on demand and kept
/// for reuse) and run concurrently with writes, each seeing the database as of its start (WAL
/// snapshot).
///
/// The file's schema is versioned (PRAGMA user_version) and migrated at open. One process
/// should own a file at a time; a second process opening it is safe (SQLite locks) but waits on
/// the first's writes up to the busy timeout.
class SqliteStore final : public Store {
 public:
  struct Options {
    /// How long a connection waits for another process's lock before failing with kIoError.
    int busy_timeout_ms = 5000;
  };

  /// Opens or creates the database at `path` and migrates it to the latest schema.
  /// kFailedPrecondition when the file was written by a newer build; kIoError when it cannot
  /// be opened or is not a database. The directory must exist.
  static Status open(const std::string& path, const Options& options,
                     std::unique_ptr<SqliteStore>* out);
  static Status open(const std::string& path, std::unique_ptr<SqliteStore>* out) {
    return open(path, Options{}, out);
  }
  ~SqliteStore() override;

  Status write(std::vector<WriteRequest> requests, std::vector<WriteResult>* results) override;
  Status get_task(TaskId id, TaskRecord* task) override;
  Status list_tasks(const TaskFilter& filter, TaskPage* page) override;
  Status load_unfinished_tasks(std::vector<TaskRecord>* tasks) override;
  Status get_vgpu(VgpuId id, VgpuRecord* vgpu) override;
  Status list_vgpus(const VgpuFilter& filter, std::vector<VgpuRecord>* vgpus) override;

 private:
  SqliteStore(std::string path, Options options, std::unique_ptr<SqliteDb> writer);

  // Runs `read(db)` on a pooled read connection.
  template <typename Read>
  Status with_reader(Read read);
  Status acquire_reader(std::unique_ptr<SqliteDb>* db);
  void release_reader(std::unique_ptr<SqliteDb> db);

  const std::string path_;
  const Options options_;

  std::mutex write_mu_;  // serialises write(); guards writer_
  std::unique_ptr<SqliteDb> writer_;

  std::mutex readers_mu_;  // guards idle_readers_
  std::vector<std::unique_ptr<SqliteDb>> idle_readers_;
};

}  // namespace fastgpu
