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

Status migrate_in_transaction(std::span<const SchemaMigration> migrations, int target,
                              const SchemaAccess& access) {
  int current = 0;
  if (Status s = access.read_version(&current); !s.is_ok()) return s;
  const int latest = latest_schema_version(migrations);
  if (current > latest) {
    return Status::failed_precondition("database schema version " + std::to_string(current) +
                                       " is newer than this build (" + std::to_string(latest) +
                                       "); refusing to touch it");
  }
  if (current >= target) return Status::ok();
  for (const SchemaMigration& m : migrations) {
    if (m.version <= current || m.version > target) continue;
    if (Status s = access.exec(m.sql.c_str()); !s.is_ok()) {
      return Status::io_error("schema migration to version " + std::to_string(m.version) +
                              " failed: " + s.message());
    }
  }
  return access.write_version(target);
}

}  // namespace fastgpu
