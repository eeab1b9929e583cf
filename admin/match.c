#include "match.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

#define NAMED_BONUS 1000

/* The base letters of U+00C0..U+017F (Latin-1 Supplement and Latin
 * Extended-A), one per code point: '-' for the two signs among them (the
 * multiplication and division signs), '*' for the letters written with two
 * (see pair()). */
static const char latin[] = "aaaaaa*ceeeeiiii"  /* U+00C0 */
                            "dnooooo-ouuuuy**"  /* U+00D0 */
                            "aaaaaa*ceeeeiiii"  /* U+00E0 */
                            "dnooooo-ouuuuy*y"  /* U+00F0 */
                            "aaaaaaccccccccdd"  /* U+0100 */
                            "ddeeeeeeeeeegggg"  /* U+0110 */
                            "gggghhhhiiiiiiii"  /* U+0120 */
                            "ii**jjkkklllllll"  /* U+0130 */
                            "lllnnnnnnnnnoooo"  /* U+0140 */
                            "oo**rrrrrrssssss"  /* U+0150 */
                            "ssttttttuuuuuuuu"  /* U+0160 */
                            "uuuuwwyyyzzzzzzs"; /* U+0170 */
_Static_assert(sizeof latin == 0x180 - 0xC0 + 1, "one letter per code point");

static const char *pair(long cp)
{
    switch (cp) {
    case 0xC6:
    case 0xE6: return "ae";
    case 0xDE:
    case 0xFE: return "th";
    case 0xDF: return "ss";
    case 0x132:
    case 0x133: return "ij";
    default: return "oe"; /* U+0152, U+0153 */
    }
}

/* Decodes the UTF-8 sequence at s (n bytes left) into *cp and returns its
 * length; a byte that starts no valid sequence is one byte with *cp -1. */
static size_t utf8_next(const unsigned char *s, size_t n, long *cp)
{
    size_t len = s[0] < 0x80                   ? 1
                 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2
                 : s[0] >= 0xE0 && s[0] < 0xF0 ? 3
                 : s[0] >= 0xF0 && s[0] < 0xF5 ? 4
                                               : 0;
    long v = len == 1 ? s[0] : len == 2 ? s[0] & 0x1F : len == 3 ? s[0] & 0x0F : s[0] & 0x07;
    if (len == 0 || len > n) {
        *cp = -1;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = -1;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    static const long least[] = {0, 0, 0x80, 0x800, 0x10000};
    *cp = v < least[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) ? -1 : v;
    return len;
}

/* Names and departments as people type them: letters and digits in lower
 * case, Latin letters without their accents ("Médecine" is "medecine",
 * "Æ" is "ae"), combining accents dropped, and everything else (spaces,
 * punctuation, dashes, quotes) a break between words. Letters of other
 * scripts are kept as they are. With words set, the words are separated by
 * one space; without, they are run together, so "Emergency  medicine" and
 * "emergency-Médicine" compare equal. Caller frees. */
static char *fold_text(const char *s, int words)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t n = strlen((const char *)p);
    struct buf out = BUF_INIT;
    int gap = 0;
    buf_puts(&out, "");
    for (size_t i = 0; i < n;) {
        long cp;
        size_t len = utf8_next(p + i, n - i, &cp);
        char one[2] = {0};
        const char *letters = NULL;
        if (cp >= 0 && cp < 0x80 && isalnum((int)cp)) {
            one[0] = (char)tolower((int)cp);
            letters = one;
        } else if (cp >= 0xC0 && cp <= 0x17F && latin[cp - 0xC0] != '-') {
            one[0] = latin[cp - 0xC0];
            letters = one[0] == '*' ? pair(cp) : one;
        } else if (cp >= 0x300 && cp <= 0x36F) {
            i += len; /* a combining accent belongs to the letter before it */
            continue;
        } else if (cp >= 0x180 && !(cp >= 0x2000 && cp <= 0x206F) && cp != 0x3000 && cp != 0xFEFF) {
            letters = ""; /* another script: kept as written */
        }
        if (!letters) {
            gap = 1;
        } else {
            if (gap && words && out.len)
                buf_putc(&out, ' ');
            gap = 0;
            if (*letters)
                buf_puts(&out, letters);
            else
                buf_append(&out, p + i, len);
        }
        i += len;
    }
    return buf_detach(&out);
}

static char *fold(const char *s)
{
    return fold_text(s, 0);
}

static int same_folded(const char *a, const char *b)
{
    char *x = fold(a), *y = fold(b);
    int same = *x && !strcmp(x, y);
    free(x);
    free(y);
    return same;
}

