// The few SQLite C functions Chorus calls directly (for its writer connection). They are the
// SQLite amalgamation that SQLiteNIO vendors and links into the binary under the
// `sqlite_nio_` prefix: declaring them here uses that one copy of SQLite, never a second one
// (two copies in one process would break each other's file locks).
#ifndef CHORUS_SQLITE_C_H
#define CHORUS_SQLITE_C_H
#include <stdint.h>

typedef struct chorus_sqlite3 chorus_sqlite3;
typedef struct chorus_sqlite3_stmt chorus_sqlite3_stmt;

int sqlite_nio_sqlite3_open_v2(const char *filename, chorus_sqlite3 **db, int flags, const char *vfs);
int sqlite_nio_sqlite3_close_v2(chorus_sqlite3 *db);
int sqlite_nio_sqlite3_exec(chorus_sqlite3 *db, const char *sql, void *callback, void *argument, char **error);
int sqlite_nio_sqlite3_busy_timeout(chorus_sqlite3 *db, int milliseconds);
const char *sqlite_nio_sqlite3_errmsg(chorus_sqlite3 *db);
int sqlite_nio_sqlite3_extended_errcode(chorus_sqlite3 *db);
int sqlite_nio_sqlite3_prepare_v3(chorus_sqlite3 *db, const char *sql, int bytes, unsigned int flags,
                                  chorus_sqlite3_stmt **statement, const char **tail);
int sqlite_nio_sqlite3_step(chorus_sqlite3_stmt *statement);
int sqlite_nio_sqlite3_reset(chorus_sqlite3_stmt *statement);
int sqlite_nio_sqlite3_clear_bindings(chorus_sqlite3_stmt *statement);
int sqlite_nio_sqlite3_finalize(chorus_sqlite3_stmt *statement);
int sqlite_nio_sqlite3_bind_null(chorus_sqlite3_stmt *statement, int index);
int sqlite_nio_sqlite3_bind_int64(chorus_sqlite3_stmt *statement, int index, int64_t value);
int sqlite_nio_sqlite3_bind_double(chorus_sqlite3_stmt *statement, int index, double value);
int sqlite_nio_sqlite3_bind_text64(chorus_sqlite3_stmt *statement, int index, const char *text, uint64_t bytes,
                                   void (*destructor)(void *), unsigned char encoding);
int sqlite_nio_sqlite3_bind_blob64(chorus_sqlite3_stmt *statement, int index, const void *bytes, uint64_t count,
                                   void (*destructor)(void *));
int sqlite_nio_sqlite3_column_count(chorus_sqlite3_stmt *statement);
const char *sqlite_nio_sqlite3_column_name(chorus_sqlite3_stmt *statement, int column);
int sqlite_nio_sqlite3_column_type(chorus_sqlite3_stmt *statement, int column);
int64_t sqlite_nio_sqlite3_column_int64(chorus_sqlite3_stmt *statement, int column);
double sqlite_nio_sqlite3_column_double(chorus_sqlite3_stmt *statement, int column);
const unsigned char *sqlite_nio_sqlite3_column_text(chorus_sqlite3_stmt *statement, int column);
const void *sqlite_nio_sqlite3_column_blob(chorus_sqlite3_stmt *statement, int column);
int sqlite_nio_sqlite3_column_bytes(chorus_sqlite3_stmt *statement, int column);

/// SQLITE_TRANSIENT: SQLite copies the bound bytes before the call returns.
static inline int chorus_sqlite3_bind_text(chorus_sqlite3_stmt *statement, int index, const char *text, uint64_t bytes) {
    return sqlite_nio_sqlite3_bind_text64(statement, index, text, bytes, (void (*)(void *))-1, 1 /* SQLITE_UTF8 */);
}
static inline int chorus_sqlite3_bind_blob(chorus_sqlite3_stmt *statement, int index, const void *bytes, uint64_t count) {
    return sqlite_nio_sqlite3_bind_blob64(statement, index, bytes, count, (void (*)(void *))-1);
}
#endif
