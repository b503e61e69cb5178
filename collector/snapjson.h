/* A snapshot as JSON, both ways: snapjson_write.h writes it (the
 * `lvstop --once --json` document, a recording line, lvsd's
 * /api/v1/snapshot), snapjson_read.h reads it back (--replay, --remote). */
#ifndef LVSTOP_COLLECTOR_SNAPJSON_H
#define LVSTOP_COLLECTOR_SNAPJSON_H

#include "snapjson_read.h"
#include "snapjson_write.h"

#endif
