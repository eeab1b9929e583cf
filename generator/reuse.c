#include "reuse.h"

#include <cmark.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

#include <yaml.h>

#include "xalloc.h"

#define MAGIC "peersite-cache 9\n"
#define TRAILER "end\n"
/* A change this close before a build may share its clock tick with the
 * build's own reading of the file: 20 ms where the file system keeps times
 * in nanoseconds, 2 s where it keeps whole seconds (times without a
 * fraction are taken as such). */
#define FRESH_NS 20000000LL
#define FRESH_COARSE_NS 2000000000LL

bool reuse_fresh(const struct stat *st, int64_t started_ns)
{
    struct reuse_stamp s;
    reuse_stamp_of(st, &s);
    bool coarse = st->st_mtim.tv_nsec == 0 && st->st_ctim.tv_nsec == 0;
    int64_t since = started_ns - (coarse ? FRESH_COARSE_NS : FRESH_NS);
    return (int64_t)s.mtime_ns > since || (int64_t)s.ctime_ns > since;
}
#define MAX_RECORD (1u << 30)

void reuse_stamp_of(const struct stat *st, struct reuse_stamp *s)
{
    s->size = (uint64_t)st->st_size;
    s->mtime_ns = (uint64_t)st->st_mtim.tv_sec * 1000000000u + (uint64_t)st->st_mtim.tv_nsec;
    s->ctime_ns = (uint64_t)st->st_ctim.tv_sec * 1000000000u + (uint64_t)st->st_ctim.tv_nsec;
    s->ino = (uint64_t)st->st_ino;
}

/* ---- the key -------------------------------------------------------------- */

struct keywalk {
    crypto_generichash_state h;
    int64_t started_ns;
    bool fresh;
    dev_t out_dev;
    ino_t out_ino;
    bool out_known;
    bool content; /* walking the content directory: collections are items */
    const struct reuse_listings *listed;
};

static void feed(struct keywalk *k, const void *data, size_t len)
{
    crypto_generichash_update(&k->h, data, len);
}

static void feed_str(struct keywalk *k, const char *s)
{
    uint32_t n = (uint32_t)strlen(s);
    feed(k, &n, sizeof n);
    feed(k, s, n);
}

static void feed_stat(struct keywalk *k, const struct stat *st)
{
    struct reuse_stamp s;
    reuse_stamp_of(st, &s);
    feed(k, &s, sizeof s);
    uint32_t mode = st->st_mode;
    feed(k, &mode, sizeof mode);
    if (reuse_fresh(st, k->started_ns))
        k->fresh = true;
}

static bool is_md(const char *name)
{
    size_t n = strlen(name);
    return n > 3 && !strcmp(name + n - 3, ".md");
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What of a collection's folder is not one of its items, as the content
 * loader listed it: the names not ending in ".md", and those that do but
 * were not listed as regular files (each is stat'ed, as readdir's are). */
static char **listed_names(const struct tree_dir *td, size_t *n)
{
    char **names = xcalloc(td->n + td->nothers + 1, sizeof *names);
    *n = 0;
    for (size_t i = 0; i < td->n; i++)
        if (!td->regular[i])
            names[(*n)++] = xstrdup(td->names[i]);
    for (size_t i = 0; i < td->nothers; i++) {
        size_t len = strlen(td->others[i]);
        names[(*n)++] =
            xstrndup(td->others[i], len && td->others[i][len - 1] == '/' ? len - 1 : len);
    }
    return names;
}

static void add_name(char ***names, size_t *n, size_t *cap, const char *name)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        *names = xrealloc(*names, *cap * sizeof **names);
    }
    (*names)[(*n)++] = xstrdup(name);
}

/* Every file under dir (rel is its name in the key), in name order; hidden
 * entries and the output directory are not inputs. */
static int walk(struct keywalk *k, const char *dir, const char *rel, int depth)
{
    bool collection =
        k->content && depth == 1 && (!strcmp(rel, "supporters") || !strcmp(rel, "faq"));
    const struct tree_dir *listed = !collection || !k->listed ? NULL
                                    : strcmp(rel, "faq")      ? k->listed->supporters
                                                              : k->listed->faq;
    /* A collection's Markdown files are items (content.h), each with its
     * own record: they are not even listed here (there are thousands), nor
     * is the folder read again where the loader listed it. */
    char **names = NULL;
    size_t n = 0, cap = 0;
    if (listed) {
        names = listed_names(listed, &n);
    } else {
        DIR *d = opendir(dir);
        if (!d)
            return -1;
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.' || (collection && e->d_type == DT_REG && is_md(e->d_name)))
                continue;
            add_name(&names, &n, &cap, e->d_name);
        }
        closedir(d);
    }
    if (n)
        qsort(names, n, sizeof *names, by_name);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *name = names[i];
        char *path = xasprintf("%s/%s", dir, name);
        char *sub = xasprintf("%s%s%s", rel, *rel ? "/" : "", name);
        struct stat st;
        /* Links are followed, as the loader follows them. */
        if (stat(path, &st) < 0) {
            rc = errno == ENOENT ? 0 : -1;
        } else if (S_ISDIR(st.st_mode)) {
            if (!(k->out_known && st.st_dev == k->out_dev && st.st_ino == k->out_ino) &&
                depth < 16) {
                feed_str(k, sub);
                rc = walk(k, path, sub, depth + 1);
            }
        } else if (!(collection && is_md(name) && S_ISREG(st.st_mode))) {
            feed_str(k, sub);
            feed_stat(k, &st);
        }
        free(path);
        free(sub);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

static int feed_dir(struct keywalk *k, const char *label, const char *dir, bool content)
{
    char *real = realpath(dir, NULL);
    if (!real)
        return -1;
    feed_str(k, label);
    feed_str(k, real);
    k->content = content;
    int rc = walk(k, real, "", 0);
    free(real);
    return rc;
}

bool reuse_is_item(const char *content_dir, const char *path)
{
    size_t n = strlen(content_dir);
    if (strncmp(path, content_dir, n) || path[n] != '/')
        return false;
    const char *rest = path + n + 1;
    const char *name = !strncmp(rest, "supporters/", 11) ? rest + 11
                       : !strncmp(rest, "faq/", 4)       ? rest + 4
                                                         : NULL;
    return name && !strchr(name, '/') && is_md(name);
}

