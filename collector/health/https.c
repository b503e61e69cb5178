/* HTTPS check: the HTTP check over TLS (GnuTLS), like keepalived's SSL_GET.
 * The connect, the handshake, the request and the response all run
 * non-blocking in the engine's loop: GnuTLS reads and writes the probe's
 * socket itself and says which way it is waiting. The server name goes out
 * as SNI; with tls_verify the chain must verify against the CA file (or
 * the system's trust store) and carry that name. */
#include "health_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

static int https_check(const struct lvs_check_spec *s, char *msg, size_t len)
{
	int r = hc_http_check(s, msg, len);
	if (r < 0)
		return r;
	const char *why = NULL;
	if (s->tls_sni && (!*s->tls_sni || strlen(s->tls_sni) > 253 || strpbrk(s->tls_sni, " \t\r\n")))
		why = "the TLS server name must be one host name without blanks";
	else if (s->tls_ca_file && !*s->tls_ca_file)
		why = "the TLS CA file name is empty";
	return hc_refuse(why, msg, len);
}

static bool is_address(const char *s)
{
	union lvs_addr a;
	return inet_pton(AF_INET, s, &a) == 1 || inet_pton(AF_INET6, s, &a) == 1;
}

/* The name for SNI and verification: tls_sni, else the Host header when it
 * names a host (its port, if any, cut off); NULL when there is none. */
static const char *server_name(const struct hc_probe *p, char *buf, size_t len)
{
	const struct lvs_check_spec *s = &p->io->spec;
	if (s->tls_sni)
		return s->tls_sni;
	if (!s->http_host || s->http_host[0] == '[')
		return NULL;
	snprintf(buf, len, "%s", s->http_host);
	char *colon = strchr(buf, ':');
	if (colon && !strchr(colon + 1, ':'))
		*colon = 0;
	return *buf && !is_address(buf) ? buf : NULL;
}

static int https_tmpl_prepare(struct hc_tmpl *t)
{
	int r = hc_http_tmpl_prepare(t);
	if (r < 0)
		return r;
	gnutls_certificate_credentials_t cred;
	if (gnutls_certificate_allocate_credentials(&cred) < 0)
		return -ENOMEM;
	t->tls_cred = cred;
	if (t->spec.tls_verify) {
		int n = t->spec.tls_ca_file
		                ? gnutls_certificate_set_x509_trust_file(cred, t->spec.tls_ca_file,
		                                                         GNUTLS_X509_FMT_PEM)
		                : gnutls_certificate_set_x509_system_trust(cred);
		/* every attempt will say so, naming the file */
		if (n <= 0)
			t->tls_cred_err = n < 0 ? n : GNUTLS_E_NO_CERTIFICATE_FOUND;
	}
	return 0;
}

static void https_tmpl_release(struct hc_tmpl *t)
{
	hc_http_tmpl_release(t);
	if (t->tls_cred)
		gnutls_certificate_free_credentials(t->tls_cred);
	t->tls_cred = NULL;
}

static void https_cancel(struct hc_probe *p)
{
	if (p->io->tls)
		gnutls_deinit(p->io->tls);
	p->io->tls = NULL;
}

static void tls_failed(struct lvs_health_engine *h, struct hc_probe *p, const char *what, int r)
{
	if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR ||
	    r == GNUTLS_E_CERTIFICATE_ERROR) {
		unsigned status = gnutls_session_get_verify_cert_status(p->io->tls);
		gnutls_datum_t out = {NULL, 0};
		if (status &&
		    gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &out, 0) == 0) {
			hc_finish(h, p, false, LVS_HR_TLS, 0, "TLS certificate: %s", (char *)out.data);
			gnutls_free(out.data);
			return;
		}
	}
	hc_finish(h, p, false, LVS_HR_TLS, 0, "TLS %s: %s", what, gnutls_strerror(r));
}

/* GnuTLS would block: wait for the direction it needs. */
static void tls_wait(struct lvs_health_engine *h, struct hc_probe *p)
{
	uint32_t ev = gnutls_record_get_direction(p->io->tls) ? EPOLLOUT : EPOLLIN;
	int e = hc_ep_want(h, p, ev);
	if (e < 0)
		hc_finish(h, p, false, LVS_HR_LOCAL, 0, "epoll: %s", strerror(-e));
}

