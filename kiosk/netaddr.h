/* netaddr: the listening address given on the command line and the client
 * address of a connection, for the drop box, and whether a client is this
 * machine, for the kiosk's form (kiosk/server.c has its own copies of the
 * first two until its hardening branch lands; both follow the same rules). */
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

/* True for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104; false for any other
 * address, and for NULL. */
bool netaddr_is_loopback(const struct sockaddr *sa);

/* True when the connection's peer is on this machine (netaddr_is_loopback). */
bool netaddr_client_is_loopback(struct MHD_Connection *conn);

#endif
