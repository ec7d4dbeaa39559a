/*
 * tests/unit/harness.h: a tiny test harness in portable C11, so that the same
 * unit tests build natively and with mingw-w64 (run under Wine).
 *
 * A test is a `static void name(void)`. Each test file ends with
 *
 *     HARNESS_MAIN(T(first_test), T(second_test), ...)
 *
 * The program prints TAP-like lines ("1..N", "ok N - name",
 * "not ok N - name", diagnostics after "# "), exits 1 if any test failed,
 * and runs only the test named by argv[1] when one is given.
 *
 * CHECK* report a failure (file:line and the values) and go on; REQUIRE* also
 * abandon the current test (longjmp back to the runner).
 */
#ifndef TERMINUS_TEST_HARNESS_H
#define TERMINUS_TEST_HARNESS_H

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*h_test_fn)(void);

typedef struct h_test {
    const char *name;
    h_test_fn fn;
} h_test;

/* Failures in the test that runs now. */
static int h_failures;
static jmp_buf h_abort_jmp;

/* Decimal text of a long long without relying on the C runtime's %lld. */
static inline const char *h_lltoa(char *buf, size_t size, long long v)
{
    char tmp[32];
    size_t n = 0, i = 0;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;

    do {
        tmp[n++] = (char)('0' + (int)(u % 10u));
        u /= 10u;
    } while (u != 0 && n < sizeof tmp);
    if (v < 0 && i + 1 < size)
        buf[i++] = '-';
    while (n > 0 && i + 1 < size)
        buf[i++] = tmp[--n];
    buf[i] = '\0';
    return buf;
}

static inline void h_fail_head(const char *file, int line)
{
    printf("#   %s:%d: ", file, line);
}

static inline void h_abort(void)
{
    longjmp(h_abort_jmp, 1);
}

static inline int h_check(int ok, const char *file, int line, const char *expr)
{
    if (ok)
        return 1;
    h_failures++;
    h_fail_head(file, line);
    printf("CHECK(%s) failed\n", expr);
    fflush(stdout);
    return 0;
}

static inline int h_check_eq(long long a, long long b, int want_equal, const char *file, int line,
                             const char *ea, const char *eb)
{
    char ba[32], bb[32];

    if ((a == b) == (want_equal != 0))
        return 1;
    h_failures++;
    h_fail_head(file, line);
    printf("%s(%s, %s) failed: %s is %s, %s is %s\n", want_equal ? "CHECK_EQ" : "CHECK_NE", ea, eb, ea,
           h_lltoa(ba, sizeof ba, a), eb, h_lltoa(bb, sizeof bb, b));
    fflush(stdout);
    return 0;
}

/* mode 0: equal; 1: haystack contains needle. */
static inline int h_check_str(const char *a, const char *b, int mode, const char *file, int line,
                              const char *ea, const char *eb)
{
    int ok;

    if (a == NULL || b == NULL)
        ok = 0;
    else if (mode == 0)
        ok = strcmp(a, b) == 0;
    else
        ok = strstr(a, b) != NULL;
    if (ok)
        return 1;
    h_failures++;
    h_fail_head(file, line);
    printf("%s(%s, %s) failed: \"%s\" vs \"%s\"\n", mode == 0 ? "CHECK_STR_EQ" : "CHECK_CONTAINS", ea,
           eb, a != NULL ? a : "(null)", b != NULL ? b : "(null)");
    fflush(stdout);
    return 0;
}

#define CHECK(cond) h_check((cond) ? 1 : 0, __FILE__, __LINE__, #cond)
#define CHECK_EQ(a, b) h_check_eq((long long)(a), (long long)(b), 1, __FILE__, __LINE__, #a, #b)
#define CHECK_NE(a, b) h_check_eq((long long)(a), (long long)(b), 0, __FILE__, __LINE__, #a, #b)
#define CHECK_STR_EQ(a, b) h_check_str((a), (b), 0, __FILE__, __LINE__, #a, #b)
#define CHECK_CONTAINS(hay, needle) h_check_str((hay), (needle), 1, __FILE__, __LINE__, #hay, #needle)

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!CHECK(cond))                                                                          \
            h_abort();                                                                             \
    } while (0)
#define REQUIRE_EQ(a, b)                                                                           \
    do {                                                                                           \
        if (!CHECK_EQ(a, b))                                                                       \
            h_abort();                                                                             \
    } while (0)

/* Print a diagnostic line ("# ..."); the text must not hold a newline. */
#define NOTE(text)                                                                                 \
    do {                                                                                           \
        printf("# %s\n", (text));                                                                  \
        fflush(stdout);                                                                            \
    } while (0)

static inline int h_run_one(const h_test *t, int number)
{
    h_failures = 0;
    if (setjmp(h_abort_jmp) == 0) {
        t->fn();
    } else {
        printf("#   (test abandoned after a failed REQUIRE)\n");
    }
    printf("%s %d - %s\n", h_failures == 0 ? "ok" : "not ok", number, t->name);
    fflush(stdout);
    return h_failures == 0;
}

static inline int h_run(const h_test *tests, size_t count, int argc, char **argv)
{
    int failed = 0;
    size_t i;

    if (argc > 1) {
        for (i = 0; i < count; i++) {
            if (strcmp(tests[i].name, argv[1]) == 0) {
                printf("1..1\n");
                return h_run_one(&tests[i], 1) ? EXIT_SUCCESS : EXIT_FAILURE;
            }
        }
        printf("# no test named %s; the tests are:\n", argv[1]);
        for (i = 0; i < count; i++)
            printf("#   %s\n", tests[i].name);
        return EXIT_FAILURE;
    }
    printf("1..%d\n", (int)count);
    fflush(stdout);
    for (i = 0; i < count; i++) {
        if (!h_run_one(&tests[i], (int)i + 1))
            failed++;
    }
    if (failed > 0)
        printf("# %d of %d tests failed\n", failed, (int)count);
    fflush(stdout);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* One entry of the table: T(fn) names the test after its function. */
#define T(fn) { #fn, fn }

#define HARNESS_MAIN(...)                                                                          \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        static const h_test h_tests[] = { __VA_ARGS__ };                                           \
        return h_run(h_tests, sizeof h_tests / sizeof h_tests[0], argc, argv);                     \
    }

#endif /* TERMINUS_TEST_HARNESS_H */
