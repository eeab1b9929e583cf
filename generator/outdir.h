/* outdir: where a build writes the site. Files go into a temporary directory
 * next to the output and the whole directory is swapped into place only when
 * the build succeeded, so a failed build never leaves a partial site and the
 * previous one stays served (DESIGN §4).
 *
 * A check (no output) writes into a scratch directory under /tmp that is
 * thrown away. outdir_free removes whatever was not committed. */
#ifndef PEERKIT_OUTDIR_H
#define PEERKIT_OUTDIR_H

#include <stddef.h>

#include "diag.h"
#include "fsutil.h"

struct outdir;

/* Prepares a build of out (NULL for a check). out may be absent, empty or a
 * site peersite built before; anything else is refused, so a typo in --out
 * cannot replace a directory of the user's. */
int outdir_open(const char *out, struct outdir **od, struct diag *d);

/* One build at a time into out: an exclusive lock on the directory, held
 * until *fd is closed. -1 (an error in d) when another build holds it; 0
 * with *fd -1 when out does not exist yet (nothing to lock). Once locked,
 * what killed builds into out left beside it is removed. */
int outdir_lock(const char *out, int *fd, struct diag *d);

/* Prepares a rebuild of the site in out, in place: only the files this
 * build writes change, and only those whose bytes differ from the file
 * there. Those wait in a hidden staging directory at the top of out;
 * nothing else in out changes before outdir_commit renames them,
 * so a failed rebuild leaves the site as it was. The build's record
 * (reuse.h) is removed first and written last: a commit cut short leaves
 * every file whole, old or new, and no record, so the next build starts
 * afresh. */
int outdir_open_in_place(const char *out, struct outdir **od, struct diag *d);

/* Writes rel (a path inside the site, "faq/index.html"), creating its
 * directories. Safe to call from several threads (d must be the thread's).
 * In place, the file there is compared at once: only bytes that differ are
 * written, into the staging directory. */
int outdir_write(struct outdir *od, const char *rel, const void *data, size_t len, struct diag *d);
/* The same, the file's bytes given as pieces (data only, fsutil.h): a large
 * file made of many parts is written without joining them first. */
int outdir_write_pieces(struct outdir *od, const char *rel, const struct fs_piece *pieces, size_t n,
                        struct diag *d);

/* In place: writes rel as pieces of the file there now (from_fd, opened
 * by the caller, who knows it holds what the pieces take from it) and new
 * bytes (fsutil.h, fs_write_pieces), into the staging directory as
 * outdir_write would. The caller knows the bytes differ. */
int outdir_splice(struct outdir *od, const char *rel, int from_fd, const struct fs_piece *pieces,
                  size_t n, struct diag *d);

/* Puts the finished site in place of out: atomically when out exists (the
 * old site is swapped out, then removed). A check commits nothing. In place,
 * renames each staged file over the old one. */
int outdir_commit(struct outdir *od, struct diag *d);

/* The directory being written now: the temporary one, or out in place. */
const char *outdir_path(const struct outdir *od);

/* After an in-place commit: how many files were written (their bytes
 * differed); otherwise every file written. */
size_t outdir_changed(const struct outdir *od);

/* Removes an uncommitted temporary (or staging) directory; NULL-safe. */
void outdir_free(struct outdir *od);

#endif
