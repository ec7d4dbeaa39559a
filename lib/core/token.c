/*
 * lib/core/token.c: identity tokens, written and read (include/terminus/process.h).
 * Pure functions: no OS call, no error record (the callers write it), so
 * that tests/fuzz can hold them to their promise on any input.
 *
 * A token is "t1.<boot>.<pid>.<start>.<unique>":
 *   t1       the format's version
 *   boot     the boot id the backend gives (terminus_os::boot_id): 0 to 47
 *            letters, digits, '-' or '_' ("" where there is none)
 *   pid      decimal, 1 to INT32_MAX, no leading zero
 *   start    the process's start (terminus_process_info::start), lowercase
 *            hex, no leading zero, 1 to 16 digits
 *   unique   the backend's unique id (0 where it has none), written as start
 * Only this one spelling of a token is read, so a token read back is written
 * the same: a token is its own canonical form, and two tokens name the same
 * process exactly when they are equal strings.
 */
#include <stdio.h>
#include <string.h>

#include "core.h"

#define TM_TOKEN_PREFIX "t1."

int tm_token_boot_ok(const char *boot)
{
    size_t n;

    for (n = 0; boot[n] != '\0'; n++) {
        char c = boot[n];
        int ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 c == '-' || c == '_';

        if (!ok || n >= TM_TOKEN_BOOT_MAX)
            return 0;
    }
    return 1;
}

/* v in lowercase hex, no leading zero, into out (17 bytes). No printf: a
 * 64-bit conversion is not portable to every C runtime terminus builds on. */
void tm_hex64(uint64_t v, char out[17])
{
    char tmp[17];
    size_t n = 0, i;

    do {
        tmp[n++] = "0123456789abcdef"[v & 0xF];
        v >>= 4;
    } while (v != 0);
    for (i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

int tm_token_format(const tm_token *t, char *buf, size_t size)
{
    char start[17], unique[17];
    int n;

    if (!tm_token_boot_ok(t->boot) || t->pid == 0 || t->pid > INT32_MAX || size == 0)
        return -1;
    tm_hex64(t->start, start);
    tm_hex64(t->unique, unique);
    n = snprintf(buf, size, TM_TOKEN_PREFIX "%s.%lu.%s.%s", t->boot, (unsigned long)t->pid, start,
                 unique);
    if (n < 0 || (size_t)n >= size) {
        buf[0] = '\0';
        return -1;
    }
    return n;
}

/* A field of the token: [*p, the next '.' or the end). */
typedef struct tm_field {
    const char *s;
    size_t len;
} tm_field;

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* A field of lowercase hex, 1 to 16 digits, no leading zero. */
static int read_hex(const tm_field *f, const char *what, uint64_t *out, char *why, size_t whysize)
{
    uint64_t v = 0;

    if (f->len == 0) {
        snprintf(why, whysize, "its %s is empty", what);
        return 0;
    }
    if (f->len > 16) {
        snprintf(why, whysize, "its %s has more than 16 hex digits", what);
        return 0;
    }
    if (f->len > 1 && f->s[0] == '0') {
        snprintf(why, whysize, "its %s has a leading zero", what);
        return 0;
    }
    for (size_t i = 0; i < f->len; i++) {
        int d = hex_digit(f->s[i]);

        if (d < 0) {
            snprintf(why, whysize, "its %s is not lowercase hex", what);
            return 0;
        }
        v = (v << 4) | (uint64_t)d;
    }
    *out = v;
    return 1;
}

static int read_pid(const tm_field *f, terminus_pid *out, char *why, size_t whysize)
{
    uint64_t v = 0;

    if (f->len == 0) {
        snprintf(why, whysize, "its pid is empty");
        return 0;
    }
    if (f->s[0] == '0') {
        snprintf(why, whysize, "its pid %s", f->len == 1 ? "is 0" : "has a leading zero");
        return 0;
    }
    for (size_t i = 0; i < f->len; i++) {
        if (f->s[i] < '0' || f->s[i] > '9') {
            snprintf(why, whysize, "its pid is not a decimal number");
            return 0;
        }
        v = v * 10 + (uint64_t)(f->s[i] - '0');
        if (v > INT32_MAX) {
            snprintf(why, whysize, "its pid is above INT32_MAX");
            return 0;
        }
    }
    *out = (terminus_pid)v;
    return 1;
}

int tm_token_parse(const char *s, tm_token *t, char *why, size_t whysize)
{
    tm_field f[4];
    size_t len, nf = 0;
    const char *p;

    memset(t, 0, sizeof *t);
    if (whysize > 0)
        why[0] = '\0';
    if (s == NULL) {
        snprintf(why, whysize, "it is NULL");
        return 0;
    }
    /* Read one byte past the longest token at most. */
    for (len = 0; len < TERMINUS_TOKEN_MAX && s[len] != '\0'; len++)
        ;
    if (len == 0) {
        snprintf(why, whysize, "it is empty");
        return 0;
    }
    if (len >= TERMINUS_TOKEN_MAX) {
        snprintf(why, whysize, "it is longer than %d bytes", TERMINUS_TOKEN_MAX - 1);
        return 0;
    }
    if (strncmp(s, TM_TOKEN_PREFIX, strlen(TM_TOKEN_PREFIX)) != 0) {
        snprintf(why, whysize,
                 "it does not start with \"%s\" (not an identity token, or one of a later "
                 "version)",
                 TM_TOKEN_PREFIX);
        return 0;
    }
    p = s + strlen(TM_TOKEN_PREFIX);
    for (;;) {
        const char *dot = memchr(p, '.', len - (size_t)(p - s));

        if (nf == 4) {
            snprintf(why, whysize, "it has more than 5 fields (t1.boot.pid.start.unique)");
            return 0;
        }
        f[nf].s = p;
        f[nf].len = dot != NULL ? (size_t)(dot - p) : len - (size_t)(p - s);
        nf++;
        if (dot == NULL)
            break;
        p = dot + 1;
    }
    if (nf != 4) {
        snprintf(why, whysize, "it has %u fields, not 5 (t1.boot.pid.start.unique)",
                 (unsigned)(nf + 1));
        return 0;
    }
    if (f[0].len > TM_TOKEN_BOOT_MAX) {
        snprintf(why, whysize, "its boot id is longer than %d characters", TM_TOKEN_BOOT_MAX);
        return 0;
    }
    memcpy(t->boot, f[0].s, f[0].len);
    t->boot[f[0].len] = '\0';
    if (!tm_token_boot_ok(t->boot)) {
        snprintf(why, whysize,
                 "its boot id has a character other than a letter, a digit, '-' or "
                 "'_'");
        return 0;
    }
    if (!read_pid(&f[1], &t->pid, why, whysize) ||
        !read_hex(&f[2], "start", &t->start, why, whysize) ||
        !read_hex(&f[3], "unique id", &t->unique, why, whysize))
        return 0;
    return 1;
}
