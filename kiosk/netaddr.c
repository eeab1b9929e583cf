#include "netaddr.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

int netaddr_parse_listen(const char *option, const char *text, struct sockaddr_storage *ss,
                         struct diag *d)
{
    char host[64];
    const char *colon = strrchr(text, ':');
    const char *host_start = text, *host_end = colon;
    if (!colon || !colon[1])
        goto bad;
    char *stop;
    unsigned long port = strtoul(colon + 1, &stop, 10);
    if (*stop || port > 65535)
        goto bad;
    if (*text == '[') {
        host_start = text + 1;
        if (colon == text || colon[-1] != ']')
            goto bad;
        host_end = colon - 1;
    }
    if (host_end < host_start || (size_t)(host_end - host_start) >= sizeof host)
        goto bad;
    memcpy(host, host_start, (size_t)(host_end - host_start));
    host[host_end - host_start] = '\0';
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (!host[0] || inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        if (!host[0])
            v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        return 0;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        return 0;
    }
bad:
    diag_error(d, option, 0, 0, "expected ADDRESS:PORT such as 127.0.0.1:8080, got \"%s\"", text);
    return -1;
}

void netaddr_client(struct MHD_Connection *conn, char out[INET6_ADDRSTRLEN])
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (!info || !info->client_addr)
        return;
    const struct sockaddr *sa = info->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  INET6_ADDRSTRLEN);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  INET6_ADDRSTRLEN);
}

bool netaddr_is_loopback(const struct sockaddr *sa)
{
    if (!sa)
        return false;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)(const void *)sa;
        return (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a))
            return true;
        return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
    }
    return false;
}

bool netaddr_client_is_loopback(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    return info && netaddr_is_loopback(info->client_addr);
}
