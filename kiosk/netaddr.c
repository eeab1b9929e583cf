#include "netaddr.h"

#include <netinet/in.h>
#include <stdio.h>
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

bool netaddr_canonical(const char *text, char out[INET6_ADDRSTRLEN])
{
    struct in_addr v4;
    struct in6_addr v6;
    out[0] = '\0';
    if (inet_pton(AF_INET, text, &v4) == 1)
        return inet_ntop(AF_INET, &v4, out, INET6_ADDRSTRLEN) != NULL;
    if (inet_pton(AF_INET6, text, &v6) != 1)
        return false;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) {
        memcpy(&v4, v6.s6_addr + 12, 4);
        return inet_ntop(AF_INET, &v4, out, INET6_ADDRSTRLEN) != NULL;
    }
    return inet_ntop(AF_INET6, &v6, out, INET6_ADDRSTRLEN) != NULL;
}

static bool is_trusted(const char *addr, const char *const *trusted, size_t ntrusted)
{
    for (size_t i = 0; i < ntrusted; i++)
        if (!strcmp(addr, trusted[i]))
            return true;
    return false;
}

void netaddr_forwarded_client(const char *peer, const char *forwarded, const char *const *trusted,
                              size_t ntrusted, char out[INET6_ADDRSTRLEN])
{
    snprintf(out, INET6_ADDRSTRLEN, "%s", peer);
    if (!forwarded || !is_trusted(peer, trusted, ntrusted))
        return;
    const char *end = forwarded + strlen(forwarded);
    while (end > forwarded) {
        const char *start = end;
        while (start > forwarded && start[-1] != ',')
            start--;
        const char *a = start, *b = end;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        char entry[INET6_ADDRSTRLEN + 8], canon[INET6_ADDRSTRLEN];
        if ((size_t)(b - a) >= sizeof entry)
            return;
        memcpy(entry, a, (size_t)(b - a));
        entry[b - a] = '\0';
        if (!netaddr_canonical(entry, canon))
            return; /* not an address: the last proxy's counts */
        snprintf(out, INET6_ADDRSTRLEN, "%s", canon);
        if (!is_trusted(canon, trusted, ntrusted))
            return;
        end = start > forwarded ? start - 1 : forwarded;
    }
}

void netaddr_client(struct MHD_Connection *conn, char out[INET6_ADDRSTRLEN])
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (!info || !info->client_addr)
        return;
    const struct sockaddr *sa = info->client_addr;
    char text[INET6_ADDRSTRLEN] = "";
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, text,
                  sizeof text);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, text,
                  sizeof text);
    netaddr_canonical(text, out); /* an IPv4-mapped address as IPv4 */
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