const char *reuse_reviewed(json_t *git, const char *path)
{
    json_t *v = git ? json_object_get(json_object_get(git, "reviewed"), path) : NULL;
    return json_is_string(v) ? json_string_value(v) : v ? "not yet committed" : "";
}

void reuse_boot_id(char id[64])
{
    id[0] = '\0';
    int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, id, 63);
    close(fd);
    id[n > 0 ? n : 0] = '\0';
    id[strcspn(id, "\n")] = '\0';
}

int reuse_key(const char *content_dir, const char *theme_dir, const char *out_dir, json_t *git,
              const char *boot, int64_t started_ns, const struct reuse_listings *listed,
              uint8_t key[REUSE_KEY_BYTES], bool *fresh)
{
    struct keywalk k;
    memset(&k, 0, sizeof k);
    k.started_ns = started_ns;
    k.listed = listed;
    crypto_generichash_init(&k.h, NULL, 0, REUSE_KEY_BYTES);
    feed_str(&k, MAGIC);
    feed_str(&k, boot ? boot : "");
    /* This program and the libraries that shape its output: a rebuilt
     * peersite or an upgraded cmark may render differently. */
    struct stat st;
    if (stat("/proc/self/exe", &st) < 0)
        return -1;
    feed_stat(&k, &st);
    feed_str(&k, cmark_version_string());
    feed_str(&k, yaml_get_version_string());
    feed_str(&k, jansson_version_str());
    feed_str(&k, sodium_version_string());
    /* XXH3's values were only fixed in xxHash 0.8: another version may sum
     * the same record otherwise. */
    unsigned xxh = XXH_versionNumber();
    feed(&k, &xxh, sizeof xxh);
    if (out_dir && stat(out_dir, &st) == 0) {
        k.out_known = true;
        k.out_dev = st.st_dev;
        k.out_ino = st.st_ino;
    }
    if (feed_dir(&k, "content", content_dir, true) < 0 ||
        feed_dir(&k, "theme", theme_dir, false) < 0)
        return -1;
    if (git) {
        /* The commit, and the dates of everything but the collections'
         * files: each of those has its date in its own record. */
        json_t *facts = json_object(), *dates = json_object(), *v;
        const char *path;
        json_object_set(facts, "commit", json_object_get(git, "commit"));
        json_object_foreach (json_object_get(git, "reviewed"), path, v) {
            if (!reuse_is_item(content_dir, path))
                json_object_set(dates, path, v);
        }
        json_object_set_new(facts, "reviewed", dates);
        char *text = json_dumps(facts, JSON_COMPACT | JSON_SORT_KEYS);
        if (!text)
            abort();
        feed_str(&k, text);
        free(text);
        json_decref(facts);
    }
    crypto_generichash_final(&k.h, key, REUSE_KEY_BYTES);
    *fresh = k.fresh;
    return 0;
}

/* ---- writing -------------------------------------------------------------- */

/* The record is an index (REUSE_FILE, rewritten by every build, small) and
 * the data it points into (REUSE_DATA: values, cards, entries, answers and
 * search documents, appended to). A rebuild appends what changed and points
 * at the rest where it already is. Each blob in the data is followed by a NUL
 * and its checksum (seeded with the data's id), so text damaged in place is
 * not put back into the site.
 *
 * The checksums guard against damage, not forgery: whoever can write the
 * record can write the site beside it. So they are XXH3 (libxxhash), which
 * reads the 35 MB of a 10,000-supporter record in 4 ms, where SipHash took
 * 18 ms of every rebuild. */
#define DATA_MAGIC "peersite-cache-data 3\n"
#define ID_BYTES 16
#define SUM_BYTES 8

/* The checksum of data, seeded with key (the data's id, or the build's key
 * for the index), little-endian whatever the machine. */
static void checksum(uint8_t sum[SUM_BYTES], const void *data, size_t len, const uint8_t *key,
                     size_t key_len)
{
    XXH64_hash_t h = XXH3_64bits_withSeed(data, len, XXH3_64bits(key, key_len));
    for (size_t i = 0; i < SUM_BYTES; i++)
        sum[i] = (uint8_t)(h >> (8 * i));
}

/* 1 when data's checksum is not the one stored at sum. A fuzzer cannot
 * forge checksums: built for one, they are not compared, so what lies
 * behind them is still explored. */
static bool sum_differs(const uint8_t *stored, const void *data, size_t len, const uint8_t *key,
                        size_t key_len)
{
    uint8_t sum[SUM_BYTES];
    checksum(sum, data, len, key, key_len);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    (void)stored;
    return false;
#else
    return memcmp(sum, stored, SUM_BYTES) != 0;
#endif
}

/* A part of the index being made: bytes of its own, or a run of the last
 * index's bytes (kept items and pages), pointed at rather than copied. A
 * rebuild after one edit keeps nearly all of its 4.6 MB in a few runs. */
struct index_part {
    const char *prev; /* in the last index; NULL: in own, from at */
    size_t at, len;
};

struct index_seq {
    struct buf own;
    struct index_part *parts;
    size_t nparts, cap;
    size_t own_from; /* own bytes from here are not in a part yet */
};

struct reuse_writer {
    struct index_seq out;   /* the index: its head and items */
    struct index_seq pages; /* its pages, written after the items */
    size_t nitems, npages;
    size_t items_at;    /* where the item count goes */
    int data;           /* the data file, open for appending; -1 */
    uint64_t data_len;  /* its length once everything is written */
    struct buf pending; /* data not written yet */
    struct buf files;   /* the site's files, after the pages */
    uint32_t nfiles;
    uint64_t search_len; /* the saved search index's, after the files */
    uint8_t search_sum[SUM_BYTES];
    struct buf assets;        /* the assets' place, after it */
    struct buf tail;          /* the counts, checksum and length between and after */
    struct fs_piece *pieces;  /* the index, as reuse_index_pieces gives it */
    const struct reuse *prev; /* the record kept items come from */
    bool failed;              /* the data could not be written: no record */
    uint8_t id[ID_BYTES];     /* the data's, the key of its checksums */
};

static void put(struct buf *b, const void *data, size_t len)
{
    buf_append(b, data, len);
}

