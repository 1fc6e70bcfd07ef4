#pragma once
// How task and vGPU records map to rows: the column lists, the SQL that uses them, and the
// binding and reading of records, kept together so the orders cannot drift apart. Shared by
// every SQL back end: the SQL is written in the dialect SQLite and PostgreSQL have in common.

#include <string>

#include "store/records.h"
#include "store/sql_connection.h"

namespace fastgpu {

/// "SELECT <every task column> FROM tasks"; callers append WHERE / ORDER BY.
const std::string& select_tasks_sql();
/// Inserts a whole task row; bind with bind_task_insert().
const std::string& insert_task_sql();
/// Writes the mutable columns of one task if it is still in the expected state; bind with
/// bind_task_update().
const std::string& update_task_sql();

void bind_task_insert(const TaskRecord& task, SqlQuery* stmt);
void bind_task_update(const TaskRecord& task, TaskState expected, SqlQuery* stmt);
/// Reads the current row of a select_tasks_sql() query. Returns false, marking the statement
/// failed, when the row does not decode (a damaged database).
bool read_task(SqlQuery* stmt, TaskRecord* task);

/// The same for vGPUs.
const std::string& select_vgpus_sql();
const std::string& insert_vgpu_sql();
const std::string& update_vgpu_sql();
void bind_vgpu_insert(const VgpuRecord& vgpu, SqlQuery* stmt);
void bind_vgpu_update(const VgpuRecord& vgpu, VgpuState expected, SqlQuery* stmt);
bool read_vgpu(SqlQuery* stmt, VgpuRecord* vgpu);

/// The task with `id` into *task; kNotFound when there is none.
Status find_task(SqlConnection* db, TaskId id, TaskRecord* task);
/// The vGPU with `id` into *vgpu; kNotFound when there is none.
Status find_vgpu(SqlConnection* db, VgpuId id, VgpuRecord* vgpu);

}  // namespace fastgpu
