/* Unit tests for kiosk/netaddr.c: which client addresses are this machine
 * (only they may post the kiosk's form in plaintext), the listening address
 * given on the command line, and the client's address behind a named proxy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <string.h>

#include "diag_assert.h"
#include "netaddr.h"

/* Is the address in text (IPv4 or IPv6) loopback? */
static bool loopback(const char *text)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, text, &v4->sin_addr) == 1)
        v4->sin_family = AF_INET;
    else if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1)
        v6->sin6_family = AF_INET6;
    else
        fail_msg("not an address: %s", text);
    return netaddr_is_loopback((const struct sockaddr *)&ss);
}

static void test_loopback(void **state)
{
    (void)state;
    const char *yes[] = {"127.0.0.1", "127.1.2.3", "127.255.255.254", "::1", "::ffff:127.0.0.1"};
    const char *no[] = {"192.0.2.2",       "10.0.0.1",    "0.0.0.0",      "128.0.0.1",
                        "126.255.255.255", "::",          "::2",          "fe80::1",
                        "::ffff:10.0.0.1", "::127.0.0.1", "2001:db8::127"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!loopback(yes[i]))
            fail_msg("expected %s to be loopback", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (loopback(no[i]))
            fail_msg("expected %s not to be loopback", no[i]);
    assert_false(netaddr_is_loopback(NULL));
    struct sockaddr unix_addr = {.sa_family = AF_UNIX};
    assert_false(netaddr_is_loopback(&unix_addr));
}

static void test_parse_listen(void **state)
{
    (void)state;
    struct sockaddr_storage ss;
    struct diag d = DIAG_INIT;
    assert_int_equal(netaddr_parse_listen("--listen", ":8080", &ss, &d), 0);
    assert_true(netaddr_is_loopback((const struct sockaddr *)&ss));
    assert_int_equal(netaddr_parse_listen("--listen", "[::1]:8080", &ss, &d), 0);
    assert_true(netaddr_is_loopback((const struct sockaddr *)&ss));
    assert_int_equal(netaddr_parse_listen("--listen", "0.0.0.0:8080", &ss, &d), 0);
    assert_false(netaddr_is_loopback((const struct sockaddr *)&ss));
    assert_int_equal(netaddr_parse_listen("--listen", "8080", &ss, &d), -1);
    expect_message(&d, "--listen: expected ADDRESS:PORT");
    diag_free(&d);
}

static void expect_client(const char *peer, const char *forwarded, const char *want)
{
    static const char *const proxies[] = {"127.0.0.1", "10.0.0.5"};
    char got[INET6_ADDRSTRLEN];
    netaddr_forwarded_client(peer, forwarded, proxies, 2, got);
    if (strcmp(got, want))
        fail_msg("peer %s, X-Forwarded-For \"%s\": expected %s, got %s", peer,
                 forwarded ? forwarded : "(none)", want, got);
}

/* X-Forwarded-For counts only from a named proxy, read from the right, so a
 * client cannot pick the address its requests count against. */
static void test_forwarded_client(void **state)
{
    (void)state;
    expect_client("127.0.0.1", "203.0.113.7", "203.0.113.7");
    expect_client("127.0.0.1", " 203.0.113.7 ", "203.0.113.7");
    expect_client("127.0.0.1", NULL, "127.0.0.1");
    /* Not from a named proxy: the header is the client's own words. */
    expect_client("192.0.2.9", "203.0.113.7", "192.0.2.9");
    /* What the client wrote first is ignored: the proxy appended the truth. */
    expect_client("127.0.0.1", "198.51.100.1, 203.0.113.7", "203.0.113.7");
    /* Through two named proxies. */
    expect_client("127.0.0.1", "203.0.113.7, 10.0.0.5", "203.0.113.7");
    expect_client("127.0.0.1", "198.51.100.1,203.0.113.7,10.0.0.5", "203.0.113.7");
    /* Junk ends the walk at the last proxy. */
    expect_client("127.0.0.1", "203.0.113.7, junk", "127.0.0.1");
    expect_client("127.0.0.1", "203.0.113.7, junk, 10.0.0.5", "10.0.0.5");
    expect_client("127.0.0.1", "", "127.0.0.1");
    expect_client("127.0.0.1", "203.0.113.7:4711", "127.0.0.1");
    /* Canonical forms compare equal. */
    expect_client("127.0.0.1", "2001:DB8:0:0::1", "2001:db8::1");
    expect_client("127.0.0.1", "::ffff:203.0.113.7", "203.0.113.7");
    char canon[INET6_ADDRSTRLEN];
    assert_true(netaddr_canonical("::ffff:127.0.0.1", canon));
    assert_string_equal(canon, "127.0.0.1");
    assert_false(netaddr_canonical("localhost", canon));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loopback),
        cmocka_unit_test(test_parse_listen),
        cmocka_unit_test(test_forwarded_client),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