static void put_u32(struct buf *b, uint32_t v)
{
    put(b, &v, sizeof v);
}

static void put_u64(struct buf *b, uint64_t v)
{
    put(b, &v, sizeof v);
}

static void put_text(struct buf *b, const char *s, size_t len)
{
    put_u32(b, (uint32_t)len);
    put(b, s ? s : "", len);
    put(b, "", 1);
}

static void write_data(struct reuse_writer *w, const char *data, size_t len)
{
    for (size_t at = 0; at < len && !w->failed;) {
        ssize_t n = write(w->data, data + at, len - at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            w->failed = true;
        else
            at += (size_t)n;
    }
}

static void flush_data(struct reuse_writer *w)
{
    write_data(w, w->pending.data, w->pending.len);
    buf_reset(&w->pending);
}

#define PENDING (256u << 10) /* data gathered before a write */

/* Appends a blob (and a NUL and its checksum after it) to the data; puts its
 * place in index (the items' part, or the pages'). A large blob (the FAQ
 * page's search text) is written as it is. */
static void put_blob(struct reuse_writer *w, struct buf *index, const char *s, size_t len)
{
    uint8_t sum[SUM_BYTES];
    checksum(sum, s ? s : "", len, w->id, ID_BYTES);
    put_u64(index, w->data_len);
    put_u32(index, (uint32_t)len);
    if (len >= PENDING) {
        flush_data(w);
        write_data(w, s, len);
    } else {
        put(&w->pending, s ? s : "", len);
    }
    put(&w->pending, "", 1);
    put(&w->pending, sum, sizeof sum);
    w->data_len += len + 1 + sizeof sum;
    if (w->pending.len >= PENDING)
        flush_data(w);
}

static void add_part(struct index_seq *q, const char *prev, size_t at, size_t len)
{
    if (q->nparts == q->cap)
        q->parts = xrealloc(q->parts, (q->cap = q->cap ? 2 * q->cap : 16) * sizeof *q->parts);
    q->parts[q->nparts++] = (struct index_part){prev, at, len};
}

/* Ends the part of own bytes put since the last run of the last index. */
static void close_own(struct index_seq *q)
{
    if (q->own.len > q->own_from)
        add_part(q, NULL, q->own_from, q->own.len - q->own_from);
    q->own_from = q->own.len;
}

/* Bytes of the last index, kept as they are: a run that goes on where the
 * last one ended grows it. */
static void put_prev(struct index_seq *q, const char *bytes, size_t len)
{
    close_own(q);
    struct index_part *last = q->nparts ? &q->parts[q->nparts - 1] : NULL;
    if (last && last->prev && last->prev + last->len == bytes)
        last->len += len;
    else
        add_part(q, bytes, 0, len);
}

static void seq_free(struct index_seq *q)
{
    buf_free(&q->own);
    free(q->parts);
}

static void put_kept(struct buf *b, const struct reuse_text *t)
{
    put_u64(b, t->at);
    put_u32(b, (uint32_t)t->len);
}

struct reuse_writer *reuse_writer_new(const uint8_t key[REUSE_KEY_BYTES], int64_t started_ns,
                                      const char *dir, const struct reuse *prev)
{
    struct reuse_writer *w = xcalloc(1, sizeof *w);
    char *path = xasprintf("%s/%s", dir, REUSE_DATA);
    uint8_t id[ID_BYTES];
    if (prev) { /* append to the data the last record points into */
        w->data = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
        struct stat st;
        if (w->data < 0 || fstat(w->data, &st) < 0)
            w->failed = true;
        else
            w->data_len = (uint64_t)st.st_size;
        memcpy(id, reuse_data_id(prev), ID_BYTES);
    } else {
        unlink(path);
        w->data = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        randombytes_buf(id, sizeof id);
        put(&w->pending, DATA_MAGIC, strlen(DATA_MAGIC));
        put(&w->pending, id, sizeof id);
        w->data_len = w->pending.len;
        w->failed = w->data < 0;
    }
    free(path);
    w->prev = prev;
    memcpy(w->id, id, ID_BYTES);
    struct buf *head = &w->out.own;
    put(head, MAGIC, strlen(MAGIC));
    put(head, key, REUSE_KEY_BYTES);
    put_u64(head, (uint64_t)started_ns);
    put(head, id, sizeof id);
    w->items_at = head->len;
    put_u64(head, 0); /* the data's length */
    put_u32(head, 0); /* the items */
    return w;
}

void reuse_writer_free(struct reuse_writer *w)
{
    if (!w)
        return;
    if (w->data >= 0)
        close(w->data);
    seq_free(&w->out);
    seq_free(&w->pages);
    buf_free(&w->pending);
    buf_free(&w->files);
    buf_free(&w->assets);
    buf_free(&w->tail);
    free(w->pieces);
    free(w);
}

/* Values as a flat list: name, then 's' string, 't'/'f', 'i' integer or 'a'
 * list of strings. Returns false for a value of any other shape. */
static bool put_values(struct buf *b, json_t *values)
{
    struct buf tmp = BUF_INIT;
    uint32_t n = 0;
    const char *name;
    json_t *v;
    bool ok = true;
    json_object_foreach (values, name, v) {
        /* photo_asset: where copy_photos put the photo, made again by every
         * build (and an object, which values cannot hold) */
        if (!strcmp(name, "src") || !strcmp(name, "reused") || !strcmp(name, "photo_asset"))
            continue;
        put_text(&tmp, name, strlen(name));
        if (json_is_string(v)) {
            put(&tmp, "s", 1);
            put_text(&tmp, json_string_value(v), json_string_length(v));
        } else if (json_is_boolean(v)) {
            put(&tmp, json_is_true(v) ? "t" : "f", 1);
        } else if (json_is_integer(v)) {
            put(&tmp, "i", 1);
            put_u64(&tmp, (uint64_t)json_integer_value(v));
        } else if (json_is_array(v)) {
            put(&tmp, "a", 1);
            put_u32(&tmp, (uint32_t)json_array_size(v));
            size_t i;
            json_t *x;
            json_array_foreach (v, i, x) {
                if (!json_is_string(x))
                    ok = false;
                put_text(&tmp, json_string_value(x), json_string_length(x));
            }
        } else {
            ok = false;
        }
        n++;
    }
    put_u32(b, n);
    put(b, tmp.data, tmp.len);
    buf_free(&tmp);
    return ok;
}

/* A supporter's stand-in values (reuse_supporter_values) as the index
 * keeps them: accepting (a byte), the name, the languages' count and each
 * language. Nothing when values do not have that shape, or hold a photo. */
static void put_summary(struct buf *b, json_t *values)
{
    json_t *name = json_object_get(values, "name"), *accepting, *langs, *l;
    accepting = json_object_get(values, "accepting");
    langs = json_object_get(values, "languages");
    size_t i;
    bool ok = json_is_string(name) && json_is_boolean(accepting) && json_is_array(langs) &&
              !json_object_get(values, "photo");
    json_array_foreach (langs, i, l) {
        ok = ok && json_is_string(l);
    }
    if (!ok)
        return;
    uint8_t yes = json_is_true(accepting);
    put(b, &yes, 1);
    put_text(b, json_string_value(name), json_string_length(name));
    put_u32(b, (uint32_t)json_array_size(langs));
    json_array_foreach (langs, i, l) {
        put_text(b, json_string_value(l), json_string_length(l));
    }
}

static void put_item_head(struct reuse_writer *w, enum reuse_kind kind, const char *path,
                          const struct reuse_stamp *stamp, const char *reviewed, bool fresh,
                          const char *summary, size_t summary_len)
{
    uint8_t head[2] = {(uint8_t)kind, fresh};
    struct buf *b = &w->out.own;
    put(b, head, 2);
    put_u64(b, stamp->size);
    put_u64(b, stamp->mtime_ns);
    put_u64(b, stamp->ctime_ns);
    put_u64(b, stamp->ino);
    put_text(b, path, strlen(path));
    put_text(b, reviewed, strlen(reviewed));
    put_u32(b, (uint32_t)summary_len);
    put(b, summary, summary_len);
    w->nitems++;
}

void reuse_add_item(struct reuse_writer *w, enum reuse_kind kind, const char *path,
                    const struct reuse_stamp *stamp, const char *reviewed, bool fresh,
                    json_t *values, const char *card, size_t card_len, const char *entry,
                    size_t entry_len, const char *answer, size_t answer_len)
{
    struct buf v = BUF_INIT, summary = BUF_INIT;
    bool whole = put_values(&v, values);
    if (kind == REUSE_SUPPORTER)
        put_summary(&summary, values);
    put_item_head(w, kind, path, stamp, reviewed, fresh || !whole, summary.data, summary.len);
    buf_free(&summary);
    put_blob(w, &w->out.own, v.data, v.len);
    put_blob(w, &w->out.own, card, card_len);
    put_blob(w, &w->out.own, entry, entry_len);
    put_blob(w, &w->out.own, answer, answer_len);
    buf_free(&v);
}

static const char *item_bytes(const struct reuse *r, size_t i, size_t *len);
static const char *page_bytes(const struct reuse *r, const struct reuse_page *pg, size_t *len);

void reuse_keep_item(struct reuse_writer *w, const struct reuse_item *it,
                     const struct reuse_stamp *stamp, bool fresh)
{
    /* As it was, stamp and all: its bytes in the last index. */
    const struct reuse *prev = w->prev;
    if (prev && !fresh && !it->fresh && !memcmp(stamp, &it->stamp, sizeof *stamp)) {
        size_t len;
        const char *bytes = item_bytes(prev, reuse_index(prev, it), &len);
        put_prev(&w->out, bytes, len);
        w->nitems++;
        return;
    }
    put_item_head(w, it->kind, it->path.s, stamp, it->reviewed.s, fresh, it->summary.s,
                  it->summary.len);
    put_kept(&w->out.own, &it->values);
    put_kept(&w->out.own, &it->card);
    put_kept(&w->out.own, &it->entry);
    put_kept(&w->out.own, &it->answer);
}

static void put_page_ids(struct reuse_writer *w, const char *const *ids, size_t nids)
{
    put_u32(&w->pages.own, (uint32_t)nids);
    for (size_t i = 0; i < nids; i++)
        put_text(&w->pages.own, ids[i], strlen(ids[i]));
    w->npages++;
}

void reuse_add_page(struct reuse_writer *w, const char *rel, const char *search, size_t search_len,
                    size_t ndocs, const char *const *ids, size_t nids)
{
    put_text(&w->pages.own, rel, strlen(rel));
    /* The page's blob goes in the data; its place in the pages' part. */
    put_blob(w, &w->pages.own, search, search_len);
    put_u32(&w->pages.own, (uint32_t)ndocs);
    put_page_ids(w, ids, nids);
}

void reuse_keep_page(struct reuse_writer *w, const struct reuse_page *pg, const char *const *ids)
{
    size_t len;
    const char *bytes = w->prev ? page_bytes(w->prev, pg, &len) : NULL;
    if (bytes) { /* as it was: its bytes in the last index */
        put_prev(&w->pages, bytes, len);
        w->npages++;
        return;
    }
    put_text(&w->pages.own, pg->rel.s, pg->rel.len);
    put_kept(&w->pages.own, &pg->search);
    put_u32(&w->pages.own, pg->ndocs);
    put_page_ids(w, ids, pg->nids);
}

void reuse_set_search(struct reuse_writer *w, const char *data, size_t len)
{
    w->search_len = len;
    checksum(w->search_sum, data, len, w->id, ID_BYTES);
}

void reuse_set_assets(struct reuse_writer *w, const char *json, size_t len)
{
    buf_reset(&w->assets);
    put_blob(w, &w->assets, json, len);
}

void reuse_set_files(struct reuse_writer *w, const char *const *files, size_t n)
{
    buf_reset(&w->files);
    for (size_t i = 0; i < n; i++)
        put_text(&w->files, files[i], strlen(files[i]));
    w->nfiles = (uint32_t)n;
}

/* An empty piece is left out: a piece without data is a copy (fsutil.h). */
static void add_piece(struct reuse_writer *w, size_t *n, const char *data, size_t len)
{
    if (len)
        w->pieces[(*n)++] = (struct fs_piece){data, len, 0};
}

static void add_seq(struct reuse_writer *w, size_t *n, struct index_seq *q)
{
    close_own(q);
    for (size_t i = 0; i < q->nparts; i++) {
        const struct index_part *p = &q->parts[i];
        add_piece(w, n, p->prev ? p->prev : q->own.data + p->at, p->len);
    }
}

/* The index in order: the head and items, the pages, the files, the saved
 * search index's length and checksum, the assets, the trailer, then the
 * checksum of all that and the length of the whole. The counts and
 * everything after the pages are in tail, which is never grown once its
 * pieces point into it. */
const struct fs_piece *reuse_index_pieces(struct reuse_writer *w, size_t *npieces)
{
    if (!w->assets.len) /* none kept: an empty text, in its place */
        put_blob(w, &w->assets, "", 0);
    flush_data(w);
    if (w->failed)
        return NULL;
    uint32_t nitems = (uint32_t)w->nitems;
    memcpy(w->out.own.data + w->items_at, &w->data_len, sizeof w->data_len);
    memcpy(w->out.own.data + w->items_at + 8, &nitems, sizeof nitems);
    struct buf *t = &w->tail;
    buf_reset(t);
    put_u32(t, (uint32_t)w->npages);
    size_t files_at = t->len;
    put_u32(t, w->nfiles);
    size_t search_at = t->len;
    put_u64(t, w->search_len);
    put(t, w->search_sum, SUM_BYTES);
    size_t trailer_at = t->len;
    put(t, TRAILER, strlen(TRAILER));
    size_t sum_at = t->len;
    uint8_t room[SUM_BYTES + sizeof(uint64_t)] = {0};
    put(t, room, sizeof room); /* filled in below */
    free(w->pieces);
    w->pieces = xcalloc(w->out.nparts + w->pages.nparts + 10, sizeof *w->pieces);
    size_t n = 0;
    add_seq(w, &n, &w->out);
    add_piece(w, &n, t->data, files_at);
    add_seq(w, &n, &w->pages);
    add_piece(w, &n, t->data + files_at, search_at - files_at);
    add_piece(w, &n, w->files.data, w->files.len);
    add_piece(w, &n, t->data + search_at, trailer_at - search_at);
    add_piece(w, &n, w->assets.data, w->assets.len);
    add_piece(w, &n, t->data + trailer_at, sum_at - trailer_at);
    /* The index's checksum, keyed with the key it was made under. */
    XXH3_state_t *st = XXH3_createState();
    if (!st)
        abort();
    XXH3_64bits_reset_withSeed(st, XXH3_64bits(w->out.own.data + strlen(MAGIC), REUSE_KEY_BYTES));
    uint64_t len = 0;
    for (size_t i = 0; i < n; i++) {
        XXH3_64bits_update(st, w->pieces[i].data, w->pieces[i].len);
        len += w->pieces[i].len;
    }
    XXH64_hash_t h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    uint8_t *sum = (uint8_t *)t->data + sum_at;
    for (size_t i = 0; i < SUM_BYTES; i++)
        sum[i] = (uint8_t)(h >> (8 * i));
    uint64_t total = len + sizeof room;
    memcpy(sum + SUM_BYTES, &total, sizeof total);
    add_piece(w, &n, t->data + sum_at, sizeof room);
    *npieces = n;
    return w->pieces;
}

/* ---- reading -------------------------------------------------------------- */

struct reuse {
    const char *index; /* the index, mapped */
    size_t index_len;
    const char *data; /* the data, mapped */
    size_t data_len, mapped;
    uint8_t id[ID_BYTES];
    struct reuse_item *items;
    size_t nitems;
    size_t nkind[3]; /* items of each kind (enum reuse_kind) */
    size_t *item_at; /* [nitems + 1]: where each item is in the index */
    struct reuse_page *pages;
    size_t npages;
    size_t *page_at; /* [npages + 1]: where each page is in the index */
    /* open addressing over items and pages by name: index + 1, 0 empty */
    size_t *item_slots, *page_slots;
    size_t nslots_items, nslots_pages;
    struct reuse_text *ids; /* every page's ids, one allocation */
    struct reuse_text *files;
    size_t nfiles;
    struct reuse_text search, assets;
    uint64_t search_len;
    uint8_t search_sum[SUM_BYTES];
    const char *search_map; /* REUSE_SEARCH, mapped */
    uint64_t live;          /* bytes of the data the index points at */
};

struct reader {
    const char *p, *end;
    bool bad;
};

static bool take(struct reader *r, void *dst, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        return false;
    }
    memcpy(dst, r->p, n);
    r->p += n;
    return true;
}

