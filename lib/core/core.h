/*
 * lib/core/core.h: the core's private declarations. The core holds every
 * piece of logic that is not a system call and sees the OS only through the
 * context's copy of the shim table.
 */
#ifndef TERMINUS_CORE_H
#define TERMINUS_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "terminus.h"
#include "sync.h"

typedef struct tm_hook {
    terminus_cleanup_fn fn;
    void *arg;
} tm_hook;

struct terminus_ctx {
    terminus_os os; /* the caller's table, copied up to its version */
    int is_default; /* the shared native context: never freed */
    tm_mutex lock;  /* guards the hooks */
    tm_hook *hooks;
    size_t nhooks, cap;
};

/* ctx.c: NULL => the default native context (created once, on first use). */
int tm_ctx_get(terminus_ctx **ctx, const char *fn);

/* error.c: set the thread's record; every tm_fail returns code. */
int tm_fail(int code, const char *fmt, ...) TERMINUS_PRINTF(2, 3);
/* Mark the start of a shim call: the record a backend writes is told apart
 * from an older one by a per-thread serial number. */
unsigned tm_error_mark(void);
/* A copy of the thread's record, put back by a call that succeeds after
 * getting over a failure on its way (a cgroup it could not use, a state it
 * could not read): a function that succeeds leaves the record as it was
 * (terminus_error_last()). */
typedef struct tm_error_saved {
    unsigned serial;
    int code;
    int64_t os_code;
    char message[512];
} tm_error_saved;
void tm_error_save(tm_error_saved *s);
/* Put the saved record back, if another was written since. */
void tm_error_restore(const tm_error_saved *s);
/* After a failing shim call: if the backend wrote no record since mark, write
 * a generic one naming the primitive. Returns code. */
int tm_os_failed(unsigned mark, int code, const terminus_os *os, const char *primitive);

/* util.c: string checks shared by every entry point. */
int tm_utf8_valid(const char *s, size_t len);
/* Checks a string argument: not NULL unless allowed, 1..max bytes, valid
 * UTF-8, no control characters; no spaces unless allow_space. Returns OK or
 * E_INVALID with a message "fn: what ..." */
int tm_check_string(const char *fn, const char *what, const char *s, size_t max, int allow_space);
int tm_check_pid(const char *fn, const terminus_os *os, terminus_pid pid);
/* Make *pitems (a pointer to any T *) an array of n items of `size` bytes:
 * 1, or 0 when out of memory (the array then left as it was). */
int tm_resize(void *pitems, size_t n, size_t size);
/* Room for more at the end of a full array *pitems of *cap items of `size`
 * bytes: twice as many (`first` for an empty one), *cap updated; 1, or 0
 * when out of memory (the array left as it was). */
int tm_grow(void *pitems, size_t *cap, size_t size, size_t first);
/* TM_GROW(v, cap, first): tm_grow on the array v of cap items. */
#define TM_GROW(v, cap, first) tm_grow(&(v), &(cap), sizeof *(v), (first))
/* A list built for a caller, as it is handed out: NULL when it is empty
 * (then freed), else itself. */
void *tm_handout(void *items, size_t count);

/* token.c: identity tokens "t1.<boot>.<pid>.<start>.<unique>" (pure functions). */
#define TM_TOKEN_BOOT_MAX 47
typedef struct tm_token {
    char boot[TM_TOKEN_BOOT_MAX + 1];
    terminus_pid pid;
    uint64_t start;
    uint64_t unique;
} tm_token;
/* Whether a boot id can go into a token: 0 to 47 letters, digits, '-', '_'. */
int tm_token_boot_ok(const char *boot);
/* Write the token; its length, or -1 when it does not fit in `size` (then
 * buf[0] is NUL if size > 0) or a field cannot be written (a boot id that
 * tm_token_boot_ok refuses, pid 0 or above INT32_MAX). */
int tm_token_format(const tm_token *t, char *buf, size_t size);
/* Read a token (at most TERMINUS_TOKEN_MAX bytes of it are looked at).
 * Returns 1, or 0 with `why` saying why ("its pid is 0"): a sentence part
 * whose subject is the token. */
int tm_token_parse(const char *s, tm_token *t, char *why, size_t whysize);
/* v in lowercase hex, no leading zero; out has room for 17 bytes. */
void tm_hex64(uint64_t v, char out[17]);

/* exit.c, used by the listener: run hooks then exit */
int tm_exit(terminus_ctx *ctx, uint32_t exit_code, uint32_t flags, const char *fn);

/* Call a shim member, or fail with E_UNSUPPORTED when the table lacks it. */
#define TM_HAS(os, member) ((os)->member != NULL)
int tm_unsupported(const terminus_os *os, const char *fn, const char *primitive);

#endif