/* Titles and credentials written around a name ("Dr. Amara Okafor, MD"):
 * not part of it. */
static int title_word(const char *w, size_t n)
{
    static const char *const titles[] = {"dr",  "doctor", "prof", "professor", "mr",   "mrs", "ms",
                                         "mx",  "md",     "do",   "phd",       "rn",   "np",  "pa",
                                         "dnp", "msn",    "mph",  "lcsw",      "psyd", NULL};
    for (size_t i = 0; titles[i]; i++)
        if (strlen(titles[i]) == n && !memcmp(titles[i], w, n))
            return 1;
    return 0;
}

/* The folded words of a name without titles, each between spaces
 * (" amara okafor "), so that one name can be looked for inside another
 * word by word. Caller frees. */
static char *name_words(const char *s)
{
    char *folded = fold_text(s, 1), *w = folded;
    struct buf out = BUF_INIT;
    buf_putc(&out, ' ');
    while (*w) {
        size_t n = strcspn(w, " ");
        if (!title_word(w, n)) {
            buf_append(&out, w, n);
            buf_putc(&out, ' ');
        }
        w += n + (w[n] == ' ');
    }
    free(folded);
    return buf_detach(&out);
}

/* The requester named this supporter: by slug, or by the supporter's full
 * name among what they wrote, in any case, with or without accents and
 * titles ("Dr. Tomas Novak" names Tomás Novák; "Lucia Ferreira, MD" names
 * Lucía Ferreira). Whole words only: "Susana Albano" does not name Ana
 * Alba. */
static int named(json_t *s, const char *asked)
{
    if (!asked || !*asked)
        return 0;
    char *a = name_words(asked), *name = name_words(json_string_value(json_object_get(s, "name")));
    int hit = same_folded(asked, json_string_value(json_object_get(s, "slug"))) ||
              (strcmp(name, " ") && strstr(a, name));
    free(a);
    free(name);
    return hit;
}

static long role_index(json_t *roles, const char *id)
{
    size_t i;
    json_t *r;
    json_array_foreach (roles, i, r)
        if (id && !strcmp(json_string_value(json_object_get(r, "id")) ?: "", id))
            return (long)i;
    return -1;
}

static const char *role_label(json_t *roles, const char *id)
{
    long i = role_index(roles, id);
    const char *l =
        i < 0 ? NULL : json_string_value(json_object_get(json_array_get(roles, i), "label"));
    return l ? l : id;
}

/* The request's wanted modalities as a list (a single string counts too). */
static json_t *wanted_modalities(json_t *fields)
{
    json_t *m = json_object_get(fields, "modality");
    if (json_is_string(m)) {
        json_t *a = json_array();
        json_array_append(a, m);
        return a;
    }
    return json_is_array(m) ? json_incref(m) : json_array();
}

static int has_string(json_t *list, const char *s, int folded)
{
    size_t i;
    json_t *v;
    json_array_foreach (list, i, v) {
        const char *x = json_string_value(v);
        if (x && s && (folded ? same_folded(x, s) : !strcmp(x, s)))
            return 1;
    }
    return 0;
}

static void reason(json_t *reasons, const char *fmt, const char *arg)
{
    struct buf b = BUF_INIT;
    buf_printf(&b, fmt, arg ? arg : "");
    json_array_append_new(reasons, json_string(b.data));
    buf_free(&b);
}

/* Scores one eligible supporter; adds the reasons. */
static long score(json_t *roles, json_t *s, json_t *fields, json_t *want, long load, int is_named,
                  json_t *reasons)
{
    long points = 0;
    if (is_named) {
        points += NAMED_BONUS;
        reason(reasons, "named by the requester%s", "");
    }
    const char *rrole = json_string_value(json_object_get(fields, "role"));
    const char *srole = json_string_value(json_object_get(s, "role"));
    long a = role_index(roles, rrole), b = role_index(roles, srole);
    if (a >= 0 && b >= 0) {
        long dist = labs(a - b);
        if (dist == 0) {
            points += 30;
            reason(reasons, "same career stage (%s)", role_label(roles, srole));
        } else if (dist <= 2) {
            points += dist == 1 ? 20 : 10;
            struct buf t = BUF_INIT;
            buf_printf(&t, "%s, %ld step%s from the requester", role_label(roles, srole), dist,
                       dist == 1 ? "" : "s");
            reason(reasons, "similar career stage (%s)", t.data);
            buf_free(&t);
        } else {
            reason(reasons, "different career stage (%s)", role_label(roles, srole));
        }
    } else {
        reason(reasons, "career stage not compared (%s)", a < 0 ? "not given" : "unknown role");
    }
    json_t *offers = json_object_get(s, "modalities");
    struct buf shared = BUF_INIT;
    size_t i;
    json_t *m;
    json_array_foreach (want, i, m)
        if (has_string(offers, json_string_value(m), 0))
            buf_printf(&shared, "%s%s", shared.len ? ", " : "", json_string_value(m));
    if (shared.len) {
        points += 20;
        reason(reasons, "offers %s", shared.data);
    } else if (json_array_size(want)) {
        reason(reasons, "offers none of the modalities asked for%s", "");
    }
    buf_free(&shared);
    const char *lang = json_string_value(json_object_get(fields, "language"));
    if (lang && *lang) {
        if (has_string(json_object_get(s, "languages"), lang, 1)) {
            points += 15;
            reason(reasons, "speaks %s", lang);
        } else {
            reason(reasons, "does not list %s", lang);
        }
    }
    points -= 5 * load;
    struct buf t = BUF_INIT;
    buf_printf(&t, "%ld open assignment%s", load, load == 1 ? "" : "s");
    reason(reasons, "%s", t.data);
    buf_free(&t);
    return points;
}