static uint32_t get_u32(struct reader *r)
{
    uint32_t v = 0;
    take(r, &v, sizeof v);
    return v;
}

static uint64_t get_u64(struct reader *r)
{
    uint64_t v = 0;
    take(r, &v, sizeof v);
    return v;
}

/* A name in the index (a path, a page, an id): no NUL inside. */
static struct reuse_text get_text(struct reader *r)
{
    struct reuse_text t = {"", 0, 0};
    uint32_t n = get_u32(r);
    if (r->bad || (size_t)(r->end - r->p) < (size_t)n + 1 || r->p[n] != '\0' ||
        memchr(r->p, '\0', n)) {
        r->bad = true;
        return t;
    }
    t.s = r->p;
    t.len = n;
    r->p += n + 1;
    return t;
}

/* Bytes of the index, in bounds (what they hold is read where they are
 * used, within them). */
static struct reuse_text get_bytes(struct reader *r)
{
    struct reuse_text t = {"", 0, 0};
    uint32_t n = get_u32(r);
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        return t;
    }
    t.s = r->p;
    t.len = n;
    r->p += n;
    return t;
}

/* A blob of the data: in bounds with room for its NUL and checksum after
 * it, or the record is bad. Its bytes are not even looked at here: the NUL
 * and the checksum are checked where the blob is read (reuse_whole), on the
 * thread that reads it. A rebuild reads most of the 35 MB of a
 * 10,000-supporter record, but on the workers, and not the blobs of what it
 * keeps whole; touching one byte of each of its 80,000 blobs here cost the
 * building thread 5 ms of cache misses. */
