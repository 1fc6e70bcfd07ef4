#include "store/record_rows.h"

#include <algorithm>
#include <vector>

#include "store/string_list_codec.h"

namespace fastgpu {
namespace {

// Columns of what the submitter asked for; never updated.
constexpr const char* kTaskSpecColumns =
    "owner, name, priority, cpu_milli, memory_mib, num_gpu, gpu_milli, gpu_memory_mib, "
    "allowed_models, milli_tflops, vgpu_id, kind, argv, env, cwd, synthetic_mtflops, "
    "synthetic_ms, max_retries, timeout_ms, enforce, preemptible";
// Columns the daemon changes over the task's life.
constexpr const char* kTaskLifeColumns =
    "state, retries_used, node, gpus, pid, process_start_time, exit_code, failure_reason, "
    "created_at_us, started_at_us, ended_at_us, stdout_path, stderr_path, cpu_ns, "
    "peak_memory_bytes, attempts";

constexpr const char* kVgpuSpecColumns =
    "owner, milli_tflops, gpu_milli, memory_mib, lease_ms, ttl_ms, idle_timeout_ms";
constexpr const char* kVgpuLifeColumns =
    "state, node, gpus, created_at_us, deleted_at_us, deleted_reason";

constexpr std::string_view kCommandKind = "command";
constexpr std::string_view kSyntheticKind = "synthetic";

size_t column_count(const std::string& columns) {
  return 1 + std::count(columns.begin(), columns.end(), ',');
}

std::string placeholders(size_t n) {
  std::string out = "(?";
  for (size_t i = 1; i < n; ++i) out += ", ?";
  return out + ")";
}

std::string select_sql(const char* table, const std::string& columns) {
  return "SELECT " + columns + " FROM " + table;
}

std::string insert_sql(const char* table, const std::string& columns) {
  return "INSERT INTO " + std::string(table) + " (" + columns + ") VALUES " +
         placeholders(column_count(columns));
}

// Updates `life_columns` of the row with a given id while it is in a given state.
std::string update_sql(const char* table, const std::string& life_columns) {
  return "UPDATE " + std::string(table) + " SET (" + life_columns +
         ") = " + placeholders(column_count(life_columns)) + " WHERE id = ? AND state = ?";
}

std::string all_task_columns() {
  return std::string("id, seq, ") + kTaskSpecColumns + ", " + kTaskLifeColumns;
}

std::string all_vgpu_columns() {
  return std::string("id, ") + kVgpuSpecColumns + ", " + kVgpuLifeColumns;
}

void bind_placement(const std::optional<Placement>& p, SqlQuery* stmt) {
  if (p) {
    stmt->bind(int64_t{p->node}).bind(int64_t{p->gpus});
  } else {
    stmt->bind_null().bind_null();
  }
}

std::optional<Placement> read_placement(SqlQuery* stmt) {
  const std::optional<int64_t> node = stmt->column_optional_int64();
  const std::optional<int64_t> gpus = stmt->column_optional_int64();
  if (!node || !gpus) return std::nullopt;
  return Placement{static_cast<NodeIndex>(*node), static_cast<GpuMask>(*gpus)};
}

std::string encode_env(const std::vector<EnvVar>& env) {
  std::vector<std::string> flat;
  flat.reserve(env.size() * 2);
  for (const EnvVar& v : env) {
    flat.push_back(v.name);
    flat.push_back(v.value);
  }
  return encode_string_list(flat);
}

bool decode_env(std::string_view bytes, std::vector<EnvVar>* env) {
  std::vector<std::string> flat;
  if (!decode_string_list(bytes, &flat) || flat.size() % 2 != 0) return false;
  env->clear();
  for (size_t i = 0; i < flat.size(); i += 2) env->push_back({flat[i], flat[i + 1]});
  return true;
}

void bind_task_spec(const TaskSpec& s, SqlQuery* stmt) {
  stmt->bind(s.owner).bind(s.name).bind(int64_t{s.priority});
  stmt->bind(s.shape.cpu_milli).bind(s.shape.memory_mib).bind(int64_t{s.shape.num_gpu});
  stmt->bind(int64_t{s.shape.gpu_milli}).bind(s.shape.gpu_memory_mib);
  stmt->bind(static_cast<int64_t>(s.shape.allowed_models)).bind(s.milli_tflops);
  stmt->bind(s.vgpu == kNoVgpu ? std::nullopt : std::optional<int64_t>(s.vgpu));
  stmt->bind(s.kind == WorkKind::kCommand ? kCommandKind : kSyntheticKind);
  stmt->bind_blob(encode_string_list(s.command.argv)).bind_blob(encode_env(s.command.env));
  stmt->bind(s.command.cwd).bind(s.synthetic.milli_tflops).bind(s.synthetic.duration_ms);
  stmt->bind(int64_t{s.max_retries}).bind(s.timeout_ms).bind(int64_t{s.enforce ? 1 : 0});
  stmt->bind(int64_t{s.preemptible ? 1 : 0});
}

bool read_task_spec(SqlQuery* stmt, TaskSpec* s) {
  s->owner = stmt->column_text();
  s->name = stmt->column_text();
  s->priority = static_cast<int32_t>(stmt->column_int64());
  s->shape.cpu_milli = stmt->column_int64();
  s->shape.memory_mib = stmt->column_int64();
  s->shape.num_gpu = static_cast<int32_t>(stmt->column_int64());
  s->shape.gpu_milli = static_cast<MilliGpu>(stmt->column_int64());
  s->shape.gpu_memory_mib = stmt->column_int64();
  s->shape.allowed_models = static_cast<GpuModelMask>(stmt->column_int64());
  s->milli_tflops = stmt->column_int64();
  s->vgpu = stmt->column_optional_int64().value_or(kNoVgpu);
  const std::string kind = stmt->column_text();
  s->kind = kind == kSyntheticKind ? WorkKind::kSynthetic : WorkKind::kCommand;
  const bool argv_ok = decode_string_list(stmt->column_blob(), &s->command.argv);
  const bool env_ok = decode_env(stmt->column_blob(), &s->command.env);
  s->command.cwd = stmt->column_text();
  s->synthetic.milli_tflops = stmt->column_int64();
  s->synthetic.duration_ms = stmt->column_int64();
  s->max_retries = static_cast<int32_t>(stmt->column_int64());
  s->timeout_ms = stmt->column_int64();
  s->enforce = stmt->column_int64() != 0;
  s->preemptible = stmt->column_int64() != 0;
  return argv_ok && env_ok && (kind == kCommandKind || kind == kSyntheticKind);
}

void bind_task_life(const TaskRecord& t, SqlQuery* stmt) {
  stmt->bind(task_state_name(t.state)).bind(int64_t{t.retries_used});
  bind_placement(t.placement, stmt);
  stmt->bind(int64_t{t.pid}).bind(static_cast<int64_t>(t.process_start_time));
  stmt->bind(t.exit_code).bind(t.failure_reason);
  stmt->bind(t.created_at_us).bind(t.started_at_us).bind(t.ended_at_us);
  stmt->bind(t.stdout_path).bind(t.stderr_path);
  stmt->bind(t.cpu_ns).bind(t.peak_memory_bytes).bind(int64_t{t.attempts});
}

bool read_task_life(SqlQuery* stmt, TaskRecord* t) {
  const std::optional<TaskState> state = parse_task_state(stmt->column_text());
  t->state = state.value_or(TaskState::kPending);
  t->retries_used = static_cast<int32_t>(stmt->column_int64());
  t->placement = read_placement(stmt);
  t->pid = static_cast<int32_t>(stmt->column_int64());
  t->process_start_time = static_cast<uint64_t>(stmt->column_int64());
  const std::optional<int64_t> exit_code = stmt->column_optional_int64();
  t->exit_code =
      exit_code ? std::optional<int32_t>(static_cast<int32_t>(*exit_code)) : std::nullopt;
  t->failure_reason = stmt->column_text();
  t->created_at_us = stmt->column_int64();
  t->started_at_us = stmt->column_int64();
  t->ended_at_us = stmt->column_int64();
  t->stdout_path = stmt->column_text();
  t->stderr_path = stmt->column_text();
  t->cpu_ns = stmt->column_int64();
  t->peak_memory_bytes = stmt->column_int64();
  t->attempts = static_cast<int32_t>(stmt->column_int64());
  return state.has_value();
}

void bind_vgpu_life(const VgpuRecord& v, SqlQuery* stmt) {
  stmt->bind(vgpu_state_name(v.state));
  bind_placement(v.placement, stmt);
  stmt->bind(v.created_at_us).bind(v.deleted_at_us).bind(v.deleted_reason);
}

// Reads the one row `sql` (selecting by id) returns into *record.
template <typename Record, typename Read>
Status find_by_id(SqlConnection* db, const std::string& sql, int64_t id, const char* what,
                  Read read, Record* record) {
  std::unique_ptr<SqlQuery> query = db->query(sql);
  query->bind(id);
  if (query->next_row()) {
    read(query.get(), record);
    return query->status();
  }
  if (!query->status().is_ok()) return query->status();
  return Status::not_found("no " + std::string(what) + " " + std::to_string(id));
}

bool damaged(SqlQuery* stmt, const char* what, int64_t id) {
  stmt->fail(Status::io_error(std::string(what) + " " + std::to_string(id) +
                              " has a damaged row in the database"));
  return false;
}

}  // namespace

const std::string& select_tasks_sql() {
  static const std::string sql = select_sql("tasks", all_task_columns());
  return sql;
}

const std::string& insert_task_sql() {
  static const std::string sql = insert_sql("tasks", all_task_columns());
  return sql;
}

const std::string& update_task_sql() {
  static const std::string sql = update_sql("tasks", kTaskLifeColumns);
  return sql;
}

void bind_task_insert(const TaskRecord& task, SqlQuery* stmt) {
  stmt->bind(task.id).bind(task.sequence);
  bind_task_spec(task.spec, stmt);
  bind_task_life(task, stmt);
}

void bind_task_update(const TaskRecord& task, TaskState expected, SqlQuery* stmt) {
  bind_task_life(task, stmt);
  stmt->bind(task.id).bind(task_state_name(expected));
}

bool read_task(SqlQuery* stmt, TaskRecord* task) {
  task->id = stmt->column_int64();
  task->sequence = stmt->column_int64();
  const bool spec_ok = read_task_spec(stmt, &task->spec);
  const bool life_ok = read_task_life(stmt, task);
  return (spec_ok && life_ok) || damaged(stmt, "task", task->id);
}

const std::string& select_vgpus_sql() {
  static const std::string sql = select_sql("vgpus", all_vgpu_columns());
  return sql;
}

const std::string& insert_vgpu_sql() {
  static const std::string sql = insert_sql("vgpus", all_vgpu_columns());
  return sql;
}

const std::string& update_vgpu_sql() {
  static const std::string sql = update_sql("vgpus", kVgpuLifeColumns);
  return sql;
}

void bind_vgpu_insert(const VgpuRecord& vgpu, SqlQuery* stmt) {
  stmt->bind(vgpu.id).bind(vgpu.spec.owner).bind(vgpu.spec.milli_tflops);
  stmt->bind(int64_t{vgpu.spec.gpu_milli}).bind(vgpu.spec.memory_mib);
  stmt->bind(vgpu.spec.lease_ms).bind(vgpu.spec.ttl_ms).bind(vgpu.spec.idle_timeout_ms);
  bind_vgpu_life(vgpu, stmt);
}

void bind_vgpu_update(const VgpuRecord& vgpu, VgpuState expected, SqlQuery* stmt) {
  bind_vgpu_life(vgpu, stmt);
  stmt->bind(vgpu.id).bind(vgpu_state_name(expected));
}

bool read_vgpu(SqlQuery* stmt, VgpuRecord* vgpu) {
  vgpu->id = stmt->column_int64();
  vgpu->spec.owner = stmt->column_text();
  vgpu->spec.milli_tflops = stmt->column_int64();
  vgpu->spec.gpu_milli = static_cast<MilliGpu>(stmt->column_int64());
  vgpu->spec.memory_mib = stmt->column_int64();
  vgpu->spec.lease_ms = stmt->column_int64();
  vgpu->spec.ttl_ms = stmt->column_int64();
  vgpu->spec.idle_timeout_ms = stmt->column_int64();
  const std::optional<VgpuState> state = parse_vgpu_state(stmt->column_text());
  vgpu->state = state.value_or(VgpuState::kPending);
  vgpu->placement = read_placement(stmt);
  vgpu->created_at_us = stmt->column_int64();
  vgpu->deleted_at_us = stmt->column_int64();
  vgpu->deleted_reason = stmt->column_text();
  return state.has_value() || damaged(stmt, "vGPU", vgpu->id);
}

Status find_task(SqlConnection* db, TaskId id, TaskRecord* task) {
  static const std::string sql = select_tasks_sql() + " WHERE id = ?";
  return find_by_id(db, sql, id, "task", read_task, task);
}

Status find_vgpu(SqlConnection* db, VgpuId id, VgpuRecord* vgpu) {
  static const std::string sql = select_vgpus_sql() + " WHERE id = ?";
  return find_by_id(db, sql, id, "vGPU", read_vgpu, vgpu);
}

}  // namespace fastgpu
