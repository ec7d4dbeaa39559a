/*
 * tests/common/check.h: the one test harness of the C tests (the unit
 * programs, the posix and win32 integration programs, the threads test), in
 * portable C11 so that it builds natively and with mingw-w64 (run under Wine).
 *
 * A test case is a `static void name(void)`. Each program has ONE table of
 * its cases and hands it to h_main() (or ends with HARNESS_MAIN(T(a), T(b))):
 *
 *     PROG --list          print the names of the cases, one a line; meson
 *                          compares them with the tests it registers
 *                          (tests/check-list.py)
 *     PROG                 run every case in turn (unless the program runs one
 *                          case per process: .need_name)
 *     PROG NAME [ARGS...]  run the case NAME; ARGS are what the program needs
 *                          (.nargs of them)
 *
 * Output is TAP-like: "1..N", "ok N - name", "not ok N - name",
 * "ok N - name # SKIP why", diagnostics after "# ". The exit code is 0 when
 * every case run passed (or was skipped), 1 when one failed, 77 when the one
 * case named was skipped (meson's "skipped"), 2 for a bad command line.
 *
 * CHECK* record a failure (file:line and the values) and go on; each is an
 * expression that is 1 when the check held, 0 when it failed. REQUIRE*
 * record the failure and end the case (longjmp back to the runner; the
 * program's teardown still runs). SKIP(...) ends the case as skipped, unless
 * a check has failed already (then it failed). FAIL(...) records a failure
 * with a message. All of them belong to the thread that runs the case.
 */
#ifndef TERMINUS_TEST_CHECK_H
#define TERMINUS_TEST_CHECK_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <terminus.h>

typedef void (*h_test_fn)(void);

typedef struct h_test {
    const char *name;
    h_test_fn fn;
    int hidden; /* H_HIDDEN: runnable by name but not listed (a part another case runs) */
} h_test;

#define H_HIDDEN 1

/* One entry of the table: T(fn) names the case after its function. */
/* clang-format off */
#define T(fn) { #fn, fn, 0 }
/* clang-format on */

/* What a program tells h_main() besides its table. */
typedef struct h_program {
    const h_test *tests;
    size_t count;
    int need_name;              /* 1: one case per process; running them all is refused */
    int nargs;                  /* how many arguments must follow NAME */
    const char *usage;          /* what follows NAME, for the usage line ("CHILD") */
    void (*setup)(char **args); /* before the case, under REQUIRE; args: those after NAME */
    void (*teardown)(void);     /* after the case, also one that REQUIRE or SKIP ended */
} h_program;

/* Failures in the case that runs now (a test may read it). */
static int h_failures;
static const char *h_skipped; /* the reason SKIP gave, or NULL */
static char h_skip_reason[256];
static int h_armed; /* h_jmp is valid: a case runs */
static jmp_buf h_jmp;

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
    h_failures++;
    printf("#   %s:%d: ", file, line);
}

/* Back to the runner; outside a case (a failed REQUIRE in a teardown) the
 * program ends with a failure. */
static inline void h_abort(void)
{
    fflush(stdout);
    if (!h_armed)
        exit(EXIT_FAILURE);
    longjmp(h_jmp, 1);
}

/* A check that held (a call, so that CHECK(1); is a statement with an effect). */
static inline int h_pass(void)
{
    return 1;
}

static inline int h_fail_check(const char *file, int line, const char *expr)
{
    h_fail_head(file, line);
    printf("CHECK(%s) failed\n", expr);
    return 0;
}

/* A failure with a message; expr is the condition (NULL for FAIL). The
 * thread's error record follows, as it often says why. */
static inline int h_fail_msg(const char *file, int line, const char *expr, const char *fmt, ...)
    TERMINUS_PRINTF(4, 5);

static inline int h_fail_msg(const char *file, int line, const char *expr, const char *fmt, ...)
{
    const terminus_error *e = terminus_error_last();
    va_list ap;

    h_fail_head(file, line);
    if (expr != NULL)
        printf("CHECK(%s) failed: ", expr);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf(" [error_last: %s \"%s\"]\n", terminus_error_name(e->code),
           e->message != NULL ? e->message : "(null)");
    return 0;
}

static inline int h_check_eq(long long a, long long b, int want_equal, const char *file, int line,
                             const char *ea, const char *eb)
{
    char ba[32], bb[32];

    if ((a == b) == (want_equal != 0))
        return 1;
    h_fail_head(file, line);
    printf("%s(%s, %s) failed: %s is %s, %s is %s\n", want_equal ? "CHECK_EQ" : "CHECK_NE", ea, eb,
           ea, h_lltoa(ba, sizeof ba, a), eb, h_lltoa(bb, sizeof bb, b));
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
    h_fail_head(file, line);
    printf("%s(%s, %s) failed: \"%s\" vs \"%s\"\n", mode == 0 ? "CHECK_STR_EQ" : "CHECK_CONTAINS",
           ea, eb, a != NULL ? a : "(null)", b != NULL ? b : "(null)");
    return 0;
}

/* A TERMINUS_* code: prints both names and the thread's error record. */
static inline int h_check_rc(int got, int want, const char *file, int line, const char *expr)
{
    const terminus_error *e;

    if (got == want)
        return 1;
    e = terminus_error_last();
    h_fail_head(file, line);
    printf("%s returned %d %s, expected %d %s (error_last: %s %lld \"%s\")\n", expr, got,
           terminus_error_name(got), want, terminus_error_name(want), terminus_error_name(e->code),
           (long long)e->os_code, e->message != NULL ? e->message : "(null)");
    return 0;
}

