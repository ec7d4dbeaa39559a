/*
 * lib/core/duration.c: durations and idle times (include/terminus/session.h),
 * pure functions of their arguments: no OS call, no clock. The parser reads
 * what the `logoff` command's /IDLE: takes; the formatter writes an idle
 * time as `query user` does; terminus_session_idle_ms() is the one rule for
 * how long a session has been idle, on every backend.
 */
#include <stdio.h>
#include <string.h>

#include "server.h"

#define MS_SECOND 1000ull
#define MS_MINUTE (60ull * MS_SECOND)
#define MS_HOUR   (60ull * MS_MINUTE)
#define MS_DAY    (24ull * MS_HOUR)

/* The most of the text a message shows: 64 bytes, cut at a character
 * boundary, control characters as '?'. */
static void shown(const char *text, char *buf, size_t size)
{
    size_t n = 0;

    while (text[n] != '\0' && n < 64 && n + 1 < size)
        n++;
    if (text[n] != '\0') /* cut: back over a sequence cut in two */
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        buf[i] = c < 0x20 || c == 0x7F ? '?' : (char)c;
    }
    buf[n] = '\0';
}

static int bad(const char *text, const char *why, ...) TERMINUS_PRINTF(2, 3);

static int bad(const char *text, const char *why, ...)
{
    char what[256], show[72];
    va_list ap;

    va_start(ap, why);
    vsnprintf(what, sizeof what, why, ap);
    va_end(ap);
    shown(text, show, sizeof show);
    return tm_fail(TERMINUS_E_INVALID, "terminus_duration_parse: \"%s%s\": %s", show,
                   strlen(text) > strlen(show) ? "..." : "", what);
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* v * mul + add into *acc without overflow; 0 when it would overflow. */
static int add_scaled(uint64_t *acc, uint64_t v, uint64_t mul)
{
    if (v > UINT64_MAX / mul)
        return 0;
    v *= mul;
    if (v > UINT64_MAX - *acc)
        return 0;
    *acc += v;
    return 1;
}

/* Digits at s[*i]: the number in *v (0 if it overflows: *over set). */
static size_t digits(const char *s, size_t *i, uint64_t *v, int *over)
{
    size_t start = *i;

    *v = 0;
    *over = 0;
    while (is_digit(s[*i])) {
        uint64_t d = (uint64_t)(s[*i] - '0');
        if (*v > (UINT64_MAX - d) / 10)
            *over = 1;
        else
            *v = *v * 10 + d;
        (*i)++;
    }
    return *i - start;
}

/* "5", "1:02", "2+03:04": the notation query user writes idle times in. */
static int parse_query(const char *s, uint64_t *ms)
{
    uint64_t first, hh, mm, total = 0;
    size_t i = 0;
    int over;

    if (digits(s, &i, &first, &over) == 0)
        return bad(s, "expected a number at byte %u", (unsigned)i);
    if (over)
        return bad(s, "too long");
    if (s[i] == '\0') /* minutes alone */
        return add_scaled(&total, first, MS_MINUTE) ? (*ms = total, TERMINUS_OK)
                                                    : bad(s, "too long");
    if (s[i] == '+') {
        size_t at = ++i;
        if (digits(s, &i, &hh, &over) != 2)
            return bad(s, "expected two digits of hours after '+' at byte %u", (unsigned)at);
        if (hh >= 24)
            return bad(s, "%02u hours after '+': below 24", (unsigned)hh);
        if (s[i] != ':')
            return bad(s, "expected ':' and two digits of minutes at byte %u", (unsigned)i);
        if (!add_scaled(&total, first, MS_DAY) || !add_scaled(&total, hh, MS_HOUR))
            return bad(s, "too long");
    } else if (s[i] == ':') {
        if (!add_scaled(&total, first, MS_HOUR))
            return bad(s, "too long");
    } else {
        return bad(s, "unexpected '%c' at byte %u", s[i], (unsigned)i);
    }
    {
        size_t at = ++i;
        if (digits(s, &i, &mm, &over) != 2)
            return bad(s, "expected two digits of minutes after ':' at byte %u", (unsigned)at);
    }
    if (mm >= 60)
        return bad(s, "%02u minutes after ':': below 60", (unsigned)mm);
    if (s[i] != '\0')
        return bad(s, "unexpected text after the minutes at byte %u", (unsigned)i);
    if (!add_scaled(&total, mm, MS_MINUTE))
        return bad(s, "too long");
    *ms = total;
    return TERMINUS_OK;
}

/* "90m", "1h30m", "2d": numbers with units, largest first, each once. */
static int parse_units(const char *s, uint64_t *ms)
{
    static const char units[] = "dhms";
    static const uint64_t scale[] = { MS_DAY, MS_HOUR, MS_MINUTE, MS_SECOND };
    uint64_t total = 0, v;
    size_t i = 0;
    int last = -1; /* index in units of the last unit read */
    int over;

    while (s[i] != '\0') {
        size_t at = i, n = digits(s, &i, &v, &over);
        char c = s[i], lower = c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
        const char *u = lower != '\0' ? strchr(units, lower) : NULL;
        int k;

        if (n == 0) {
            if (u != NULL)
                return bad(s, "no number before '%c' at byte %u", c, (unsigned)i);
            if (c == '-')
                return bad(s, "a duration is not negative");
            if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7F)
                return bad(s, "unexpected byte 0x%02X at byte %u", (unsigned)(unsigned char)c,
                           (unsigned)i);
            return bad(s,
                       "unexpected '%c' at byte %u (a duration is a number and a unit: 90m, "
                       "2h, 1d)",
                       c, (unsigned)i);
        }
        if (c == '\0')
            return bad(s, "no unit after %.*s (d, h, m or s; a number alone is minutes)", (int)n,
                       s + at);
        if (u == NULL) {
            if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7F)
                return bad(s, "unexpected byte 0x%02X at byte %u", (unsigned)(unsigned char)c,
                           (unsigned)i);
            return bad(s, "unknown unit '%c' at byte %u (d, h, m or s)", c, (unsigned)i);
        }
        k = (int)(u - units);
        if (k <= last)
            return bad(s, "'%c' after '%c': write the units largest first, each once (1d2h30m)", c,
                       units[last]);
        if (over || !add_scaled(&total, v, scale[k]))
            return bad(s, "too long");
        last = k;
        i++;
    }
    *ms = total;
    return TERMINUS_OK;
}