static void https_recv(struct lvs_health_engine *h, struct hc_probe *p)
{
	/* GnuTLS may hold decrypted bytes the socket no longer signals:
	 * read until it would block */
	for (;;) {
		ssize_t n = gnutls_record_recv(p->io->tls, h->scratch, HC_SCRATCH);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
			tls_wait(h, p);
			return;
		}
		/* many servers close without close_notify: an end all the same */
		if (n == 0 || n == GNUTLS_E_PREMATURE_TERMINATION) {
			hc_http_eof(h, p);
			return;
		}
		if (n < 0) {
			tls_failed(h, p, "receive", (int)n);
			return;
		}
		char err[LVS_HEALTH_ERROR_MAX];
		unsigned reason = LVS_HR_NONE, code = 0;
		int v = hc_http_feed(p, h->scratch, (size_t)n, &reason, &code, err, sizeof(err));
		if (v > 0) {
			hc_finish(h, p, true, LVS_HR_NONE, 0, NULL);
			return;
		}
		if (v < 0) {
			hc_finish(h, p, false, reason, code, "%s", err);
			return;
		}
	}
}

static void https_send(struct lvs_health_engine *h, struct hc_probe *p)
{
	struct hc_io *io = p->io;
	while (io->sent < io->req_len) {
		ssize_t n = gnutls_record_send(io->tls, io->req + io->sent, io->req_len - io->sent);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
			tls_wait(h, p);
			return;
		}
		if (n < 0) {
			tls_failed(h, p, "send", (int)n);
			return;
		}
		p->io->sent += (size_t)n;
	}
	p->io->step = HC_STEP_RECV;
	https_recv(h, p);
}

static void https_handshake(struct lvs_health_engine *h, struct hc_probe *p)
{
	int r = gnutls_handshake(p->io->tls);
	if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
		tls_wait(h, p);
		return;
	}
	if (r < 0) {
		tls_failed(h, p, "handshake", r);
		return;
	}
	p->io->step = HC_STEP_SEND;
	https_send(h, p);
}

static void https_connected(struct lvs_health_engine *h, struct hc_probe *p)
{
	p->io->step = HC_STEP_HANDSHAKE;
	if (p->t->tls_cred_err) {
		hc_finish(h, p, false, LVS_HR_TLS, 0, "no trusted CA from %s: %s",
		          p->io->spec.tls_ca_file ? p->io->spec.tls_ca_file : "the system",
		          gnutls_strerror(p->t->tls_cred_err));
		return;
	}
	gnutls_session_t s;
	int r = gnutls_init(&s, GNUTLS_CLIENT | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL);
	if (r < 0) {
		hc_finish(h, p, false, LVS_HR_LOCAL, 0, "TLS init: %s", gnutls_strerror(r));
		return;
	}
	p->io->tls = s;
	char buf[256];
	const char *name = server_name(p, buf, sizeof(buf));
	if ((r = gnutls_set_default_priority(s)) < 0 ||
	    (r = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, p->t->tls_cred)) < 0 ||
	    (name && (r = gnutls_server_name_set(s, GNUTLS_NAME_DNS, name, strlen(name))) < 0)) {
		hc_finish(h, p, false, LVS_HR_LOCAL, 0, "TLS setup: %s", gnutls_strerror(r));
		return;
	}
	if (p->io->spec.tls_verify)
		gnutls_session_set_verify_cert(s, name, 0);
	gnutls_transport_set_int(s, p->io->fd);
	gnutls_handshake_set_timeout(s, 0); /* ours is the probe's timeout */
	https_handshake(h, p);
}

static void https_start(struct lvs_health_engine *h, struct hc_probe *p)
{
	hc_stream_start(h, p, https_connected);
}

static void https_io(struct lvs_health_engine *h, struct hc_probe *p, uint32_t events)
{
	switch (p->io->step) {
	case HC_STEP_CONNECT:
		if (hc_stream_connect_io(h, p, events) > 0)
			https_connected(h, p);
		return;
	case HC_STEP_HANDSHAKE:
		https_handshake(h, p);
		return;
	case HC_STEP_SEND:
		https_send(h, p);
		return;
	default:
		https_recv(h, p);
		return;
	}
}

const struct hc_kind hc_kind_https = {
	.name = "https",
	.check = https_check,
	.tmpl_prepare = https_tmpl_prepare,
	.tmpl_release = https_tmpl_release,
	.prepare = hc_http_prepare,
	.release = hc_http_release,
	.start = https_start,
	.io = https_io,
	.expire = hc_http_expire,
	.cancel = https_cancel,
};
