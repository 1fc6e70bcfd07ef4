#pragma once
// Versioned schema migrations, the part every SQL back end shares: which migrations to run
// between two versions, and the refusals (an unknown target, a database newer than the build).

#include <functional>
#include <span>
#include <string>

#include "core/status.h"

namespace fastgpu {

/// One step of a schema: the SQL that brings version - 1 to `version`. A back end's list is
/// append only and ordered by version, starting at 1.
struct SchemaMigration {
  int version;
  std::string sql;
};

/// The version of the last migration of `migrations` (non-empty).
int latest_schema_version(std::span<const SchemaMigration> migrations);

/// kInvalidArgument when `target` is outside 0..latest_schema_version(migrations).
Status check_schema_target(std::span<const SchemaMigration> migrations, int target);

/// How the migration runner reads, changes and stamps one database.
struct SchemaAccess {
  std::function<Status(int* version)> read_version;  // 0 for a database with no schema yet
  std::function<Status(const char* sql)> exec;
  std::function<Status(int version)> write_version;
};

/// Reads the database's version and runs, through `access.exec`, every migration above it and
/// up to `target`, in order, then records `target` (only when it ran any). kFailedPrecondition
/// (running nothing) when the database is newer than the latest migration; kIoError naming the
/// version when a migration fails. The caller holds the transaction (and lock) that makes the
/// whole run atomic, and rolls it back on error.
Status migrate_in_transaction(std::span<const SchemaMigration> migrations, int target,
                              const SchemaAccess& access);

}  // namespace fastgpu
