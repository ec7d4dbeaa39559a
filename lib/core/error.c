/*
 * lib/core/error.c: the error codes (one list, TERMINUS_ERROR_MAP, three
 * uses) and the thread-local error record.
 */
#include <stdio.h>
#include <string.h>

#include "core.h"

/* Tie the list to the contract's numbers: each entry must be the next code. */
enum {
    TM_CODE_COUNT = 0
#define TM_COUNT(code, msg) +1
    TERMINUS_ERROR_MAP(TM_COUNT)
#undef TM_COUNT
};
_Static_assert(TM_CODE_COUNT == 1 - TERMINUS_E_LAST, "TERMINUS_ERROR_MAP lists every code once");

const char *terminus_strerror(int code)
{
    switch (code) {
#define TM_STR(c, msg)                                                                             \
    case c:                                                                                        \
        return msg;
        TERMINUS_ERROR_MAP(TM_STR)
#undef TM_STR
    default:
        return "unknown error";
    }
}

const char *terminus_error_name(int code)
{
    switch (code) {
#define TM_NAME(c, msg)                                                                            \
    case c:                                                                                        \
        return #c;
        TERMINUS_ERROR_MAP(TM_NAME)
#undef TM_NAME
    default:
        return "TERMINUS_E_UNKNOWN";
    }
}

const char *terminus_version(void)
{
    return TERMINUS_VERSION_STRING;
}

typedef struct tm_record {
    terminus_error pub;
    unsigned serial; /* moves on every write: tells a fresh record from an old one */
    char buf[512];
} tm_record;

static _Thread_local tm_record tls_record;

static tm_record *record(void)
{
    tm_record *r = &tls_record;
    if (r->pub.message == NULL)
        r->pub.message = r->buf; /* buf starts as "" */
    return r;
}

/* The length of s[0..len) without a UTF-8 sequence cut off at its end. */
static size_t utf8_whole(const char *s, size_t len)
{
    size_t i = len, need;
    unsigned char lead;

    /* Back over the continuation bytes (at most three) to the lead byte. */
    while (i > 0 && len - i < 3 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0)
        return len;
    lead = (unsigned char)s[i - 1];
    if (lead < 0xC0)
        return len; /* ASCII, or not UTF-8 at all: nothing to mend */
    need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    return len - (i - 1) < need ? i - 1 : len;
}

static int vset(int code, int64_t os_code, const char *fmt, va_list ap)
{
    tm_record *r = record();
    /* Formatted apart first: an argument may be the record's own message
     * (a backend that rewrites the code and keeps the text). */
    char tmp[sizeof r->buf];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    size_t len = n < 0 ? 0 : (size_t)n;

    if (len >= sizeof tmp)
        len = utf8_whole(tmp, sizeof tmp - 1); /* cut on a character boundary */
    memcpy(r->buf, tmp, len);
    r->buf[len] = '\0';
    r->pub.code = code;
    r->pub.os_code = os_code;
    r->pub.message = r->buf;
    r->serial++;
    return code;
}

const terminus_error *terminus_error_last(void)
{
    return &record()->pub;
}

void terminus_error_clear(void)
{
    tm_record *r = record();
    r->pub.code = TERMINUS_OK;
    r->pub.os_code = 0;
    r->buf[0] = '\0';
    r->serial++;
}

int terminus_os_error(int code, int64_t os_code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(code, os_code, fmt ? fmt : "", ap);
    va_end(ap);
    return code;
}

int tm_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(code, 0, fmt, ap);
    va_end(ap);
    return code;
}

void tm_error_save(tm_error_saved *s)
{
    const tm_record *r = record();

    s->serial = r->serial;
    s->code = r->pub.code;
    s->os_code = r->pub.os_code;
    memcpy(s->message, r->buf, sizeof s->message);
}

void tm_error_restore(const tm_error_saved *s)
{
    tm_record *r = record();

    if (r->serial == s->serial)
        return;
    _Static_assert(sizeof s->message == sizeof r->buf, "a saved record holds a whole one");
    memcpy(r->buf, s->message, sizeof r->buf);
    r->pub.code = s->code;
    r->pub.os_code = s->os_code;
    r->pub.message = r->buf;
    r->serial++;
}

unsigned tm_error_mark(void)
{
    return record()->serial;
}

int tm_os_failed(unsigned mark, int code, const terminus_os *os, const char *primitive)
{
    tm_record *r = record();
    if (r->serial == mark || r->pub.code != code)
        return tm_fail(code, "%s backend: %s failed: %s", os->name ? os->name : "unnamed",
                       primitive, terminus_strerror(code));
    return code;
}

int tm_unsupported(const terminus_os *os, const char *fn, const char *primitive)
{
    return tm_fail(TERMINUS_E_UNSUPPORTED, "%s: not supported: the %s OS backend has no %s", fn,
                   os->name ? os->name : "unnamed", primitive);
}