static struct reuse_text get_blob(struct reader *r, struct reuse *u)
{
    struct reuse_text t = {"", 0, 0};
    uint64_t at = get_u64(r);
    uint32_t n = get_u32(r);
    if (r->bad || at < strlen(DATA_MAGIC) + ID_BYTES || at > u->data_len ||
        u->data_len - at < (uint64_t)n + 1 + SUM_BYTES) {
        r->bad = true;
        return t;
    }
    t.s = u->data + at;
    t.len = n;
    t.at = at;
    u->live += n + 1 + SUM_BYTES;
    return t;
}

static uint32_t hash_name(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

static size_t *index_names(size_t n, const struct reuse_text *(*name)(const struct reuse *, size_t),
                           const struct reuse *r, size_t *nslots)
{
    size_t cap = 16;
    while (cap < 2 * n + 2)
        cap *= 2;
    size_t *slots = xcalloc(cap, sizeof *slots);
    for (size_t i = 0; i < n; i++) {
        const char *s = name(r, i)->s;
        size_t j = hash_name(s) & (cap - 1);
        for (; slots[j]; j = (j + 1) & (cap - 1))
            if (!strcmp(name(r, slots[j] - 1)->s, s)) { /* no build records a name twice */
                free(slots);
                return NULL;
            }
        slots[j] = i + 1;
    }
    *nslots = cap;
    return slots;
}

static const struct reuse_text *item_name(const struct reuse *r, size_t i)
{
    return &r->items[i].path;
}

static const struct reuse_text *page_name(const struct reuse *r, size_t i)
{
    return &r->pages[i].rel;
}

/* Reads the index; the data must be mapped already (map_data). */
static bool parse(struct reuse *r, struct reader *rd)
{
    uint32_t n = get_u32(rd);
    if (rd->bad || n > (size_t)(rd->end - rd->p) / 40)
        return false;
    r->items = xcalloc((size_t)n + 1, sizeof *r->items);
    r->item_at = xcalloc((size_t)n + 1, sizeof *r->item_at);
    for (r->nitems = 0; r->nitems < n && !rd->bad; r->nitems++) {
        struct reuse_item *it = &r->items[r->nitems];
        r->item_at[r->nitems] = (size_t)(rd->p - r->index);
        uint8_t head[2] = {0, 1};
        take(rd, head, 2);
        it->kind = head[0] == REUSE_FAQ ? REUSE_FAQ : REUSE_SUPPORTER;
        r->nkind[it->kind]++;
        it->fresh = head[1] != 0 || (head[0] != REUSE_SUPPORTER && head[0] != REUSE_FAQ);
        it->stamp.size = get_u64(rd);
        it->stamp.mtime_ns = get_u64(rd);
        it->stamp.ctime_ns = get_u64(rd);
        it->stamp.ino = get_u64(rd);
        it->path = get_text(rd);
        it->reviewed = get_text(rd);
        it->summary = get_bytes(rd);
        it->values = get_blob(rd, r);
        it->card = get_blob(rd, r);
        it->entry = get_blob(rd, r);
        it->answer = get_blob(rd, r);
        r->item_at[r->nitems + 1] = (size_t)(rd->p - r->index);
    }
    uint32_t np = get_u32(rd);
    if (rd->bad || np > (size_t)(rd->end - rd->p) / 13)
        return false;
    r->pages = xcalloc((size_t)np + 1, sizeof *r->pages);
    r->page_at = xcalloc((size_t)np + 1, sizeof *r->page_at);
    size_t nids = 0, capids = 0;
    size_t *first = xcalloc((size_t)np + 1, sizeof *first);
    for (r->npages = 0; r->npages < np && !rd->bad; r->npages++) {
        struct reuse_page *pg = &r->pages[r->npages];
        r->page_at[r->npages] = (size_t)(rd->p - r->index);
        pg->rel = get_text(rd);
        pg->search = get_blob(rd, r);
        pg->ndocs = get_u32(rd);
        uint32_t k = get_u32(rd);
        if (k > (size_t)(rd->end - rd->p) / 5) {
            rd->bad = true;
            break;
        }
        first[r->npages] = nids;
        pg->nids = k;
        for (uint32_t j = 0; j < k && !rd->bad; j++) {
            if (nids == capids)
                r->ids = xrealloc(r->ids, (capids = capids ? 2 * capids : 256) * sizeof *r->ids);
            r->ids[nids++] = get_text(rd);
        }
        r->page_at[r->npages + 1] = (size_t)(rd->p - r->index);
    }
    /* Pointers into ids only once it stops moving. */
    for (size_t i = 0; i < r->npages; i++)
        r->pages[i].ids = r->ids ? r->ids + first[i] : NULL;
    free(first);
    uint32_t nf = get_u32(rd);
    if (rd->bad || nf > (size_t)(rd->end - rd->p) / 5)
        return false;
    r->files = xcalloc((size_t)nf + 1, sizeof *r->files);
    for (r->nfiles = 0; r->nfiles < nf && !rd->bad; r->nfiles++)
        r->files[r->nfiles] = get_text(rd);
    r->search_len = get_u64(rd);
    take(rd, r->search_sum, SUM_BYTES);
    r->assets = get_blob(rd, r);
    if (rd->bad || rd->p != rd->end)
        return false;
    r->item_slots = index_names(r->nitems, item_name, r, &r->nslots_items);
    return r->item_slots != NULL;
}

/* Maps the index, as the data is mapped: its names are read where they are
 * (4.5 MB for 10,000 supporters, not copied). A build replaces the index by
 * renaming a new file over it, so the mapped one stays as it was. */
static const char *map_index(const char *path, const uint8_t *head, size_t head_len, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return NULL;
    struct stat st;
    const char *data = NULL;
    uint8_t first[64];
    /* A file that does not start as expected (another build's key, or no
     * record at all) is not read further, however large. */
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uint64_t)st.st_size <= MAX_RECORD && head_len <= sizeof first &&
        pread(fd, first, head_len, 0) == (ssize_t)head_len && !memcmp(first, head, head_len)) {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) {
            data = m;
            *len = (size_t)st.st_size;
        }
    }
    close(fd);
    return data;
}

