/*
 * lib/core/util.c: argument checks shared by every entry point, so that bad
 * input gets the same code and the same kind of message on every backend;
 * the growing arrays of the lists the calls build.
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
int tm_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;

    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        uint32_t cp, min;

        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (len - i <= n)
            return 0;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n + 1;
    }
    return 1;
}

int tm_check_string(const char *fn, const char *what, const char *s, size_t max, int allow_space)
{
    size_t len;

    if (s == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: %s is NULL", fn, what);
    /* Look at one byte past max at most: a huge or unterminated-looking
     * string is not read to its end. */
    for (len = 0; len <= max && s[len] != '\0'; len++) {
        unsigned char c = (unsigned char)s[len];
        if (c < 0x20 || c == 0x7F)
            return tm_fail(TERMINUS_E_INVALID, "%s: %s has a control character (0x%02X) at byte %u",
                           fn, what, (unsigned)c, (unsigned)len);
        if (c == ' ' && !allow_space)
            return tm_fail(TERMINUS_E_INVALID, "%s: %s has a space at byte %u", fn, what,
                           (unsigned)len);
    }
    if (len == 0)
        return tm_fail(TERMINUS_E_INVALID, "%s: %s is empty", fn, what);
    if (len > max)
        return tm_fail(TERMINUS_E_INVALID, "%s: %s is longer than %u bytes", fn, what,
                       (unsigned)max);
    if (!tm_utf8_valid(s, len))
        return tm_fail(TERMINUS_E_INVALID, "%s: %s is not valid UTF-8", fn, what);
    return TERMINUS_OK;
}

int tm_check_pid(const char *fn, const terminus_os *os, terminus_pid pid)
{
    if (pid == 0)
        return tm_fail(TERMINUS_E_INVALID,
                       "%s: pid 0 is not a process (it would mean the caller's group)", fn);
    if (pid > INT32_MAX)
        return tm_fail(
            TERMINUS_E_INVALID,
            "%s: pid %lu is above INT32_MAX (kill() would read it as a group or every process)", fn,
            (unsigned long)pid);
    if (os->self_pid != NULL && pid == os->self_pid(os->data))
        return tm_fail(TERMINUS_E_REFUSED, "%s: pid %lu is the calling process (use terminus_exit)",
                       fn, (unsigned long)pid);
    if (os->system_pid != 0 && pid == os->system_pid)
        return tm_fail(TERMINUS_E_REFUSED,
                       "%s: pid %lu is the system's first process and is protected", fn,
                       (unsigned long)pid);
    return TERMINUS_OK;
}

/* The pointer is read and written through memcpy, so that any object
 * pointer's storage can be given as `pitems`. */
int tm_resize(void *pitems, size_t n, size_t size)
{
    void *items, *q;

    if (n > (size_t)-1 / size)
        return 0;
    memcpy(&items, pitems, sizeof items);
    q = realloc(items, n * size);
    if (q == NULL)
        return 0;
    memcpy(pitems, &q, sizeof q);
    return 1;
}

int tm_grow(void *pitems, size_t *cap, size_t size, size_t first)
{
    size_t n = *cap != 0 ? *cap * 2 : first;

    if (n < *cap || !tm_resize(pitems, n, size))
        return 0;
    *cap = n;
    return 1;
}

void *tm_handout(void *items, size_t count)
{
    if (count == 0) {
        free(items);
        return NULL;
    }
    return items;
}
