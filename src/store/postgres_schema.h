#pragma once
// The PostgreSQL schema as an ordered list of migrations, tracked in table fastgpu_schema.
// Version n has the same tables, columns and indexes as the SQLite schema's version n, in
// PostgreSQL's types (BIGINT for SQLite's INTEGER, BYTEA for BLOB).

#include "core/status.h"
#include "store/postgres_conn.h"

namespace fastgpu {

/// The schema version this build writes: the version of its last migration.
int latest_postgres_schema_version();

/// Brings the database from its version (0 for an empty database) to `target_version`, all in
/// one transaction under an advisory lock, so that replicas starting together migrate it once:
/// either the database ends at `target_version` or it is unchanged. kFailedPrecondition when the
/// database is newer than this build knows (it is left alone); kInvalidArgument for a target
/// above latest_postgres_schema_version(). Downgrades are never done. `db` must not be inside a
/// transaction.
Status migrate_postgres_schema(PgConnection* db, int target_version);

/// The database's schema version (0 when it has none yet).
Status read_postgres_schema_version(PgConnection* db, int* version);

}  // namespace fastgpu
