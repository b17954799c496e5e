// Declarations only (include/ChorusSQLiteC.h); the functions live in SQLiteNIO's vendored SQLite.
#include "ChorusSQLiteC.h"
