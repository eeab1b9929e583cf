#include "promise.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int promise_parse(const char *text, struct promise *out)
{
    char *end;
    if (!text || !isdigit((unsigned char)text[0]))
        return -1;
    long n = strtol(text, &end, 10);
    if (*end != ' ')
        return -1;
    end++;
    int business;
    if (!strcmp(end, "hour") || !strcmp(end, "hours"))
        business = 0;
    else if (!strcmp(end, "business day") || !strcmp(end, "business days"))
        business = 1;
    else
        return -1;
    /* "1 hours" and "3 business day" are typos an editor should fix. */
    if ((n == 1) != (end[strlen(end) - 1] != 's'))
        return -1;
    if (n < 1 || n > (business ? 30 : 720))
        return -1;
    out->amount = (int)n;
    out->business = business;
    return 0;
}

static int weekend(const struct tm *tm)
{
    return tm->tm_wday == 0 || tm->tm_wday == 6; /* Sunday, Saturday */
}

/* Moves tm to the next calendar day, keeping its time of day (the date
 * is worked out at noon, which no daylight-saving change skips). */
static void next_day(struct tm *tm)
{
    struct tm noon = *tm;
    noon.tm_mday++;
    noon.tm_hour = 12;
    noon.tm_min = noon.tm_sec = 0;
    noon.tm_isdst = -1;
    mktime(&noon);
    tm->tm_year = noon.tm_year;
    tm->tm_mon = noon.tm_mon;
    tm->tm_mday = noon.tm_mday;
    tm->tm_wday = noon.tm_wday;
}

time_t promise_deadline(const struct promise *p, time_t start)
{
    if (!p->business)
        return start + (time_t)p->amount * 3600;
    struct tm tm;
    localtime_r(&start, &tm);
    if (weekend(&tm)) {
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        do
            next_day(&tm);
        while (weekend(&tm));
    }
    for (int i = 0; i < p->amount; i++) {
        do
            next_day(&tm);
        while (weekend(&tm));
    }
    tm.tm_isdst = -1;
    return mktime(&tm);
}

void promise_text(const struct promise *p, char *out, size_t size)
{
    if (p->business && p->amount == 1)
        snprintf(out, size, "within one business day");
    else
        snprintf(out, size, "within %d %s", p->amount,
                 p->business ? "business days" : (p->amount == 1 ? "hour" : "hours"));
}
