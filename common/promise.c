#include "promise.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400

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

static int weekday(time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    return tm.tm_wday; /* 0 Sunday .. 6 Saturday */
}

static int weekend(time_t t)
{
    int w = weekday(t);
    return w == 0 || w == 6;
}

time_t promise_deadline(const struct promise *p, time_t start)
{
    if (!p->business)
        return start + (time_t)p->amount * 3600;
    time_t t = start;
    if (weekend(t)) {
        t -= t % DAY; /* midnight UTC */
        while (weekend(t))
            t += DAY;
    }
    for (int i = 0; i < p->amount; i++) {
        t += DAY;
        while (weekend(t))
            t += DAY;
    }
    return t;
}

void promise_text(const struct promise *p, char *out, size_t size)
{
    if (p->business && p->amount == 1)
        snprintf(out, size, "within one business day");
    else
        snprintf(out, size, "within %d %s", p->amount,
                 p->business ? "business days" : (p->amount == 1 ? "hour" : "hours"));
}
