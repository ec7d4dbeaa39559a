/*
 * bench/bench_win.c: terminus on Windows (built with mingw-w64, run under
 * Wine) against its floor, measured in the same run.
 *
 *   bench_win [--runs R] [--batch N] [--rounds R2] [--bystanders W]
 *
 * The same program is also the listener (bench_win --listener SEM: a
 * terminus_listen() callback that returns 0, so the request makes it exit
 * cleanly) and the bystander application (bench_win --bystanders-child W
 * SEM: W hidden top-level windows and a message loop). Children tell the
 * bench they are ready by releasing an inherited semaphore; spawning and
 * waiting for ready are outside every timed part.
 *
 * - one listener: terminus_terminate() (the registered message broadcast to
 *   every top-level window, then a wait on the process handle):
 *   result.elapsed_us, p50 and p99 over R runs, against the floor of posting
 *   the same message straight to the listener's window (found beforehand,
 *   untimed) and waiting for the process; then the same with W bystander
 *   windows open in another process;
 * - batch: terminus_terminate_many() over N listeners against the floor of
 *   TerminateProcess() on each and waiting for all, in ABBA pairs.
 *
 * Prints a table with the ratios; exits 2 on an error. There are no target
 * ratios for Windows: the numbers show what the broadcast costs.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef UNICODE
#define UNICODE
#endif
#include <windows.h>

#include <stdint.h>
#include "stats.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <terminus.h>

#define GRACE_MS         10000u
#define READY_TIMEOUT_MS 60000u
#define LISTENER_CLASS   L"terminus.listener.1" /* lib/os/win32's window class */
#define BYSTANDER_CLASS  L"terminus.bench.bystander"

static int n_runs = 30;
static int n_batch = 100;
static int n_pairs = 2;
static int n_bystanders = 200;

static void die(const char *what)
{
    fprintf(stderr, "bench_win: %s failed (error %lu)\n", what, (unsigned long)GetLastError());
    exit(2);
}

static uint64_t now_us(void)
{
    LARGE_INTEGER c, f;
    QueryPerformanceCounter(&c);
    QueryPerformanceFrequency(&f);
    return (uint64_t)c.QuadPart / (uint64_t)f.QuadPart * 1000000u +
           (uint64_t)c.QuadPart % (uint64_t)f.QuadPart * 1000000u / (uint64_t)f.QuadPart;
}

/* --- the children ------------------------------------------------------------ */

static int on_request(void *arg, int reason)
{
    (void)arg;
    (void)reason;
    return 0; /* terminus exits the process cleanly */
}

static int listener_main(HANDLE sem)
{
    terminus_listener *l;
    int rc = terminus_listen(NULL, NULL, 0, on_request, NULL, &l);
    if (rc != TERMINUS_OK) {
        fprintf(stderr, "bench_win --listener: %s\n", terminus_error_last()->message);
        return 3;
    }
    ReleaseSemaphore(sem, 1, NULL);
    CloseHandle(sem);
    for (;;)
        Sleep(INFINITE);
}

static LRESULT CALLBACK bystander_proc(HWND hwnd, UINT msg, WPARAM wp, LPARAM lp)
{
    return DefWindowProcW(hwnd, msg, wp, lp);
}

static int bystanders_main(int count, HANDLE sem)
{
    WNDCLASSEXW wc;
    MSG m;

    memset(&wc, 0, sizeof wc);
    wc.cbSize = sizeof wc;
    wc.lpfnWndProc = bystander_proc;
    wc.hInstance = GetModuleHandleW(NULL);
    wc.lpszClassName = BYSTANDER_CLASS;
    if (!RegisterClassExW(&wc))
        die("RegisterClassExW");
    for (int i = 0; i < count; i++) {
        /* top-level and hidden, as an application's windows that hear broadcasts */
        if (CreateWindowExW(0, BYSTANDER_CLASS, L"bystander", WS_OVERLAPPED, 0, 0, 0, 0, NULL, NULL,
                            wc.hInstance, NULL) == NULL)
            die("CreateWindowExW");
    }
    ReleaseSemaphore(sem, 1, NULL);
    CloseHandle(sem);
    while (GetMessageW(&m, NULL, 0, 0) > 0) {
        TranslateMessage(&m);
        DispatchMessageW(&m);
    }
    return 0;
}