static inline void h_skip(const char *fmt, ...) TERMINUS_PRINTF(1, 2);

static inline void h_skip(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(h_skip_reason, sizeof h_skip_reason, fmt, ap);
    va_end(ap);
    h_skipped = h_skip_reason;
    h_abort();
}

/* Each CHECK is an expression: 1 if it held. The condition is evaluated
 * once, and a message's arguments only when it failed. */
#define CHECK(cond) ((cond) ? h_pass() : h_fail_check(__FILE__, __LINE__, #cond))
#define CHECK_MSG(cond, ...)                                                                       \
    ((cond) ? h_pass() : h_fail_msg(__FILE__, __LINE__, #cond, __VA_ARGS__))
#define CHECK_EQ(a, b)     h_check_eq((long long)(a), (long long)(b), 1, __FILE__, __LINE__, #a, #b)
#define CHECK_NE(a, b)     h_check_eq((long long)(a), (long long)(b), 0, __FILE__, __LINE__, #a, #b)
#define CHECK_STR_EQ(a, b) h_check_str((a), (b), 0, __FILE__, __LINE__, #a, #b)
#define CHECK_CONTAINS(hay, needle)                                                                \
    h_check_str((hay), (needle), 1, __FILE__, __LINE__, #hay, #needle)
#define CHECK_RC(expr, want) h_check_rc((int)(expr), (want), __FILE__, __LINE__, #expr)
#define FAIL(...)            h_fail_msg(__FILE__, __LINE__, NULL, __VA_ARGS__)

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
#define REQUIRE_RC(expr, want)                                                                     \
    do {                                                                                           \
        if (!CHECK_RC(expr, want))                                                                 \
            h_abort();                                                                             \
    } while (0)

/* The thread's error record: its code, and a message that holds `needle`. */
#define CHECK_ERROR(want, needle)                                                                  \
    do {                                                                                           \
        const terminus_error *e_ = terminus_error_last();                                          \
        REQUIRE(e_ != NULL);                                                                       \
        CHECK_RC(e_->code, (want));                                                                \
        REQUIRE(e_->message != NULL);                                                              \
        CHECK_CONTAINS(e_->message, (needle));                                                     \
    } while (0)

/* End the case as skipped (printf-style reason). */
#define SKIP(...) h_skip(__VA_ARGS__)

/* Print a diagnostic line ("# ..."); the text must not hold a newline. */
#define NOTE(text) printf("# %s\n", (text))

/* Run one case; 1 passed, 0 failed, -1 skipped. */
static inline int h_run_case(const h_program *p, const h_test *t, int number, char **args)
{
    int result;

    h_failures = 0;
    h_skipped = NULL;
    if (setjmp(h_jmp) == 0) {
        h_armed = 1;
        if (p->setup != NULL)
            p->setup(args);
        t->fn();
    } else if (h_skipped == NULL) {
        printf("#   (the case was abandoned after a failed REQUIRE)\n");
    }
    h_armed = 0;
    if (p->teardown != NULL)
        p->teardown();
    result = h_failures > 0 ? 0 : h_skipped != NULL ? -1 : 1;
    if (result < 0)
        printf("ok %d - %s # SKIP %s\n", number, t->name, h_skipped);
    else
        printf("%s %d - %s\n", result ? "ok" : "not ok", number, t->name);
    return result;
}

static inline int h_usage(const h_program *p, const char *prog)
{
    size_t i;

    printf("# usage: %s --list | %s%s%s\n# the cases:\n", prog, p->need_name ? "NAME" : "[NAME]",
           p->usage != NULL ? " " : "", p->usage != NULL ? p->usage : "");
    for (i = 0; i < p->count; i++) {
        if (!p->tests[i].hidden)
            printf("#   %s\n", p->tests[i].name);
    }
    return 2;
}

static inline int h_main(const h_program *p, int argc, char **argv)
{
    const char *prog = argc > 0 ? argv[0] : "test";
    int failed = 0, total = 0, number = 0;
    size_t i;

    /* unbuffered: a forked child must not print what the parent printed */
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (i = 0; i < p->count; i++) {
            if (!p->tests[i].hidden)
                printf("%s\n", p->tests[i].name);
        }
        return 0;
    }
    if (argc > 1) {
        if (argc - 2 != p->nargs)
            return h_usage(p, prog);
        for (i = 0; i < p->count; i++) {
            if (strcmp(p->tests[i].name, argv[1]) == 0) {
                int result;

                printf("1..1\n");
                result = h_run_case(p, &p->tests[i], 1, argv + 2);
                return result > 0 ? 0 : result < 0 ? 77 : 1;
            }
        }
        printf("# no case named %s\n", argv[1]);
        return h_usage(p, prog);
    }
    if (p->need_name || p->nargs > 0)
        return h_usage(p, prog);
    for (i = 0; i < p->count; i++)
        total += !p->tests[i].hidden;
    printf("1..%d\n", total);
    for (i = 0; i < p->count; i++) {
        if (!p->tests[i].hidden && h_run_case(p, &p->tests[i], ++number, argv + 1) == 0)
            failed++;
    }
    if (failed > 0)
        printf("# %d of %d cases failed\n", failed, total);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* A program whose table is all it has: every case runs when none is named. */
#define HARNESS_MAIN(...)                                                                          \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        static const h_test h_tests[] = { __VA_ARGS__ };                                           \
        static const h_program h_prog = {                                                          \
            .tests = h_tests,                                                                      \
            .count = sizeof h_tests / sizeof h_tests[0],                                           \
        };                                                                                         \
        return h_main(&h_prog, argc, argv);                                                        \
    }

#endif /* TERMINUS_TEST_CHECK_H */