int terminus_duration_parse(const char *text, uint64_t *ms)
{
    static const char fn[] = "terminus_duration_parse";
    int only_digits = 1, query = 0;

    if (ms != NULL)
        *ms = 0;
    if (text == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: text is NULL", fn);
    if (ms == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: ms is NULL", fn);
    if (text[0] == '\0')
        return bad(text, "the duration is empty (90m, 2h, 1d)");
    if (strcmp(text, ".") == 0)
        return TERMINUS_OK; /* idle less than a minute, as query user writes it */
    for (const char *p = text; *p != '\0'; p++) {
        only_digits &= is_digit(*p);
        query |= *p == ':' || *p == '+';
    }
    return only_digits || query ? parse_query(text, ms) : parse_units(text, ms);
}

int terminus_idle_format(int64_t idle_ms, char *buf, size_t size)
{
    static const char fn[] = "terminus_idle_format";
    char text[32];
    uint64_t min;
    size_t len;

    if (buf == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: buf is NULL", fn);
    if (idle_ms < 0) {
        snprintf(text, sizeof text, "none");
    } else {
        min = (uint64_t)idle_ms / MS_MINUTE;
        if (min == 0)
            snprintf(text, sizeof text, ".");
        else if (min < 60)
            snprintf(text, sizeof text, "%u", (unsigned)min);
        else if (min < 24 * 60)
            snprintf(text, sizeof text, "%u:%02u", (unsigned)(min / 60), (unsigned)(min % 60));
        else
            snprintf(text, sizeof text, "%llu+%02u:%02u", (unsigned long long)(min / (24 * 60)),
                     (unsigned)(min / 60 % 24), (unsigned)(min % 60));
    }
    len = strlen(text);
    if (len >= size) {
        if (size > 0)
            buf[0] = '\0';
        return tm_fail(TERMINUS_E_INVALID, "%s: %lu bytes do not hold \"%s\"", fn,
                       (unsigned long)size, text);
    }
    memcpy(buf, text, len + 1);
    return TERMINUS_OK;
}

int64_t terminus_session_idle_ms(const terminus_session_details *d)
{
    int64_t since;

    if (d == NULL || d->now_us <= 0)
        return -1;
    if (d->state == TERMINUS_SESSION_DISCONNECTED && d->disconnect_us > 0)
        since = d->disconnect_us; /* nobody can use it since then (Windows' rule) */
    else if (d->idle_hint == 0)
        return 0;
    else if (d->idle_since_us > 0)
        since = d->idle_since_us;
    else
        return -1;
    if (since >= d->now_us)
        return 0;
    return (d->now_us - since) / 1000;
}
