#include "store/sql_store.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <utility>

#include "core/wall_clock.h"
#include "store/record_rows.h"

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

void bind_task_filter(const TaskFilter& f, SqlQuery* q) {
  if (f.state) q->bind(task_state_name(*f.state));
  if (f.owner) q->bind(*f.owner);
  if (f.vgpu) q->bind(*f.vgpu);
  if (f.cursor != 0) q->bind(f.cursor);
  q->bind(int64_t{f.limit} + 1);  // one more row tells whether another page follows
}

Status check_task_filter(const TaskFilter& filter) {
  if (filter.limit < 1 || filter.limit > kMaxListLimit) {
    return Status::invalid_argument("limit must be within 1.." + std::to_string(kMaxListLimit));
  }
  if (filter.cursor < 0) return Status::invalid_argument("cursor must not be negative");
  return Status::ok();
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
Status read_all(SqlQuery* query, Read read, Keep keep, std::vector<Record>* out) {
  out->clear();
  while (query->next_row()) {
    Record record;
    if (!read(query, &record)) break;
    if (keep(record)) out->push_back(std::move(record));
  }
  return query->status();
}

bool keep_every(const auto&) { return true; }

// The bytes of `task`'s variable-length text, about what it costs in memory and in JSON.
int64_t text_bytes(const TaskRecord& task) {
  size_t bytes = task.spec.name.size() + task.spec.command.cwd.size() + task.failure_reason.size() +
                 task.stdout_path.size() + task.stderr_path.size();
  for (const std::string& arg : task.spec.command.argv) bytes += arg.size();
  for (const EnvVar& var : task.spec.command.env) bytes += var.name.size() + var.value.size();
  return static_cast<int64_t>(bytes);
}

}  // namespace

Status SqlStore::write(std::vector<WriteRequest> requests, std::vector<WriteResult>* results) {
  results->assign(requests.size(), WriteResult{});
  std::lock_guard lock(write_mu_);
  Status status = begin_write();
  if (status.is_ok()) status = check_write_epoch(writer());
  if (status.is_ok()) {
    WriteTxn txn(writer(), wall_clock_us(), last_id_sql());
    for (size_t i = 0; i < requests.size() && status.is_ok(); ++i) {
      txn.apply(&requests[i], &(*results)[i]);
      if (!is_refusal((*results)[i].status)) status = (*results)[i].status;
    }
  }
  // The durability point: commit_write() returns only once the transaction is on disk.
  if (status.is_ok()) status = commit_write();
  if (status.is_ok()) return status;
  rollback_write();
  fail_all(status, results);
  return status;
}

// Read inside the write transaction, whose lock the claim of a newer epoch also takes: a write
// either commits before the newer leader's claim or sees its epoch.
Status SqlStore::check_write_epoch(SqlConnection* db) {
  const int64_t mine = write_epoch_.load();
  if (mine == 0) return Status::ok();
  std::unique_ptr<SqlQuery> query = db->query("SELECT epoch FROM write_epoch WHERE id = 1");
  if (!query->next_row())
    return query->status().is_ok() ? Status::io_error("no write epoch row") : query->status();
  const int64_t stored = query->column_int64();
  if (stored == mine) return query->status();
  return Status::io_error("fenced: another replica leads now (write epoch " +
                          std::to_string(stored) + ", this one's " + std::to_string(mine) +
                          "); this replica's writes are refused");
}

Status SqlStore::confirm_write_epoch() {
  return with_reader([this](SqlConnection* db) { return check_write_epoch(db); });
}

Status SqlStore::claim_write_epoch(int64_t* epoch) {
  std::lock_guard lock(write_mu_);
  Status status = begin_write();
  int64_t claimed = 0;
  if (status.is_ok()) {
    std::unique_ptr<SqlQuery> query =
        writer()->query("UPDATE write_epoch SET epoch = epoch + 1 WHERE id = 1 RETURNING epoch");
    if (query->next_row()) claimed = query->column_int64();
    status = query->status();
    if (status.is_ok() && claimed == 0) status = Status::io_error("no write epoch row");
  }
  if (status.is_ok()) status = commit_write();
  if (!status.is_ok()) {
    rollback_write();
    return status;
  }
  write_epoch_ = claimed;
  *epoch = claimed;
  return Status::ok();
}

