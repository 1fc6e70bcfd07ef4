#include "store/sqlite_store.h"

#include <chrono>
#include <utility>

#include "core/wall_clock.h"
#include "store/sqlite_rows.h"
#include "store/sqlite_schema.h"
#include "store/sqlite_write_txn.h"

namespace fastgpu {
namespace {

// Fails every request of a group with the transaction's error.
void fail_all(const Status& error, std::vector<WriteResult>* results) {
  for (WriteResult& r : *results) {
    r.status = error;
    r.ids.clear();
  }
}

// A request refused on its own merits; anything else aborts the whole transaction.
bool is_refusal(const Status& s) { return s.is_ok() || s.code() != Status::Code::kIoError; }

// "WHERE a AND b ..." from the conditions given, or "" when there are none.
std::string where_clause(const std::vector<std::string>& conditions) {
  std::string sql;
  for (const std::string& c : conditions) sql += (sql.empty() ? " WHERE " : " AND ") + c;
  return sql;
}

std::string list_tasks_sql(const TaskFilter& f) {
  std::vector<std::string> conditions;
  if (f.state) conditions.push_back("state = ?");
  if (f.owner) conditions.push_back("owner = ?");
  if (f.vgpu) conditions.push_back("vgpu_id = ?");
  if (f.cursor != 0) conditions.push_back(f.descending ? "id < ?" : "id > ?");
  return select_tasks_sql() + where_clause(conditions) + " ORDER BY id" +
         (f.descending ? " DESC" : "") + " LIMIT ?";
}

void bind_task_filter(const TaskFilter& f, Statement* q) {
  if (f.state) q->bind(task_state_name(*f.state));
  if (f.owner) q->bind(*f.owner);
  if (f.vgpu) q->bind(*f.vgpu);
  if (f.cursor != 0) q->bind(f.cursor);
  q->bind(int64_t{f.limit} + 1);  // one more row tells whether another page follows
}

// Tasks in every state is_unfinished() may accept, in queue order.
const std::string& unfinished_candidates_sql() {
  static const std::string sql = [] {
    std::string states;
    for (int i = 0; i < kTaskStateCount; ++i) {
      const auto s = static_cast<TaskState>(i);
      if (is_terminal(s)) continue;
      states += std::string(states.empty() ? "'" : ", '") + std::string(task_state_name(s)) + "'";
    }
    return select_tasks_sql() + " WHERE state IN (" + states + ") ORDER BY priority DESC, seq";
  }();
  return sql;
}

// Reads every row of `query` with `read`, keeping those `keep` accepts.
template <typename Record, typename Read, typename Keep>
Status read_all(Statement* query, Read read, Keep keep, std::vector<Record>* out) {
  out->clear();
  while (query->next_row()) {
    Record record;
    if (!read(query, &record)) break;
    if (keep(record)) out->push_back(std::move(record));
  }
  return query->status();
}

}  // namespace

Status SqliteStore::open(const std::string& path, const Options& options,
                         std::unique_ptr<SqliteStore>* out) {
  std::unique_ptr<SqliteDb> writer;
  if (Status s = SqliteDb::open(path, {options.busy_timeout_ms, false}, &writer); !s.is_ok()) {
    return s;
  }
  if (Status s = migrate_sqlite_schema(writer.get(), latest_sqlite_schema_version()); !s.is_ok()) {
    return s;
  }
  out->reset(new SqliteStore(path, options, std::move(writer)));
  return Status::ok();
}

SqliteStore::SqliteStore(std::string path, Options options, std::unique_ptr<SqliteDb> writer)
    : path_(std::move(path)), options_(options), writer_(std::move(writer)) {}

SqliteStore::~SqliteStore() = default;

Status SqliteStore::write(std::vector<WriteRequest> requests, std::vector<WriteResult>* results) {
  results->assign(requests.size(), WriteResult{});
  std::lock_guard lock(write_mu_);
  Status status = writer_->exec("BEGIN IMMEDIATE");
  SqliteWriteTxn txn(writer_.get(), wall_clock_us());
  for (size_t i = 0; i < requests.size() && status.is_ok(); ++i) {
    txn.apply(&requests[i], &(*results)[i]);
    if (!is_refusal((*results)[i].status)) status = (*results)[i].status;
  }
  // synchronous=FULL: COMMIT returns only once the WAL is fsynced. This is the durability point.
  if (status.is_ok()) status = writer_->exec("COMMIT");
  if (status.is_ok()) return status;
  if (sqlite3_get_autocommit(writer_->handle()) == 0) writer_->exec("ROLLBACK");
  fail_all(status, results);
  return status;
}

template <typename Read>
Status SqliteStore::with_reader(Read read) {
  std::unique_ptr<SqliteDb> db;
  if (Status s = acquire_reader(&db); !s.is_ok()) return s;
  Status s = read(db.get());
  release_reader(std::move(db));
  return s;
}

Status SqliteStore::acquire_reader(std::unique_ptr<SqliteDb>* db) {
  {
    std::lock_guard lock(readers_mu_);
    if (!idle_readers_.empty()) {
      *db = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return Status::ok();
    }
  }
  return SqliteDb::open(path_, {options_.busy_timeout_ms, true}, db);
}

void SqliteStore::release_reader(std::unique_ptr<SqliteDb> db) {
  std::lock_guard lock(readers_mu_);
  idle_readers_.push_back(std::move(db));
}

Status SqliteStore::get_task(TaskId id, TaskRecord* task) {
  return with_reader([&](SqliteDb* db) { return find_task(db, id, task); });
}

Status SqliteStore::list_tasks(const TaskFilter& filter, TaskPage* page) {
  if (filter.limit < 1 || filter.limit > kMaxListLimit) {
    return Status::invalid_argument("limit must be within 1.." + std::to_string(kMaxListLimit));
  }
  if (filter.cursor < 0) return Status::invalid_argument("cursor must not be negative");
  return with_reader([&](SqliteDb* db) {
    Statement query(db, list_tasks_sql(filter));
    bind_task_filter(filter, &query);
    Status s = read_all(
        &query, read_task, [](const TaskRecord&) { return true; }, &page->tasks);
    page->next_cursor = 0;
    if (s.is_ok() && page->tasks.size() > static_cast<size_t>(filter.limit)) {
      page->tasks.pop_back();
      page->next_cursor = page->tasks.back().id;
    }
    return s;
  });
}

Status SqliteStore::load_unfinished_tasks(std::vector<TaskRecord>* tasks) {
  return with_reader([&](SqliteDb* db) {
    Statement query(db, unfinished_candidates_sql());
    return read_all(&query, read_task, is_unfinished, tasks);
  });
}

Status SqliteStore::get_vgpu(VgpuId id, VgpuRecord* vgpu) {
  return with_reader([&](SqliteDb* db) { return find_vgpu(db, id, vgpu); });
}

Status SqliteStore::list_vgpus(const VgpuFilter& filter, std::vector<VgpuRecord>* vgpus) {
  return with_reader([&](SqliteDb* db) {
    std::vector<std::string> conditions;
    if (filter.owner) conditions.push_back("owner = ?");
    if (!filter.include_deleted) conditions.push_back("state != 'deleted'");
    Statement query(db, select_vgpus_sql() + where_clause(conditions) + " ORDER BY id");
    if (filter.owner) query.bind(*filter.owner);
    return read_all(
        &query, read_vgpu, [](const VgpuRecord&) { return true; }, vgpus);
  });
}

}  // namespace fastgpu