/* Maps the data; its length must be at least what the index says (a
 * shorter file lost what was appended) and it must carry the index's id. */
static bool map_data(struct reuse *r, const char *out_dir)
{
    char *path = xasprintf("%s/%s", out_dir, REUSE_DATA);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    free(path);
    if (fd < 0)
        return false;
    struct stat st;
    bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size >= r->data_len &&
              r->data_len >= strlen(DATA_MAGIC) + ID_BYTES;
    if (ok) {
        void *m = mmap(NULL, r->data_len, PROT_READ, MAP_PRIVATE, fd, 0);
        ok = m != MAP_FAILED;
        if (ok) {
            r->data = m;
            r->mapped = r->data_len;
            ok = !memcmp(r->data, DATA_MAGIC, strlen(DATA_MAGIC)) &&
                 !memcmp(r->data + strlen(DATA_MAGIC), r->id, ID_BYTES);
        }
    }
    close(fd);
    return ok;
}

/* Maps the saved search index when it is the one the index describes;
 * else r->search stays empty (the index is then made whole). */
static void map_search(struct reuse *r, const char *out_dir)
{
    if (!r->search_len || r->search_len > MAX_RECORD)
        return;
    char *path = xasprintf("%s/%s", out_dir, REUSE_SEARCH);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    free(path);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        (uint64_t)st.st_size == r->search_len) {
        void *m = mmap(NULL, r->search_len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED && sum_differs(r->search_sum, m, r->search_len, r->id, ID_BYTES)) {
            munmap(m, r->search_len);
        } else if (m != MAP_FAILED) {
            r->search_map = m;
            r->search = (struct reuse_text){m, r->search_len, 0};
        }
    }
    if (fd >= 0)
        close(fd);
}

