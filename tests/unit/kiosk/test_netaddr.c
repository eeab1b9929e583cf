/* Unit tests for kiosk/netaddr.c: which client addresses are this machine
 * (only they may post the kiosk's form in plaintext), and the listening
 * address given on the command line. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loopback),
        cmocka_unit_test(test_parse_listen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
