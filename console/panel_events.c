/* The event log view: newest first, with timestamps, filterable. */
#include "panel.h"

#include <stdio.h>
#include <time.h>

#include "draw.h"

static enum crt_role kind_role(enum ev_kind k)
{
	switch (k) {
	case EV_SVC_ADD:
	case EV_DEST_ADD: return CR_EV_ADD;
	case EV_SVC_DEL:
	case EV_DEST_DEL: return CR_EV_DEL;
	default: return CR_EV_CHANGE;
	}
}

static void events_draw(struct app *a, int y, int h)
{
	struct textbuf t;
	textbuf_begin(&t, y, 0, a->cols, h, a->scroll[VIEW_EVENTS]);
	const struct ev_log *l = &a->log;
	textbuf_add(&t, CR_TITLE, 0, CR_TITLE, "Events: %zu kept, %llu since start%s", l->count,
		    (unsigned long long)l->total, a->filter[0] ? "   [filtered]" : "");
	if (!l->count)
		textbuf_add(&t, CR_DIM, 0, CR_DIM,
			    "  nothing changed yet: services and real servers coming and going, "
			    "weight changes and counter resets appear here");
	for (size_t i = 0; i < l->count; i++) {
		const struct lvs_event *e = ev_log_newest(l, i);
		char txt[256];
		if (!a->filter[0] && !textbuf_visible(&t)) {
			textbuf_skip(&t);
			continue;
		}
		event_text(e, txt, sizeof(txt));
		if (a->filter[0] && !table_match(txt, a->filter))
			continue;
		char when[32];
		time_t s = (time_t)e->time;
		struct tm tm;
		localtime_r(&s, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		textbuf_add(&t, CR_DIM, 21, kind_role(e->kind), "%s  %s", when, txt);
	}
	a->lines[VIEW_EVENTS] = t.n;
}

const struct panel panel_events = {
	.name = "events",
	.draw = events_draw,
};