/* --- spawning ---------------------------------------------------------------- */

static HANDLE ready_sem;
static wchar_t self_path[MAX_PATH];

typedef struct child {
    HANDLE h;
    DWORD pid;
} child;

static UINT request_msg;

static void start(child *c, const wchar_t *args)
{
    wchar_t cmd[MAX_PATH + 128];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;

    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    swprintf(cmd, sizeof cmd / sizeof cmd[0], L"\"%ls\" %ls %llu", self_path, args,
             (unsigned long long)(uintptr_t)ready_sem);
    if (!CreateProcessW(self_path, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi))
        die("CreateProcessW");
    CloseHandle(pi.hThread);
    c->h = pi.hProcess;
    c->pid = pi.dwProcessId;
}

static void wait_ready(int n)
{
    for (int i = 0; i < n; i++)
        if (WaitForSingleObject(ready_sem, READY_TIMEOUT_MS) != WAIT_OBJECT_0)
            die("waiting for the children to be ready");
}

static void spawn_listeners(child *c, int n)
{
    for (int i = 0; i < n; i++)
        start(&c[i], L"--listener");
    wait_ready(n);
}

static void wait_gone(child *c, int n)
{
    for (int i = 0; i < n; i++) {
        if (WaitForSingleObject(c[i].h, GRACE_MS) != WAIT_OBJECT_0)
            die("waiting for a child to end");
        CloseHandle(c[i].h);
    }
}

/* --- the listener's window, for the floor ----------------------------------------- */

struct find {
    const child *c;
    int n;
    HWND *hwnd; /* n entries: the listener window of c[i], or NULL */
    int found;
};

static BOOL CALLBACK find_cb(HWND hwnd, LPARAM lp)
{
    struct find *f = (struct find *)lp;
    DWORD pid = 0;
    wchar_t cls[64];

    GetWindowThreadProcessId(hwnd, &pid);
    for (int i = 0; i < f->n; i++) {
        if (f->c[i].pid == pid && f->hwnd[i] == NULL && GetClassNameW(hwnd, cls, 64) > 0 &&
            wcscmp(cls, LISTENER_CLASS) == 0) {
            f->hwnd[i] = hwnd;
            f->found++;
            break;
        }
    }
    return f->found < f->n;
}

/* The listener window of each child: one pass over the top-level windows,
 * as a request that names its targets' windows would make. */
static void listener_windows(const child *c, int n, HWND *hwnd)
{
    struct find f = { c, n, hwnd, 0 };
    for (int i = 0; i < n; i++)
        hwnd[i] = NULL;
    EnumWindows(find_cb, (LPARAM)&f);
    if (f.found != n) {
        fprintf(stderr, "bench_win: found %d of %d listener windows\n", f.found, n);
        exit(2);
    }
}

/* Post the request straight to each listener window. */
static void post_requests(const child *c, int n, const HWND *hwnd)
{
    for (int i = 0; i < n; i++)
        if (!PostMessageW(hwnd[i], request_msg, (WPARAM)c[i].pid, 0))
            die("PostMessageW");
}

/* --- the table ------------------------------------------------------------------ */

struct row {
    char name[64];
    char terminus[32];
    char floor[32];
    char ratio[16];
};

static struct row rows[16];
static int nrows;

static void row_add(const char *name, const char *unit, double t, double f)
{
    struct row *r = &rows[nrows++];
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->terminus, sizeof r->terminus, "%.1f %s", t, unit);
    snprintf(r->floor, sizeof r->floor, "%.1f %s", f, unit);
    snprintf(r->ratio, sizeof r->ratio, "%.2f", t / f);
}

/* --- one listener ----------------------------------------------------------------- */

/* One run of terminus (use_terminus) or the floor; returns microseconds from
 * the request to the observed exit. */
