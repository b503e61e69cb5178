/* The text of the banner line under the header, fitted to the terminal:
 * a long sentence from the collector gives way to a shorter form that
 * keeps its cause and its fix, then the age of the data shown is
 * shortened or dropped; the words drawn are never cut (draw_words cuts
 * the last resort at a word's end).
 * Threads: pure. */
#ifndef LVSTOP_CONSOLE_BANNER_H
#define LVSTOP_CONSOLE_BANNER_H

#include <stddef.h>

enum banner_kind {
	BANNER_STALE, /* the last poll failed: data from `when`, `age` old */
	BANNER_ERROR, /* no data at all, msg says why */
	BANNER_ENDED, /* a recording ended */
};

/* "CAUSE: DETAIL (FIX)" -> "CAUSE (FIX)": the sentence without its
 * middle, e.g. "IPVS is not available (load it with: modprobe ip_vs)";
 * a sentence not of that shape is copied as it is. */
void banner_short_msg(const char *msg, char *out, size_t len);

/* The longest form of the banner of kind k that fits in width columns
 * (the shortest when none does; the caller's draw_words cuts it at a
 * word). msg: the collector's sentence; when and age: the data's time
 * ("14:02:10", "12s") for BANNER_STALE, else ignored (may be NULL). */
void banner_compose(enum banner_kind k, const char *msg, const char *when, const char *age,
		    int width, char *out, size_t len);

#endif