static int by_rank(const void *x, const void *y)
{
    json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
    json_int_t sa = json_integer_value(json_object_get(a, "score"));
    json_int_t sb = json_integer_value(json_object_get(b, "score"));
    if (sa != sb)
        return sa > sb ? -1 : 1;
    json_int_t la = json_integer_value(json_object_get(a, "load"));
    json_int_t lb = json_integer_value(json_object_get(b, "load"));
    if (la != lb)
        return la < lb ? -1 : 1;
    return strcmp(json_string_value(json_object_get(a, "supporter")),
                  json_string_value(json_object_get(b, "supporter")));
}

json_t *match_find(json_t *supporters, const char *slug)
{
    size_t i;
    json_t *s;
    json_array_foreach (json_object_get(supporters, "supporters"), i, s)
        if (slug && !strcmp(json_string_value(json_object_get(s, "slug")) ?: "", slug))
            return s;
    return NULL;
}

json_t *match_rank(json_t *supporters, json_t *fields, json_t *loads)
{
    json_t *roles = json_object_get(supporters, "roles"), *want = wanted_modalities(fields);
    json_t *excluded = json_array(), *s;
    const char *dept = json_string_value(json_object_get(fields, "department"));
    const char *asked = json_string_value(json_object_get(fields, "supporter"));
    const char *own = json_string_value(json_object_get(fields, "same_department"));
    size_t n = json_array_size(json_object_get(supporters, "supporters")), k = 0, i;
    json_t **ranked = xcalloc(n ? n : 1, sizeof *ranked);
    json_array_foreach (json_object_get(supporters, "supporters"), i, s) {
        const char *slug = json_string_value(json_object_get(s, "slug"));
        json_t *reasons = json_array();
        int is_named = named(s, asked);
        json_t *acc = json_object_get(s, "accepting");
        int same_dept =
            dept && same_folded(dept, json_string_value(json_object_get(s, "department")));
        if (acc && !json_is_true(acc)) {
            reason(reasons, "%snot accepting new requests",
                   is_named ? "named by the requester, but " : "");
        } else if (same_dept && !(own && !strcmp(own, "yes"))) {
            /* Naming someone is not asking for one's own department: the
             * requester may not know where the supporter works. */
            reason(reasons,
                   is_named ? "named by the requester, but from the requester's department (%s)"
                            : "same department as the requester (%s)",
                   json_string_value(json_object_get(s, "department")));
        } else {
            if (same_dept)
                reason(reasons, "same department, as the request asks%s", "");
            long load = (long)json_integer_value(json_object_get(loads, slug));
            long points = score(roles, s, fields, want, load, is_named, reasons);
            ranked[k++] = json_pack("{s:s, s:O, s:I, s:o, s:I}", "supporter", slug, "name",
                                    json_object_get(s, "name"), "score", (json_int_t)points,
                                    "reasons", reasons, "load", (json_int_t)load);
            continue;
        }
        json_array_append_new(excluded, json_pack("{s:s, s:O, s:o}", "supporter", slug, "name",
                                                  json_object_get(s, "name"), "reasons", reasons));
    }
    qsort(ranked, k, sizeof *ranked, by_rank);
    json_t *list = json_array();
    for (i = 0; i < k; i++) {
        json_object_del(ranked[i], "load");
        json_array_append_new(list, ranked[i]);
    }
    free(ranked);
    json_decref(want);
    return json_pack("{s:o, s:o}", "ranked", list, "excluded", excluded);
}