static double one_run(int use_terminus, double *call_us)
{
    child c;

    spawn_listeners(&c, 1);
    if (use_terminus) {
        terminus_terminate_options opts = TERMINUS_TERMINATE_OPTIONS_INIT;
        terminus_result res;
        uint64_t t0, t1;
        int rc;

        opts.grace_ms = GRACE_MS;
        t0 = now_us();
        rc = terminus_terminate(NULL, c.pid, &opts, &res);
        t1 = now_us();
        if (rc != TERMINUS_OK || res.outcome != TERMINUS_OUTCOME_EXITED) {
            fprintf(stderr, "bench_win: terminus_terminate: %s (%s), outcome %d\n",
                    terminus_error_last()->message, terminus_error_name(rc), (int)res.outcome);
            exit(2);
        }
        wait_gone(&c, 1);
        if (call_us != NULL)
            *call_us = (double)(t1 - t0);
        return (double)res.elapsed_us;
    } else {
        HWND hwnd;
        uint64_t t0 = now_us(), t1;
        listener_windows(&c, 1, &hwnd);
        post_requests(&c, 1, &hwnd);
        if (WaitForSingleObject(c.h, GRACE_MS) != WAIT_OBJECT_0)
            die("waiting for the listener to leave");
        t1 = now_us();
        CloseHandle(c.h);
        return (double)(t1 - t0);
    }
}

static void bench_one(const char *label)
{
    double *t = calloc((size_t)n_runs, sizeof *t), *call = calloc((size_t)n_runs, sizeof *call),
           *f = calloc((size_t)n_runs, sizeof *f);
    double t50, t99, c50, f50, f99;
    char name[64];

    if (t == NULL || call == NULL || f == NULL)
        die("calloc");
    one_run(1, NULL); /* warm-up: the first broadcast of a process costs more */
    one_run(0, NULL);
    for (int k = 0; k < n_runs; k++) {
        int terminus_first = k % 4 == 0 || k % 4 == 3; /* ABBA */
        if (terminus_first) {
            t[k] = one_run(1, &call[k]);
            f[k] = one_run(0, NULL);
        } else {
            f[k] = one_run(0, NULL);
            t[k] = one_run(1, &call[k]);
        }
    }
    t50 = quantile(t, n_runs, 0.5);
    t99 = quantile(t, n_runs, 0.99);
    c50 = quantile(call, n_runs, 0.5);
    f50 = quantile(f, n_runs, 0.5);
    f99 = quantile(f, n_runs, 0.99);
    printf("one listener%s, %d runs: terminus broadcast->exit p50 %.2f ms p99 %.2f ms (whole call "
           "p50 %.2f ms); floor post->exit p50 %.2f ms p99 %.2f ms\n",
           label, n_runs, t50 / 1e3, t99 / 1e3, c50 / 1e3, f50 / 1e3, f99 / 1e3);
    snprintf(name, sizeof name, "one listener%s, p50", label);
    row_add(name, "ms", t50 / 1e3, f50 / 1e3);
    snprintf(name, sizeof name, "one listener%s, p99", label);
    row_add(name, "ms", t99 / 1e3, f99 / 1e3);
    free(t);
    free(call);
    free(f);
}

/* --- batch ---------------------------------------------------------------------------- */

enum { B_TERMINUS, B_KILL, B_POST };

