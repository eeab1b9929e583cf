#include "clock.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

time_t clock_now(void)
{
    return time(NULL);
}

time_t clock_build_time(int *from_env)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    char *end;
    if (sde && *sde) {
        errno = 0;
        long long v = strtoll(sde, &end, 10);
        if (!*end && errno == 0 && v >= 0) {
            if (from_env)
                *from_env = 1;
            return (time_t)v;
        }
    }
    if (from_env)
        *from_env = 0;
    return time(NULL);
}

void clock_iso(time_t t, char out[CLOCK_ISO_LEN])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, CLOCK_ISO_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void clock_day(time_t t, char out[CLOCK_DAY_LEN])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, CLOCK_DAY_LEN, "%Y-%m-%d", &tm);
}

void clock_local(time_t t, int with_zone, char *out, size_t size)
{
    struct tm tm;
    localtime_r(&t, &tm);
    if (!strftime(out, size, with_zone ? "%Y-%m-%d %H:%M %Z" : "%Y-%m-%d %H:%M", &tm) && size)
        out[0] = 0;
}

int clock_parse_iso(const char *s, time_t *t)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    if (strlen(s) != sizeof shape - 1)
        return -1;
    for (size_t i = 0; shape[i]; i++)
        if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
            return -1;
    struct tm tm = {0};
    tm.tm_year = atoi(s) - 1900;
    tm.tm_mon = atoi(s + 5) - 1;
    tm.tm_mday = atoi(s + 8);
    tm.tm_hour = atoi(s + 11);
    tm.tm_min = atoi(s + 14);
    tm.tm_sec = atoi(s + 17);
    time_t v = timegm(&tm);
    char back[CLOCK_ISO_LEN];
    clock_iso(v, back);
    if (strcmp(back, s)) /* 2026-02-30 and 25:00 normalise to another time */
        return -1;
    *t = v;
    return 0;
}
