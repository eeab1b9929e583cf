/* mail: sealed requests that arrive by email (DESIGN §2): an mbox file of
 * several messages or one message (.eml), as the administrator's mail
 * program saves them.
 *
 * Reads RFC 5322 headers (folded lines too), MIME multipart bodies (nested,
 * message/rfc822 included), the quoted-printable and base64 transfer
 * encodings, CRLF or LF line ends, replies that quote the armored text with
 * "> " (any depth), and .peerreq attachments, armored or binary. HTML parts
 * are skipped: mail programs send the same text as text/plain beside them.
 * Everything here is from outside: nothing is trusted, nothing is printed;
 * the caller gets envelopes (or why one is damaged) and the messages that
 * hold none, with their position. */
#ifndef PEERKIT_MAIL_H
#define PEERKIT_MAIL_H

#include <stddef.h>

/* 1 if text is an mbox ("From " first line) or starts with a block of mail
 * headers that names a sender, a subject or a MIME part. */
int mail_detect(const char *text, size_t len);

/* An envelope found in message `message` (1-based), the pos-th request in
 * it, near file line `line`; env is NULL and problem says why when it is
 * damaged. */
typedef void (*mail_request_fn)(void *ctx, size_t message, size_t pos, int line,
                                const unsigned char *env, size_t len, const char *problem);
/* A message with no request at all; subject is its raw Subject header (from
 * outside: escape it before printing) or NULL. */
typedef void (*mail_empty_fn)(void *ctx, size_t message, int line, const char *subject);

/* Calls the functions for every message in order; returns how many
 * messages there were. */
size_t mail_scan(const char *text, size_t len, mail_request_fn found, mail_empty_fn empty,
                 void *ctx);

#endif