static double batch_once(child *c, terminus_pid *pids, terminus_result *res, int mode)
{
    uint64_t t0, t1;

    spawn_listeners(c, n_batch);
    if (mode == B_TERMINUS) {
        terminus_terminate_options opts = TERMINUS_TERMINATE_OPTIONS_INIT;
        int rc;

        opts.grace_ms = GRACE_MS;
        for (int i = 0; i < n_batch; i++)
            pids[i] = c[i].pid;
        t0 = now_us();
        rc = terminus_terminate_many(NULL, pids, (size_t)n_batch, &opts, res);
        t1 = now_us();
        if (rc != TERMINUS_OK) {
            fprintf(stderr, "bench_win: terminus_terminate_many: %s (%s)\n",
                    terminus_error_last()->message, terminus_error_name(rc));
            exit(2);
        }
        for (int i = 0; i < n_batch; i++) {
            if (res[i].outcome != TERMINUS_OUTCOME_EXITED) {
                fprintf(stderr, "bench_win: pid %lu: outcome %d\n", (unsigned long)pids[i],
                        (int)res[i].outcome);
                exit(2);
            }
        }
        wait_gone(c, n_batch);
    } else if (mode == B_POST) {
        HWND *hwnd = calloc((size_t)n_batch, sizeof *hwnd);
        if (hwnd == NULL)
            die("calloc");
        t0 = now_us();
        listener_windows(c, n_batch, hwnd);
        post_requests(c, n_batch, hwnd);
        for (int i = 0; i < n_batch; i++)
            if (WaitForSingleObject(c[i].h, GRACE_MS) != WAIT_OBJECT_0)
                die("WaitForSingleObject");
        t1 = now_us();
        free(hwnd);
        wait_gone(c, n_batch);
    } else {
        t0 = now_us();
        for (int i = 0; i < n_batch; i++)
            if (!TerminateProcess(c[i].h, 1))
                die("TerminateProcess");
        for (int i = 0; i < n_batch; i++)
            if (WaitForSingleObject(c[i].h, GRACE_MS) != WAIT_OBJECT_0)
                die("WaitForSingleObject");
        t1 = now_us();
        wait_gone(c, n_batch);
    }
    Sleep(100); /* let wineserver finish with the last batch */
    return (double)(t1 - t0) / 1e3;
}

static void bench_batch(void)
{
    child *c = calloc((size_t)n_batch, sizeof *c);
    terminus_pid *pids = calloc((size_t)n_batch, sizeof *pids);
    terminus_result *res = calloc((size_t)n_batch, sizeof *res);
    double a[64], b[64], p[64], ratio[64], ratio_p[64];
    char name[64];

    if (c == NULL || pids == NULL || res == NULL)
        die("calloc");
    printf("batch of %d listeners, ms per round (terminus / kill floor / post floor):", n_batch);
    for (int k = 0; k < n_pairs; k++) {
        if (k % 2 == 0) { /* ABC, then CBA */
            a[k] = batch_once(c, pids, res, B_TERMINUS);
            b[k] = batch_once(c, pids, res, B_KILL);
            p[k] = batch_once(c, pids, res, B_POST);
        } else {
            p[k] = batch_once(c, pids, res, B_POST);
            b[k] = batch_once(c, pids, res, B_KILL);
            a[k] = batch_once(c, pids, res, B_TERMINUS);
        }
        ratio[k] = a[k] / b[k];
        ratio_p[k] = a[k] / p[k];
        printf(" %.1f/%.1f/%.1f", a[k], b[k], p[k]);
        fflush(stdout);
    }
    printf("\n");
    snprintf(name, sizeof name, "batch of %d, vs TerminateProcess", n_batch);
    row_add(name, "ms", median(a, n_pairs), median(b, n_pairs));
    snprintf(rows[nrows - 1].ratio, sizeof rows[0].ratio, "%.2f", median(ratio, n_pairs));
    snprintf(name, sizeof name, "batch of %d, vs direct posts", n_batch);
    row_add(name, "ms", median(a, n_pairs), median(p, n_pairs));
    snprintf(rows[nrows - 1].ratio, sizeof rows[0].ratio, "%.2f", median(ratio_p, n_pairs));
    free(c);
    free(pids);
    free(res);
}

/* --- main ------------------------------------------------------------------------------ */

static void usage(void)
{
    fprintf(stderr, "usage: bench_win [--runs R] [--batch N] [--rounds R2] [--bystanders W]\n");
    exit(2);
}

static int arg_int(const char *s, int lo, int hi)
{
    int v = atoi(s);
    if (v < lo || v > hi)
        usage();
    return v;
}

