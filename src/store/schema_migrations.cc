#include "store/schema_migrations.h"

#include <string>

namespace fastgpu {

int latest_schema_version(std::span<const SchemaMigration> migrations) {
  return migrations.back().version;
}

Status check_schema_target(std::span<const SchemaMigration> migrations, int target) {
  if (target < 0 || target > latest_schema_version(migrations)) {
    return Status::invalid_argument("schema version " + std::to_string(target) +
                                    " is unknown to this build");
  }
  return Status::ok();
}

Status run_schema_migrations(std::span<const SchemaMigration> migrations, int current, int target,
                             const std::function<Status(const char* sql)>& exec, bool* applied) {
  *applied = false;
  const int latest = latest_schema_version(migrations);
  if (current > latest) {
    return Status::failed_precondition("database schema version " + std::to_string(current) +
                                       " is newer than this build (" + std::to_string(latest) +
                                       "); refusing to touch it");
  }
  for (const SchemaMigration& m : migrations) {
    if (m.version <= current || m.version > target) continue;
    if (Status s = exec(m.sql.c_str()); !s.is_ok()) {
      return Status::io_error("schema migration to version " + std::to_string(m.version) +
                              " failed: " + s.message());
    }
    *applied = true;
  }
  return Status::ok();
}

}  // namespace fastgpu