/* The record in out_dir, made under key, or under any key when key is NULL
 * (its checksum is then keyed with the key it holds). */
static struct reuse *load(const char *out_dir, const uint8_t *key)
{
    char *path = xasprintf("%s/%s", out_dir, REUSE_FILE);
    struct reuse *r = xcalloc(1, sizeof *r);
    uint8_t head[sizeof MAGIC - 1 + REUSE_KEY_BYTES];
    memcpy(head, MAGIC, sizeof MAGIC - 1);
    if (key)
        memcpy(head + sizeof MAGIC - 1, key, REUSE_KEY_BYTES);
    r->index = map_index(path, head, key ? sizeof head : sizeof MAGIC - 1, &r->index_len);
    free(path);
    size_t ml = strlen(MAGIC), tl = strlen(TRAILER), tail = tl + SUM_BYTES + 8;
    uint64_t total = 0;
    if (r->index && r->index_len >= ml + REUSE_KEY_BYTES + 8 + ID_BYTES + 12 + tail)
        memcpy(&total, r->index + r->index_len - 8, 8);
    /* map_index saw the magic (and the key); total says the index is long
     * enough to hold one. */
    if (!r->index || total != r->index_len || memcmp(r->index + r->index_len - tail, TRAILER, tl) ||
        sum_differs((const uint8_t *)r->index + r->index_len - SUM_BYTES - 8, r->index,
                    r->index_len - SUM_BYTES - 8, (const uint8_t *)r->index + ml,
                    REUSE_KEY_BYTES)) {
        reuse_free(r);
        return NULL;
    }
    struct reader rd = {r->index + ml + REUSE_KEY_BYTES, r->index + r->index_len - tail, false};
    get_u64(&rd); /* when that build started */
    take(&rd, r->id, ID_BYTES);
    r->data_len = get_u64(&rd);
    if (rd.bad || !map_data(r, out_dir) || !parse(r, &rd) ||
        /* Mostly dead data is rewritten by a fresh build. */
        r->data_len > 2 * r->live + (1u << 20)) {
        reuse_free(r);
        return NULL;
    }
    map_search(r, out_dir);
    return r;
}

struct reuse *reuse_load(const char *out_dir, const uint8_t key[REUSE_KEY_BYTES])
{
    struct reuse *r = load(out_dir, key);
    if (r && !reuse_index_pages(r)) {
        reuse_free(r);
        return NULL;
    }
    return r;
}

bool reuse_index_pages(struct reuse *r)
{
    if (!r->page_slots)
        r->page_slots = index_names(r->npages, page_name, r, &r->nslots_pages);
    return r->page_slots != NULL;
}

struct reuse *reuse_load_any(const char *out_dir)
{
    return load(out_dir, NULL);
}

struct reuse *reuse_keyed(struct reuse *r, const uint8_t key[REUSE_KEY_BYTES])
{
    if (r && memcmp(r->index + strlen(MAGIC), key, REUSE_KEY_BYTES)) {
        reuse_free(r);
        return NULL;
    }
    return r;
}

/* A page of r as the index holds it; NULL when pg is not one of r's. */
static const char *page_bytes(const struct reuse *r, const struct reuse_page *pg, size_t *len)
{
    uintptr_t at = (uintptr_t)pg, first = (uintptr_t)r->pages;
    if (at < first || at >= first + r->npages * sizeof *pg)
        return NULL;
    size_t i = (size_t)(pg - r->pages);
    *len = r->page_at[i + 1] - r->page_at[i];
    return r->index + r->page_at[i];
}

/* Item i as the index holds it. */
static const char *item_bytes(const struct reuse *r, size_t i, size_t *len)
{
    *len = r->item_at[i + 1] - r->item_at[i];
    return r->index + r->item_at[i];
}

const uint8_t *reuse_data_id(const struct reuse *r)
{
    return r->id;
}

void reuse_free(struct reuse *r)
{
    if (!r)
        return;
    if (r->data)
        munmap((void *)r->data, r->mapped);
    if (r->index)
        munmap((void *)r->index, r->index_len);
    if (r->search_map)
        munmap((void *)r->search_map, r->search_len);
    free(r->items);
    free(r->item_at);
    free(r->pages);
    free(r->page_at);
    free(r->ids);
    free(r->files);
    free(r->item_slots);
    free(r->page_slots);
    free(r);
}

const struct reuse_text *reuse_files(const struct reuse *r, size_t *n)
{
    *n = r->nfiles;
    return r->files;
}

size_t reuse_npages(const struct reuse *r)
{
    return r ? r->npages : 0;
}

const struct reuse_page *reuse_page_at(const struct reuse *r, size_t i)
{
    return &r->pages[i];
}

const struct reuse_text *reuse_search(const struct reuse *r)
{
    return &r->search;
}