int main(int argc, char **argv)
{
    SECURITY_ATTRIBUTES sa;
    const char *wine = NULL;
    HMODULE ntdll;
    child by;

    if (argc == 3 && strcmp(argv[1], "--listener") == 0)
        return listener_main((HANDLE)(uintptr_t)_strtoui64(argv[2], NULL, 10));
    if (argc == 4 && strcmp(argv[1], "--bystanders-child") == 0)
        return bystanders_main(atoi(argv[2]), (HANDLE)(uintptr_t)_strtoui64(argv[3], NULL, 10));
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            usage();
        if (strcmp(argv[i], "--runs") == 0)
            n_runs = arg_int(argv[++i], 1, 100000);
        else if (strcmp(argv[i], "--batch") == 0)
            n_batch = arg_int(argv[++i], 1, 10000);
        else if (strcmp(argv[i], "--rounds") == 0)
            n_pairs = arg_int(argv[++i], 1, 64);
        else if (strcmp(argv[i], "--bystanders") == 0)
            n_bystanders = arg_int(argv[++i], 1, 100000);
        else
            usage();
    }

    setvbuf(stdout, NULL, _IONBF, 0);
    if (GetModuleFileNameW(NULL, self_path, MAX_PATH) == 0)
        die("GetModuleFileNameW");
    sa.nLength = sizeof sa;
    sa.lpSecurityDescriptor = NULL;
    sa.bInheritHandle = TRUE;
    ready_sem = CreateSemaphoreW(&sa, 0, 100000, NULL);
    if (ready_sem == NULL)
        die("CreateSemaphoreW");
    request_msg = RegisterWindowMessageW(L"" TERMINUS_DEFAULT_MESSAGE);
    if (request_msg == 0)
        die("RegisterWindowMessageW");
    ntdll = GetModuleHandleW(L"ntdll.dll");
    if (ntdll != NULL) {
        typedef const char *(*wine_version_fn)(void);
        FARPROC p = GetProcAddress(ntdll, "wine_get_version");
        if (p != NULL) {
            wine_version_fn fn;
            memcpy(&fn, &p, sizeof fn);
            wine = fn();
        }
    }
    {
        SYSTEM_INFO si;
        GetSystemInfo(&si);
        printf("terminus %s benchmarks: Windows%s%s, %lu CPUs\n", terminus_version(),
               wine ? " under Wine " : "", wine ? wine : "",
               (unsigned long)si.dwNumberOfProcessors);
    }

    bench_one("");
    {
        wchar_t args[64];
        char label[32];
        swprintf(args, 64, L"--bystanders-child %d", n_bystanders);
        start(&by, args);
        wait_ready(1);
        snprintf(label, sizeof label, " + %d windows", n_bystanders);
        bench_one(label);
        TerminateProcess(by.h, 0);
        WaitForSingleObject(by.h, GRACE_MS);
        CloseHandle(by.h);
    }
    bench_batch();

    printf("\n%-38s %12s %12s %7s\n", "benchmark", "terminus", "floor", "ratio");
    for (int i = 0; i < nrows; i++)
        printf("%-38s %12s %12s %7s\n", rows[i].name, rows[i].terminus, rows[i].floor,
               rows[i].ratio);
    printf("\n- one listener: terminus = result.elapsed_us of terminus_terminate() (grace 10 s): "
           "from BroadcastSystemMessageW of the registered message to the process handle "
           "signalled; floor = the same message posted straight to the listener's window: "
           "EnumWindows to find it by pid, PostMessageW, WaitForSingleObject on the process (all "
           "timed). %d runs "
           "each, ABBA; p99 of %d runs is about their maximum.\n",
           n_runs, n_runs);
    printf("- + %d windows: the same with another process holding %d hidden top-level windows: "
           "a broadcast is posted to every one of them.\n",
           n_bystanders, n_bystanders);
    printf("- batch: terminus = terminus_terminate_many() over %d listeners (one broadcast per "
           "target, then one wait); floor = TerminateProcess() each, then WaitForSingleObject() "
           "each: a kill, not a request; direct posts = one EnumWindows pass finding the %d "
           "listener windows, PostMessageW to each, then WaitForSingleObject() each: the same "
           "graceful exit without a broadcast. Medians over %d rounds, ABC then CBA; the ratio "
           "is the median of the per-round ratios.\n",
           n_batch, n_batch, n_pairs);
    printf("\nbench_win: done (no target ratios on Windows)\n");
    CloseHandle(ready_sem);
    return 0;
}
