/* netaddr: the listening address given on the command line and the client
 * address of a connection (behind a named proxy, from X-Forwarded-For), for
 * the drop box, and whether a client is this machine, for the kiosk's form (kiosk/server.c has its
 * own copies of the first two until its hardening branch lands; both follow the same rules). */
#ifndef PEERKIT_NETADDR_H
#define PEERKIT_NETADDR_H

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "diag.h"

/* "127.0.0.1:8080", "[::1]:8080" or ":8080" (loopback); the error names
 * the option. */
int netaddr_parse_listen(const char *option, const char *text, struct sockaddr_storage *ss,
                         struct diag *d);

/* The client's address as text ("" when unknown). */
void netaddr_client(struct MHD_Connection *conn, char out[INET6_ADDRSTRLEN]);

/* The canonical text of an IPv4 or IPv6 address (an IPv4-mapped IPv6
 * address as IPv4), or false when text is not one. */
bool netaddr_canonical(const char *text, char out[INET6_ADDRSTRLEN]);

/* The address a request counts against for rate limits. peer (canonical)
 * unless it is one of the trusted proxies (canonical addresses): then
 * X-Forwarded-For (forwarded, may be NULL) is read from the right, and the
 * first address in it that is not a trusted proxy is the client. An entry
 * that is not an address ends the walk: the address to its right (the last
 * proxy's) counts. A client cannot choose its own address this way: only
 * what the named proxies appended is believed. */
void netaddr_forwarded_client(const char *peer, const char *forwarded, const char *const *trusted,
                              size_t ntrusted, char out[INET6_ADDRSTRLEN]);

/* True for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104; false for any other
 * address, and for NULL. */
bool netaddr_is_loopback(const struct sockaddr *sa);

/* True when the connection's peer is on this machine (netaddr_is_loopback). */
bool netaddr_client_is_loopback(struct MHD_Connection *conn);

#endif
