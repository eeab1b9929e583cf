/* libFuzzer target: a decrypted request's fields (hostile: anyone holding
 * admin.pub can seal any bytes) through everything the coordinator's
 * workflow does with them: matching, the hand-off note, the statistics and
 * their three writers. Also the response promise parser on the same bytes. */
#include <stdint.h>
#include <string.h>

#include "handoff.h"
#include "match.h"
#include "promise.h"
#include "stats.h"

static const char directory[] =
    "{\"version\": 1, \"roles\": [{\"id\": \"faculty\", \"label\": \"Attending\"},"
    " {\"id\": \"resident\", \"label\": \"Resident\"}], \"supporters\": ["
    " {\"slug\": \"ana\", \"name\": \"Ana\", \"role\": \"resident\", \"department\": \"Surgery\","
    "  \"modalities\": [\"phone\"], \"languages\": [\"English\"]},"
    " {\"slug\": \"ben\", \"name\": \"Ben\", \"role\": \"faculty\", \"department\": \"Medicine\","
    "  \"modalities\": [\"video\"], \"accepting\": false}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = strndup((const char *)data, size);
    struct promise p;
    if (text && promise_parse(text, &p) == 0)
        promise_deadline(&p, 1767225600);
    free(text);
    json_t *fields = json_loadb((const char *)data, size, 0, NULL);
    if (!fields)
        return 0;
    struct sitedata sd = {0};
    sd.supporters = json_loads(directory, 0, NULL);
    json_t *m = match_rank(sd.supporters, fields, NULL);
    json_t *req = json_pack("{s:s, s:O}", "reference", "ABCD-EFGH", "fields", fields);
    struct buf out = BUF_INIT;
    handoff_note(req, json_array_get(json_object_get(sd.supporters, "supporters"), 0), &sd, &out);
    json_t *rows = json_pack("[{s:s, s:s, s:s, s:O}]", "since", "2026-01-05T09:00:00Z", "state",
                             "new", "channel", "phone", "facts", fields);
    json_t *rep = stats_compute(rows, &sd, NULL, NULL, STATS_MIN_CELL);
    stats_csv(rep, &out);
    stats_json(rep, &out);
    stats_svg(rep, &out);
    buf_free(&out);
    json_decref(rep);
    json_decref(rows);
    json_decref(req);
    json_decref(m);
    json_decref(sd.supporters);
    json_decref(fields);
    return 0;
}
