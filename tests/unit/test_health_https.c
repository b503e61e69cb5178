/* The HTTPS check against a GnuTLS server on the loopback whose self-signed
 * certificate (name "health.test") is made here: status and body over TLS,
 * SNI, verification against a CA file, and the failures. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "collector/health.h"
#include "health_srv.h"

struct tls_srv {
	int fd;
	uint16_t port;
	const char *resp;
	gnutls_certificate_credentials_t cred;
	atomic_int stop, handshakes;
	pthread_mutex_t lock;
	char sni[128]; /* the last server name a client sent */
	pthread_t th;
};

static gnutls_x509_crt_t crt;
static gnutls_x509_privkey_t key;
static char ca_file[64];

/* One self-signed certificate for the suite, also written as the CA file. */
static int suite_init(void)
{
	if (gnutls_x509_privkey_init(&key) < 0 ||
	    gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
	                                 GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0 ||
	    gnutls_x509_crt_init(&crt) < 0)
		return -1;
	time_t now = time(NULL);
	unsigned char serial[4] = {1, 2, 3, 4};
	const char *cn = "health.test";
	if (gnutls_x509_crt_set_version(crt, 3) < 0 ||
	    gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) < 0 ||
	    gnutls_x509_crt_set_activation_time(crt, now - 3600) < 0 ||
	    gnutls_x509_crt_set_expiration_time(crt, now + 86400) < 0 ||
	    gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn, strlen(cn)) < 0 ||
	    gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, cn, strlen(cn),
	                                         GNUTLS_FSAN_SET) < 0 ||
	    gnutls_x509_crt_set_basic_constraints(crt, 1, -1) < 0 ||
	    gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE |
	                                           GNUTLS_KEY_KEY_CERT_SIGN) < 0 ||
	    gnutls_x509_crt_set_key(crt, key) < 0 ||
	    gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) < 0)
		return -1;
	gnutls_datum_t pem;
	if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &pem) < 0)
		return -1;
	snprintf(ca_file, sizeof(ca_file), "/tmp/lvstop-health-ca-XXXXXX");
	int fd = mkstemp(ca_file);
	bool ok = fd >= 0 && write(fd, pem.data, pem.size) == (ssize_t)pem.size;
	if (fd >= 0)
		close(fd);
	gnutls_free(pem.data);
	return ok ? 0 : -1;
}

static int suite_done(void)
{
	unlink(ca_file);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return 0;
}

static void serve(struct tls_srv *s, int c)
{
	gnutls_session_t ses;
	gnutls_init(&ses, GNUTLS_SERVER);
	gnutls_set_default_priority(ses);
	gnutls_credentials_set(ses, GNUTLS_CRD_CERTIFICATE, s->cred);
	gnutls_transport_set_int(ses, c);
	gnutls_handshake_set_timeout(ses, 2000);
	struct timeval tv = {2, 0};
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	int r;
	do
		r = gnutls_handshake(ses);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r == 0) {
		atomic_fetch_add(&s->handshakes, 1);
		char name[128] = "";
		size_t len = sizeof(name);
		unsigned type;
		if (gnutls_server_name_get(ses, name, &len, &type, 0) < 0)
			name[0] = 0;
		pthread_mutex_lock(&s->lock);
		snprintf(s->sni, sizeof(s->sni), "%s", name);
		pthread_mutex_unlock(&s->lock);
		char req[2048];
		size_t got = 0;
		while (got < sizeof(req) - 1) {
			ssize_t n = gnutls_record_recv(ses, req + got, sizeof(req) - 1 - got);
			if (n <= 0)
				break;
			got += (size_t)n;
			req[got] = 0;
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		gnutls_record_send(ses, s->resp, strlen(s->resp));
		gnutls_bye(ses, GNUTLS_SHUT_WR);
	}
	gnutls_deinit(ses);
}

static void *tls_main(void *arg)
{
	struct tls_srv *s = arg;
	while (!atomic_load(&s->stop)) {
		struct pollfd pfd = {s->fd, POLLIN, 0};
		if (poll(&pfd, 1, 10) <= 0)
			continue;
		int c = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		serve(s, c);
		close(c);
	}
	return NULL;
}

