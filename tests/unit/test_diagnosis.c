/* lvsd_diagnosis: one series per finding, labels escaped, the family
 * present (HELP and TYPE) even with no finding. */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "exporter/diagnosis.h"

static char *render(const struct doctor_findings *f)
{
	struct outbuf o;
	outbuf_init(&o);
	diagnosis_render(&o, f);
	size_t len;
	char *s = outbuf_steal(&o, &len);
	outbuf_done(&o);
	return s;
}

static void test_render(void)
{
	struct doctor_findings f;
	doctor_findings_init(&f);
	char *s = render(&f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "# TYPE lvsd_diagnosis gauge\n"));
	CU_ASSERT_PTR_NULL(strstr(s, "lvsd_diagnosis{"));
	free(s);
	doctor_findings_add(&f, "nat-reply-path", DOCTOR_ERROR, "-t 203.0.113.10:80", "192.0.2.12:80",
			    "s", "e", "f");
	doctor_findings_add(&f, "rules-not-loaded", DOCTOR_WARNING, NULL, NULL, "s", "e", "f");
	doctor_findings_add(&f, "odd", DOCTOR_INFO, "a\"b\\c\nd", "", "s", "e", "f");
	s = render(&f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "lvsd_diagnosis{id=\"nat-reply-path\",service=\"-t 203.0.113.10:80\","
					 "real_server=\"192.0.2.12:80\",severity=\"error\"} 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "lvsd_diagnosis{id=\"rules-not-loaded\",service=\"\","
					 "real_server=\"\",severity=\"warning\"} 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "service=\"a\\\"b\\\\c\\nd\""));
	free(s);
	doctor_findings_done(&f);
}

static void test_run_without_snapshot(void)
{
	struct outbuf o;
	outbuf_init(&o);
	CU_ASSERT_EQUAL(diagnosis_run(&o, NULL), 0);
	size_t len;
	char *s = outbuf_steal(&o, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "# HELP lvsd_diagnosis "));
	CU_ASSERT_PTR_NULL(strstr(s, "lvsd_diagnosis{"));
	free(s);
	outbuf_done(&o);
}

int register_diagnosis(void)
{
	CU_pSuite s = CU_add_suite("exporter diagnosis", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "series per finding", test_render) ||
	    !CU_add_test(s, "no snapshot", test_run_without_snapshot))
		return -1;
	return 0;
}
