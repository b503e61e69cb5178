#include "pace.h"

#include "collector/snapshot.h"

int console_pace_init(struct console_pace *p, double bound)
{
	p->col = NULL;
	return seq_gate_init(&p->gate, bound);
}

void console_pace_destroy(struct console_pace *p)
{
	seq_gate_destroy(&p->gate);
}

void console_pace_shown(struct console_pace *p, uint64_t seq)
{
	seq_gate_reach(&p->gate, seq);
}

void console_pace_release(struct console_pace *p)
{
	seq_gate_release(&p->gate);
}

int console_pace_wait(struct console_pace *p, uint64_t seq)
{
	return seq_gate_wait(&p->gate, seq);
}

void console_pace_before_poll(void *arg)
{
	struct console_pace *p = arg;
	struct lvs_status st;
	snapshot_unref(collector_acquire(p->col, &st));
	console_pace_wait(p, st.seq);
}