static struct tls_srv *tls_start(const char *resp)
{
	struct tls_srv *s = calloc(1, sizeof(*s));
	s->resp = resp;
	pthread_mutex_init(&s->lock, NULL);
	gnutls_certificate_allocate_credentials(&s->cred);
	if (gnutls_certificate_set_x509_key(s->cred, &crt, 1, key) < 0)
		goto err;
	s->fd = hc_test_bind(AF_INET, SOCK_STREAM, &s->port);
	if (s->fd < 0 || listen(s->fd, 64) < 0)
		goto err;
	pthread_create(&s->th, NULL, tls_main, s);
	return s;
err:
	gnutls_certificate_free_credentials(s->cred);
	free(s);
	return NULL;
}

static void tls_stop(struct tls_srv *s)
{
	atomic_store(&s->stop, 1);
	pthread_join(s->th, NULL);
	close(s->fd);
	gnutls_certificate_free_credentials(s->cred);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* Checks whose outcome is not a timeout get 5 s: a TLS handshake with
 * both ends in this process, under ASan on a busy machine, can take longer
 * than spec_for's 0.5 s, and would then be judged down for a timeout
 * instead of what the test looks at. A working server answers at once, so
 * no test waits longer for it. */
static void slow_machine(struct lvs_check_spec *spec, size_t n)
{
	for (size_t i = 0; i < n; i++)
		spec[i].timeout = 5.0;
}

static void test_https_up_and_status(void)
{
	struct tls_srv *ok = tls_start("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nall fine\n");
	struct tls_srv *nf = tls_start("HTTP/1.1 404 Not Found\r\n\r\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ok);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nf);
	struct lvs_check_spec spec[4];
	spec_for(&spec[0], AF_INET, ok->port, LVS_CHECK_HTTPS); /* no verification */
	spec_for(&spec[1], AF_INET, ok->port, LVS_CHECK_HTTPS);
	spec[1].http_expect = "fine";
	spec_for(&spec[2], AF_INET, ok->port, LVS_CHECK_HTTPS);
	spec[2].http_expect = "healthy";
	spec_for(&spec[3], AF_INET, nf->port, LVS_CHECK_HTTPS);
	slow_machine(spec, 4);
	lvs_health *h = engine_with(spec, 4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_result r;
	char buf[160];
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_UP, 30000, NULL));
	CU_ASSERT_TRUE(wait_state(h, 1, LVS_HEALTH_UP, 30000, NULL));
	CU_ASSERT_TRUE(wait_state(h, 2, LVS_HEALTH_DOWN, 30000, &r));
	CU_ASSERT_EQUAL(r.reason, LVS_HR_EXPECT);
	CU_ASSERT_TRUE(wait_state(h, 3, LVS_HEALTH_DOWN, 30000, &r));
	CU_ASSERT_STRING_EQUAL(health_reason_text(&r, buf, sizeof(buf)),
	                       "http 404 (HTTP 404, expected 2xx)");
	CU_ASSERT(atomic_load(&ok->handshakes) >= 3);
	pthread_mutex_lock(&ok->lock);
	CU_ASSERT_STRING_EQUAL(ok->sni, ""); /* an address: no SNI */
	pthread_mutex_unlock(&ok->lock);
	health_free(h);
	tls_stop(ok);
	tls_stop(nf);
}

static void test_https_verify(void)
{
	struct tls_srv *s = tls_start("HTTP/1.0 200 OK\r\n\r\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct lvs_check_spec spec[4];
	/* the right name, trusted through the CA file */
	spec_for(&spec[0], AF_INET, s->port, LVS_CHECK_HTTPS);
	spec[0].tls_verify = true;
	spec[0].tls_ca_file = ca_file;
	spec[0].http_host = "health.test";
	/* a name the certificate does not carry */
	spec_for(&spec[1], AF_INET, s->port, LVS_CHECK_HTTPS);
	spec[1].tls_verify = true;
	spec[1].tls_ca_file = ca_file;
	spec[1].tls_sni = "other.test";
	/* the system's trust store does not know our certificate */
	spec_for(&spec[2], AF_INET, s->port, LVS_CHECK_HTTPS);
	spec[2].tls_verify = true;
	spec[2].tls_sni = "health.test";
	/* a CA file that is not one */
	spec_for(&spec[3], AF_INET, s->port, LVS_CHECK_HTTPS);
	spec[3].tls_verify = true;
	spec[3].tls_ca_file = "/dev/null";
	slow_machine(spec, 4);
	lvs_health *h = engine_with(spec, 4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_result r;
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_UP, 30000, NULL));
	pthread_mutex_lock(&s->lock);
	CU_ASSERT_STRING_EQUAL(s->sni, "health.test"); /* taken from the Host */
	pthread_mutex_unlock(&s->lock);
	for (size_t i = 1; i < 4; i++) {
		CU_ASSERT_TRUE(wait_state(h, i, LVS_HEALTH_DOWN, 30000, &r));
		CU_ASSERT_EQUAL(r.reason, LVS_HR_TLS);
		CU_ASSERT_STRING_EQUAL(health_reason_name(r.reason), "tls failure");
	}
	health_result(h, 1, &r);
	CU_ASSERT_EQUAL(strncmp(r.error, "TLS certificate: ", 17), 0);
	health_result(h, 3, &r);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.error, "/dev/null"));
	health_free(h);
	tls_stop(s);
}

