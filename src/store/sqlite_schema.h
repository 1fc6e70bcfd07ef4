#pragma once
// The SQLite schema as an ordered list of migrations, tracked with PRAGMA user_version.

#include "core/status.h"
#include "store/sqlite_db.h"

namespace fastgpu {

/// The schema version this build writes: the version of its last migration.
int latest_sqlite_schema_version();

/// Brings the database from its version (PRAGMA user_version; 0 for a new file) to
/// `target_version` by applying, in order, every migration above the one and up to the other,
/// all in one transaction: either the database ends at `target_version` or it is unchanged.
/// kFailedPrecondition when the database is newer than this build knows (it is left alone);
/// kInvalidArgument for a target above latest_sqlite_schema_version(). Downgrades are never done.
/// Takes the write lock; `db` must not be inside a transaction.
Status migrate_sqlite_schema(SqliteDb* db, int target_version);

/// The database's schema version (PRAGMA user_version).
Status read_sqlite_schema_version(SqliteDb* db, int* version);

}  // namespace fastgpu
