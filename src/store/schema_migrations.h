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

/// Runs, through `exec`, every migration above `current` and up to `target`, in order, and sets
/// *applied when it ran any. kFailedPrecondition (running nothing) when `current` is newer than
/// the latest migration; kIoError naming the version when a migration fails. The caller holds
/// the transaction (and lock) that makes the whole run atomic, and records the new version.
Status run_schema_migrations(std::span<const SchemaMigration> migrations, int current, int target,
                             const std::function<Status(const char* sql)>& exec, bool* applied);

}  // namespace fastgpu