static void test_https_failures(void)
{
	struct srv *plain = srv_start(AF_INET, SRV_BANNER, "SSH-2.0-OpenSSH_9.2\r\n", 0);
	struct srv *silent = srv_start(AF_INET, SRV_SILENT, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
	CU_ASSERT_PTR_NOT_NULL_FATAL(silent);
	struct lvs_check_spec spec[3];
	spec_for(&spec[0], AF_INET, plain->port, LVS_CHECK_HTTPS); /* not TLS at all */
	spec_for(&spec[1], AF_INET, silent->port, LVS_CHECK_HTTPS); /* never answers */
	spec[1].timeout = 0.2;
	spec_for(&spec[2], AF_INET, closed_port(AF_INET, SOCK_STREAM), LVS_CHECK_HTTPS);
	slow_machine(&spec[0], 1);
	slow_machine(&spec[2], 1);
	lvs_health *h = engine_with(spec, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_result r;
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_DOWN, 30000, &r));
	CU_ASSERT_EQUAL(r.reason, LVS_HR_TLS);
	CU_ASSERT_TRUE(wait_state(h, 1, LVS_HEALTH_DOWN, 30000, &r));
	CU_ASSERT_EQUAL(r.reason, LVS_HR_TIMEOUT_TLS);
	CU_ASSERT_STRING_EQUAL(health_reason_name(r.reason), "timeout tls handshake");
	CU_ASSERT_TRUE(wait_state(h, 2, LVS_HEALTH_DOWN, 30000, &r));
	CU_ASSERT_EQUAL(r.reason, LVS_HR_REFUSED);
	health_free(h);
	srv_stop(plain);
	srv_stop(silent);
}

static void test_https_spec(void)
{
	struct lvs_check_spec s;
	char msg[160];
	spec_for(&s, AF_INET, 443, LVS_CHECK_HTTPS);
	CU_ASSERT_EQUAL(health_spec_check(&s, msg, sizeof(msg)), 0);
	s.tls_sni = "bad name";
	CU_ASSERT_EQUAL(health_spec_check(&s, msg, sizeof(msg)), -EINVAL);
	s.tls_sni = NULL;
	s.http_path = "nope";
	CU_ASSERT_EQUAL(health_spec_check(&s, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_EQUAL(health_type_parse("https"), LVS_CHECK_HTTPS);
	CU_ASSERT_STRING_EQUAL(health_type_name(LVS_CHECK_HTTPS), "https");
}

int register_health_https(void)
{
	CU_pSuite s = CU_add_suite("health https", suite_init, suite_done);
	if (!s)
		return -1;
	if (!CU_add_test(s, "status and body over TLS", test_https_up_and_status) ||
	    !CU_add_test(s, "SNI and certificate verification", test_https_verify) ||
	    !CU_add_test(s, "not TLS, silent, refused", test_https_failures) ||
	    !CU_add_test(s, "spec validation", test_https_spec))
		return -1;
	return 0;
}