const struct reuse_text *reuse_assets(const struct reuse *r)
{
    return &r->assets;
}

size_t reuse_nitems(const struct reuse *r)
{
    return r ? r->nitems : 0;
}

size_t reuse_nitems_of(const struct reuse *r, enum reuse_kind kind)
{
    return r && (kind == REUSE_SUPPORTER || kind == REUSE_FAQ) ? r->nkind[kind] : 0;
}

const struct reuse_item *reuse_item(const struct reuse *r, size_t i)
{
    return &r->items[i];
}

size_t reuse_index(const struct reuse *r, const struct reuse_item *it)
{
    return (size_t)(it - r->items);
}

/* The place of want in a table index_names made, or -1. */
static long find_name(const struct reuse *r, const size_t *slots, size_t nslots,
                      const struct reuse_text *(*name)(const struct reuse *, size_t),
                      const char *want)
{
    if (!slots) /* a table not made yet (reuse_index_pages) */
        return -1;
    for (size_t j = hash_name(want) & (nslots - 1); slots[j]; j = (j + 1) & (nslots - 1))
        if (!strcmp(name(r, slots[j] - 1)->s, want))
            return (long)slots[j] - 1;
    return -1;
}

const struct reuse_item *reuse_find_item(const struct reuse *r, const char *path)
{
    size_t next = SIZE_MAX;
    return reuse_find_item_from(r, path, &next);
}

/* The entry of one of r's tables (count of them, named by name) called
 * want, or -1. A build comes to them mostly in the order the record holds
 * them (files as they are listed, pages as the last build finished them):
 * the one *next names is tried first, where the table would cost three
 * misses of the cache (slot, entry, name); *next then names the one after
 * the one found. */
static long find_from(const struct reuse *r, const size_t *slots, size_t nslots, size_t count,
                      const struct reuse_text *(*name)(const struct reuse *, size_t),
                      const char *want, size_t *next)
{
    long i = *next < count && !strcmp(name(r, *next)->s, want)
                 ? (long)*next
                 : find_name(r, slots, nslots, name, want);
    if (i >= 0)
        *next = (size_t)i + 1;
    return i;
}

const struct reuse_item *reuse_find_item_from(const struct reuse *r, const char *path, size_t *next)
{
    long i =
        r ? find_from(r, r->item_slots, r->nslots_items, r->nitems, item_name, path, next) : -1;
    return i < 0 ? NULL : &r->items[i];
}

const struct reuse_page *reuse_find_page(const struct reuse *r, const char *rel)
{
    size_t next = SIZE_MAX;
    return reuse_find_page_from(r, rel, &next);
}

const struct reuse_page *reuse_find_page_from(const struct reuse *r, const char *rel, size_t *next)
{
    long i = r ? find_from(r, r->page_slots, r->nslots_pages, r->npages, page_name, rel, next) : -1;
    return i < 0 ? NULL : &r->pages[i];
}

static bool wanted(const char *name, const char *const *only)
{
    if (!only)
        return true;
    for (; *only; only++)
        if (!strcmp(*only, name))
            return true;
    return false;
}

bool reuse_whole(const struct reuse *r, const struct reuse_text *t)
{
    /* get_blob saw room for the NUL and the checksum; an empty text that is
     * no blob (a name's default) has neither. */
    return t->at && t->s[t->len] == '\0' &&
           !sum_differs((const uint8_t *)t->s + t->len + 1, t->s, t->len, r->id, ID_BYTES);
}

bool reuse_supporter_values(const struct reuse_item *it, const char **name, bool *accepting,
                            const char ***languages, size_t *nlanguages)
{
    *name = NULL;
    *languages = NULL;
    *nlanguages = 0;
    if (!it->summary.len)
        return false;
    /* In the index, whose checksum was compared when it was loaded; read
     * within its bytes all the same (put_summary wrote them). */
    struct reader rd = {it->summary.s, it->summary.s + it->summary.len, false};
    uint8_t yes = 2;
    take(&rd, &yes, 1);
    struct reuse_text n = get_text(&rd);
    uint32_t k = get_u32(&rd);
    if (!rd.bad && yes <= 1 &&
        k <= (size_t)(rd.end - rd.p) / 5) { /* a text takes 5 bytes or more */
        *languages = k ? xmalloc(k * sizeof **languages) : NULL;
        for (uint32_t j = 0; j < k && !rd.bad; j++)
            (*languages)[(*nlanguages)++] = get_text(&rd).s;
    } else {
        rd.bad = true;
    }
    if (rd.bad || rd.p != rd.end) {
        free(*languages);
        *languages = NULL;
        *nlanguages = 0;
        return false;
    }
    *name = n.s;
    *accepting = yes == 1;
    return true;
}

json_t *reuse_values(const struct reuse *r, const struct reuse_item *it, const char *const *only)
{
    if (!reuse_whole(r, &it->values))
        return NULL;
    struct reader rd = {it->values.s, it->values.s + it->values.len, false};
    json_t *o = json_object();
    uint32_t n = get_u32(&rd);
    for (uint32_t i = 0; i < n && !rd.bad; i++) {
        struct reuse_text name = get_text(&rd);
        bool keep = wanted(name.s, only);
        char type = 0;
        take(&rd, &type, 1);
        json_t *v = NULL;
        if (type == 's') {
            struct reuse_text t = get_text(&rd);
            if (keep)
                v = json_stringn_nocheck(t.s, t.len); /* jansson's own bytes, saved */
        } else if (type == 't' || type == 'f') {
            v = keep ? json_boolean(type == 't') : NULL;
        } else if (type == 'i') {
            json_int_t x = (json_int_t)get_u64(&rd);
            v = keep ? json_integer(x) : NULL;
        } else if (type == 'a') {
            uint32_t k = get_u32(&rd);
            v = keep ? json_array() : NULL;
            for (uint32_t j = 0; j < k && !rd.bad; j++) {
                struct reuse_text t = get_text(&rd);
                if (keep)
                    json_array_append_new(v, json_stringn_nocheck(t.s, t.len));
            }
        } else {
            rd.bad = true;
        }
        if (v && !rd.bad)
            json_object_setn_new_nocheck(o, name.s, name.len, v);
        else
            json_decref(v);
    }
    if (rd.bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}
