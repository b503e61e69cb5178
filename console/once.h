/* `lvstop --once`: the table as text (like `ipvsadm -Ln --stats --rate`,
 * real servers nested, plus persistent connections and connection
 * states) or as the JSON document. Threads: pure output functions. */
#ifndef LVSTOP_CONSOLE_ONCE_H
#define LVSTOP_CONSOLE_ONCE_H

#include <stdio.h>

#include "collector/collector.h"

struct once_opts {
	bool json;
	bool exact;
};

/* Print one frame of s with its status (s may be NULL when no poll has
 * succeeded yet: then only the status is printed). 0 or -EIO (write
 * failed) or -ENOMEM. */
int once_print(FILE *out, const struct lvs_snapshot *s, const struct lvs_status *st,
	       const struct once_opts *o);

#endif
