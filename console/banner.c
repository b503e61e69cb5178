#include "banner.h"

#include <stdio.h>
#include <string.h>

#include "draw.h"

void banner_short_msg(const char *msg, char *out, size_t len)
{
	size_t n = strlen(msg);
	const char *colon = strstr(msg, ": ");
	const char *open = n && msg[n - 1] == ')' ? strrchr(msg, '(') : NULL;
	/* The fix is the closing parenthesis (balanced from its '('); the
	 * cause, what comes before the first ": " ahead of it. */
	if (open && colon && colon < open) {
		int depth = 0;
		for (const char *p = open; *p; p++)
			depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
		if (!depth) {
			snprintf(out, len, "%.*s %s", (int)(colon - msg), msg, open);
			return;
		}
	}
	snprintf(out, len, "%s", msg);
}

void banner_compose(enum banner_kind k, const char *msg, const char *when, const char *age,
		    int width, char *out, size_t len)
{
	char shrt[320];
	banner_short_msg(msg, shrt, sizeof(shrt));
	char c[4][400];
	int n = 0;
	switch (k) {
	case BANNER_STALE:
		snprintf(c[n++], sizeof(c[0]), " %s  (showing data from %s, %s old)", msg, when, age);
		snprintf(c[n++], sizeof(c[0]), " %s  (showing data from %s, %s old)", shrt, when, age);
		snprintf(c[n++], sizeof(c[0]), " %s  (data %s old)", shrt, age);
		snprintf(c[n++], sizeof(c[0]), " %s", shrt);
		break;
	case BANNER_ERROR:
		snprintf(c[n++], sizeof(c[0]), " %s", msg);
		snprintf(c[n++], sizeof(c[0]), " %s", shrt);
		break;
	case BANNER_ENDED:
		snprintf(c[n++], sizeof(c[0]), " %s: the last snapshot stays on screen", msg);
		snprintf(c[n++], sizeof(c[0]), " %s: last snapshot kept", msg);
		snprintf(c[n++], sizeof(c[0]), " %s", shrt);
		break;
	}
	int i = 0;
	while (i < n - 1 && draw_width(c[i]) > width)
		i++;
	snprintf(out, len, "%s", c[i]);
}