Status SqlStore::get_task(TaskId id, TaskRecord* task) {
  return with_reader([&](SqlConnection* db) { return find_task(db, id, task); });
}

Status SqlStore::list_tasks(const TaskFilter& filter, TaskPage* page) {
  if (Status s = check_task_filter(filter); !s.is_ok()) return s;
  return with_reader([&](SqlConnection* db) {
    std::unique_ptr<SqlQuery> query = db->query(list_tasks_sql(filter));
    bind_task_filter(filter, query.get());
    page->tasks.clear();
    page->next_cursor = 0;
    int64_t bytes = 0;
    while (query->next_row()) {
      TaskRecord task;
      if (!read_task(query.get(), &task)) break;
      const bool full = page->tasks.size() == static_cast<size_t>(filter.limit) ||
                        (!page->tasks.empty() && bytes + text_bytes(task) > kMaxListBytes);
      if (full) {  // a task is left: the next page starts after the last one here
        page->next_cursor = page->tasks.back().id;
        break;
      }
      bytes += text_bytes(task);
      page->tasks.push_back(std::move(task));
    }
    return query->status();
  });
}

Status SqlStore::load_unfinished_tasks(std::vector<TaskRecord>* tasks) {
  return with_reader([&](SqlConnection* db) {
    std::unique_ptr<SqlQuery> query = db->query(unfinished_candidates_sql());
    return read_all(query.get(), read_task, is_unfinished, tasks);
  });
}

Status SqlStore::get_vgpu(VgpuId id, VgpuRecord* vgpu) {
  return with_reader([&](SqlConnection* db) { return find_vgpu(db, id, vgpu); });
}

Status SqlStore::list_vgpus(const VgpuFilter& filter, std::vector<VgpuRecord>* vgpus) {
  return with_reader([&](SqlConnection* db) {
    std::vector<std::string> conditions;
    if (filter.owner) conditions.push_back("owner = ?");
    if (!filter.include_deleted) conditions.push_back("state != 'deleted'");
    std::unique_ptr<SqlQuery> query =
        db->query(select_vgpus_sql() + where_clause(conditions) + " ORDER BY id");
    if (filter.owner) query->bind(*filter.owner);
    return read_all(query.get(), read_vgpu, keep_every<VgpuRecord>, vgpus);
  });
}

Status SqlStore::usage_totals(const UsageQuery& query, std::vector<UsageTotal>* totals) {
  totals->clear();
  return with_reader([&](SqlConnection* db) {
    // Each row counts from the later of its start and since_us; integer milli-GPU-ms cannot
    // overflow before a million GPUs have run for decades.
    std::string sql =
        "SELECT owner, project, model, kind, end_state, COUNT(*), CAST(SUM(gpu_milli * "
        "((ended_at_us - CASE WHEN started_at_us > ? THEN started_at_us ELSE ? END) / 1000)) "
        "AS BIGINT) FROM usage_ledger WHERE ended_at_us >= ?";
    if (query.owner) sql += " AND owner = ?";
    sql += " GROUP BY owner, project, model, kind, end_state";
    std::unique_ptr<SqlQuery> rows = db->query(sql);
    rows->bind(query.since_us).bind(query.since_us).bind(query.since_us);
    if (query.owner) rows->bind(*query.owner);
    while (rows->next_row()) {
      UsageTotal total;
      total.owner = rows->column_text();
      total.project = rows->column_text();
      total.model = rows->column_text();
      total.kind = rows->column_text();
      total.state = rows->column_text();
      total.ends = rows->column_int64();
      total.gpu_milli_ms = rows->column_int64();
      totals->push_back(std::move(total));
    }
    std::sort(totals->begin(), totals->end(), [](const UsageTotal& a, const UsageTotal& b) {
      return std::tie(a.owner, a.project, a.model, a.kind, a.state) <
             std::tie(b.owner, b.project, b.model, b.kind, b.state);
    });
    return rows->status();
  });
}

}  // namespace fastgpu
