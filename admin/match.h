/* match: which supporters to offer a request, best first, and why.
 *
 * Rules (DESIGN §6), in order:
 *  - never a supporter who is not accepting;
 *  - never one from the requester's department (compared without case,
 *    spacing, punctuation or the accents of Latin letters) unless the
 *    request asks for its own (its field same_department is "yes"). Naming
 *    a supporter from one's own department does not: the requester may not
 *    know where they work, and the reason says "named by the requester, but
 *    from the requester's department";
 *  - then points: same career stage 30, one step apart on the seniority
 *    scale (the order of roles) 20, two 10; a shared modality 20; a shared
 *    language 15; minus 5 per open assignment;
 *  - a supporter the requester named comes first when eligible (+1000):
 *    named by slug, or by their full name among the words the requester
 *    wrote, without regard to case, accents or titles ("Dr. Tomas Novak,
 *    MD" names Tomás Novák).
 * Ties go to the supporter with fewer open assignments, then by slug, so the
 * order is deterministic. The request's fields are hostile: they are only
 * compared, never trusted. */
#ifndef PEERKIT_MATCH_H
#define PEERKIT_MATCH_H

#include <jansson.h>

/* supporters: the supporters.json document ({roles, supporters}); fields:
 * the request's field values; loads: {slug: open assignments}.
 * Returns {ranked: [{supporter, name, score, reasons: [..]}], excluded:
 * [{supporter, name, reasons}]} (caller decrefs). */
json_t *match_rank(json_t *supporters, json_t *fields, json_t *loads);

/* The supporter whose slug is slug, or NULL (borrowed). */
json_t *match_find(json_t *supporters, const char *slug);

#endif
