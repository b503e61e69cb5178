/* The reference drift comparison (front-to-back searches), for tests. */
#ifndef LVSTOP_TESTS_UNIT_DRIFT_REF_H
#define LVSTOP_TESTS_UNIT_DRIFT_REF_H

#include "collector/declared/drift.h"

/* drift_compute's results by the first, quadratic, algorithm; free with
 * drift_free. */
int drift_ref_compute(const struct lvs_declared *decl, const struct lvs_snapshot *snap,
		      struct lvs_drift *out);
enum lvs_decl_state drift_ref_dest_state(const struct lvs_drift *drift,
					 const struct lvs_declared *decl,
					 const struct lvs_service *svc, const struct lvs_dest *dest);

#endif
