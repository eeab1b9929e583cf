/* handoff: the note the coordinator passes to the assigned supporter.
 *
 * It carries only what the supporter needs to reach out: how to reach the
 * requester (name, email, phone, pager), the preferred modality, language
 * and career stage, whether a colleague made the request, and a neutral
 * first message (subject "Touching base") in which the supporter introduces
 * themself as a member of the program. Never the free-text note, the reason
 * or any other field: an allow-list, so a field added to the form later
 * stays out until someone decides otherwise. Every value from the request is
 * made terminal-safe (common/termsafe.h). */
#ifndef PEERKIT_HANDOFF_H
#define PEERKIT_HANDOFF_H

#include <jansson.h>

#include "buf.h"
#include "sitedata.h"

/* request: an intake_get object; supporter: its supporters.json entry;
 * sd gives labels (may hold no data). Appends the note to out. */
void handoff_note(json_t *request, json_t *supporter, const struct sitedata *sd, struct buf *out);

#endif
