/*
 * bench/bench_win.c: terminus on Windows (built with mingw-w64, run under
 * Wine) against its floor, measured in the same run.
 *
 *   bench_win [--runs R] [--batch N] [--rounds R2] [--bystanders W] [--shim]
 *
 * The same program is also the listener (bench_win --listener SEM: a
 * terminus_listen() callback that returns 0, so the request makes it exit
 * cleanly) and the bystander application (bench_win --bystanders-child W
 * SEM: W hidden top-level windows and a message loop). Children tell the
 * bench they are ready by releasing an inherited semaphore; spawning and
 * waiting for ready are outside every timed part.
 *
 * terminus is the whole call of terminus_terminate() / _many() with
 * version-2 options and the default close chain (the registered message
 * posted to each target's listener window, found by one EnumWindows pass per
 * batch; the other steps reach nothing here), grace 10 s, from the call to
 * its return. The floor does the same job plainly, from the same pids:
 * OpenProcess(SYNCHRONIZE) of each (a caller that has a pid has no handle
 * to wait on; the bench's own handles from CreateProcessW are not used), one
 * EnumWindows pass that finds the listener windows by pid and class,
 * PostMessageW of the same message to each, WaitForSingleObject on each
 * process, CloseHandle of each. It reads no exit code, which terminus
 * reports for each target (one more wineserver call each).
 *
 * - one listener, and the same with W bystander windows open in another
 *   process: p50 and p99 over R runs, ABBA; also the broadcast
 *   (TERMINUS_TERMINATE_BROADCAST, what 0.1 did) against the same floor;
 * - batch: terminus_terminate_many() over N listeners against the direct
 *   posts and against TerminateProcess() on each, ABC then CBA.
 *
 * Targets: one listener among W windows at most 1.5x the floor at p50; a
 * batch at most 1.3x the direct posts (median of the per-round ratios).
 * Exits 1 when a target is missed, 2 on an error. With --shim (or when the
 * library's core does not run the close chain yet: version-2 options
 * refused) terminus is the backend's own members in the order the core
 * calls them (process_open, process_reach, process_step, wait_open,
 * wait_any, process_close), and the table says so.
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

#define GRACE_MS           10000u
#define READY_TIMEOUT_MS   60000u
#define LISTENER_CLASS     L"terminus.listener.1" /* lib/os/win32's window class */
#define BYSTANDER_CLASS    L"terminus.bench.bystander"
#define TARGET_ONE_RATIO   1.5
#define TARGET_BATCH_RATIO 1.3

static int n_runs = 50;
static int n_batch = 100;
static int n_pairs = 3;
static int n_bystanders = 200;
static int use_shim;
static int missed;

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
static HANDLE job; /* every child: they die with the bench, even when it fails */
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
    /* Wine 8 fails a process start now and then with ERROR_INTERNAL_ERROR (1359) after a
       few thousand of them: try again */
    for (int tries = 0;; tries++) {
        if (CreateProcessW(self_path, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi))
            break;
        if (GetLastError() != ERROR_INTERNAL_ERROR || tries == 5)
            die("CreateProcessW");
        Sleep(200);
    }
    if (job != NULL)
        AssignProcessToJobObject(job, pi.hProcess);
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

/* --- the floor: the listener windows, found and posted to plainly --------------- */

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

/* The listener window of each child: one pass over the top-level windows. */
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

/* Open each child by its pid, as a caller that has only pids must (rights: `access`). */
static void open_by_pid(const child *c, int n, DWORD access, HANDLE *h)
{
    for (int i = 0; i < n; i++) {
        h[i] = OpenProcess(access, FALSE, c[i].pid);
        if (h[i] == NULL)
            die("OpenProcess");
    }
}

/* Wait for each process to end, then close its handle. */
static void wait_close_all(HANDLE *h, int n)
{
    for (int i = 0; i < n; i++) {
        if (WaitForSingleObject(h[i], GRACE_MS) != WAIT_OBJECT_0)
            die("WaitForSingleObject");
        CloseHandle(h[i]);
    }
}

/* Post the request straight to each listener window. */
static void post_requests(const child *c, int n, const HWND *hwnd)
{
    for (int i = 0; i < n; i++)
        if (!PostMessageW(hwnd[i], request_msg, (WPARAM)c[i].pid, 0))
            die("PostMessageW");
}

/* --- terminus ------------------------------------------------------------------ */

/* The backend's members, in the order the core calls them (--shim). */
static int shim_terminate(const child *c, int n, uint32_t flags)
{
    const terminus_os *os = terminus_os_native();
    terminus_os_process **p = calloc((size_t)n, sizeof *p);
    uint32_t *reach = calloc((size_t)n, sizeof *reach);
    size_t *ready = calloc((size_t)n, sizeof *ready);
    terminus_os_waitset *set = NULL;
    size_t seen = 0;
    int rc = TERMINUS_OK;

    if (p == NULL || reach == NULL || ready == NULL)
        die("calloc");
    for (int i = 0; i < n && rc == TERMINUS_OK; i++)
        rc = os->process_open(os->data, (terminus_pid)c[i].pid, &p[i]);
    if (rc == TERMINUS_OK)
        rc = os->process_reach(os->data, p, (size_t)n, TERMINUS_STEPS_DEFAULT, flags,
                               TERMINUS_DEFAULT_MESSAGE, reach);
    for (int i = 0; i < n && rc == TERMINUS_OK; i++)
        rc = os->process_step(os->data, p[i], TERMINUS_STEP_MESSAGE, flags,
                              TERMINUS_DEFAULT_MESSAGE);
    if (rc == TERMINUS_OK)
        rc = os->wait_open(os->data, p, (size_t)n, &set);
    while (rc == TERMINUS_OK && seen < (size_t)n) {
        size_t got = 0;
        rc = os->wait_any(os->data, set, GRACE_MS, ready, (size_t)n, &got);
        seen += got;
    }
    if (set != NULL)
        os->wait_close(os->data, set);
    for (int i = 0; i < n; i++)
        if (p[i] != NULL)
            os->process_close(os->data, p[i]);
    free(p);
    free(reach);
    free(ready);
    return rc;
}

/* End the n listeners with terminus; every one must leave by the request. */
static void terminus_end(const child *c, int n, uint32_t flags, terminus_pid *pids,
                         terminus_result *res)
{
    terminus_terminate_options opts = TERMINUS_TERMINATE_OPTIONS_INIT_V2;
    int rc;

    if (use_shim) {
        rc = shim_terminate(c, n, flags);
        if (rc != TERMINUS_OK) {
            fprintf(stderr, "bench_win: through the shim: %s (%s)\n",
                    terminus_error_last()->message, terminus_error_name(rc));
            exit(2);
        }
        return;
    }
    opts.grace_ms = GRACE_MS;
    opts.flags = flags;
    for (int i = 0; i < n; i++)
        pids[i] = c[i].pid;
    rc = terminus_terminate_many(NULL, pids, (size_t)n, &opts, res);
    if (rc != TERMINUS_OK) {
        fprintf(stderr, "bench_win: terminus_terminate_many: %s (%s)\n",
                terminus_error_last()->message, terminus_error_name(rc));
        exit(2);
    }
    for (int i = 0; i < n; i++) {
        if (res[i].outcome != TERMINUS_OUTCOME_EXITED) {
            fprintf(stderr, "bench_win: pid %lu: outcome %d\n", (unsigned long)pids[i],
                    (int)res[i].outcome);
            exit(2);
        }
    }
}

/* --- the table ------------------------------------------------------------------ */

struct row {
    char name[64];
    char terminus[32];
    char floor[32];
    char ratio[16];
    char target[16];
    const char *verdict;
};

static struct row rows[16];
static int nrows;

static struct row *row_add(const char *name, const char *unit, double t, double f, double ratio)
{
    struct row *r = &rows[nrows++];
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->terminus, sizeof r->terminus, "%.2f %s", t, unit);
    snprintf(r->floor, sizeof r->floor, "%.2f %s", f, unit);
    snprintf(r->ratio, sizeof r->ratio, "%.2f", ratio);
    snprintf(r->target, sizeof r->target, "-");
    r->verdict = "";
    return r;
}

static void row_target(struct row *r, double ratio, double target)
{
    snprintf(r->target, sizeof r->target, "<= %.1f", target);
    r->verdict = ratio <= target ? "met" : "MISSED";
    if (ratio > target)
        missed = 1;
}

/* --- one listener ----------------------------------------------------------------- */

/* One run: terminus (use_terminus, with `flags`) or the floor; microseconds from the
 * start of the request to the observed exit (terminus: the whole call). */
static double one_run(int use_terminus, uint32_t flags)
{
    child c;
    uint64_t t0, t1;

    spawn_listeners(&c, 1);
    if (use_terminus) {
        terminus_pid pid;
        terminus_result res;
        t0 = now_us();
        terminus_end(&c, 1, flags, &pid, &res);
        t1 = now_us();
        wait_gone(&c, 1);
    } else {
        HWND hwnd;
        HANDLE h;
        t0 = now_us();
        open_by_pid(&c, 1, SYNCHRONIZE, &h);
        listener_windows(&c, 1, &hwnd);
        post_requests(&c, 1, &hwnd);
        wait_close_all(&h, 1);
        t1 = now_us();
        wait_gone(&c, 1);
    }
    return (double)(t1 - t0);
}

static void bench_one(const char *label, uint32_t flags, double target)
{
    double *t = calloc((size_t)n_runs, sizeof *t), *f = calloc((size_t)n_runs, sizeof *f);
    double t50, t99, f50, f99;
    char name[64];
    const char *how = flags & TERMINUS_TERMINATE_BROADCAST ? "broadcast" : "targeted";
    struct row *r;

    if (t == NULL || f == NULL)
        die("calloc");
    one_run(1, flags); /* warm-up: the first request of a process costs more */
    one_run(0, flags);
    for (int k = 0; k < n_runs; k++) {
        int terminus_first = k % 4 == 0 || k % 4 == 3; /* ABBA */
        if (terminus_first) {
            t[k] = one_run(1, flags);
            f[k] = one_run(0, flags);
        } else {
            f[k] = one_run(0, flags);
            t[k] = one_run(1, flags);
        }
    }
    t50 = quantile(t, n_runs, 0.5);
    t99 = quantile(t, n_runs, 0.99);
    f50 = quantile(f, n_runs, 0.5);
    f99 = quantile(f, n_runs, 0.99);
    printf("one listener%s, %s, %d runs: terminus p50 %.2f ms p99 %.2f ms; floor p50 %.2f ms "
           "p99 %.2f ms\n",
           label, how, n_runs, t50 / 1e3, t99 / 1e3, f50 / 1e3, f99 / 1e3);
    snprintf(name, sizeof name, "one listener%s, %s, p50", label, how);
    r = row_add(name, "ms", t50 / 1e3, f50 / 1e3, t50 / f50);
    if (target > 0)
        row_target(r, t50 / f50, target);
    snprintf(name, sizeof name, "one listener%s, %s, p99", label, how);
    row_add(name, "ms", t99 / 1e3, f99 / 1e3, t99 / f99);
    free(t);
    free(f);
}

/* --- batch ---------------------------------------------------------------------------- */

enum { B_TERMINUS, B_KILL, B_POST };

static double batch_once(child *c, terminus_pid *pids, terminus_result *res, int mode)
{
    uint64_t t0, t1;

    spawn_listeners(c, n_batch);
    /* 100 processes that have just started are still settling (their last wineserver
       calls): let them, so that neither side of a round pays for it */
    Sleep(300);
    if (mode == B_TERMINUS) {
        t0 = now_us();
        terminus_end(c, n_batch, 0, pids, res);
        t1 = now_us();
        wait_gone(c, n_batch);
    } else if (mode == B_POST) {
        HWND *hwnd = calloc((size_t)n_batch, sizeof *hwnd);
        HANDLE *h = calloc((size_t)n_batch, sizeof *h);
        if (hwnd == NULL || h == NULL)
            die("calloc");
        t0 = now_us();
        open_by_pid(c, n_batch, SYNCHRONIZE, h);
        listener_windows(c, n_batch, hwnd);
        post_requests(c, n_batch, hwnd);
        wait_close_all(h, n_batch);
        t1 = now_us();
        free(hwnd);
        free(h);
        wait_gone(c, n_batch);
    } else {
        HANDLE *h = calloc((size_t)n_batch, sizeof *h);
        if (h == NULL)
            die("calloc");
        t0 = now_us();
        open_by_pid(c, n_batch, SYNCHRONIZE | PROCESS_TERMINATE, h);
        for (int i = 0; i < n_batch; i++)
            if (!TerminateProcess(h[i], 1))
                die("TerminateProcess");
        wait_close_all(h, n_batch);
        t1 = now_us();
        free(h);
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
    double a[64], b[64], p[64], ratio[64], ratio_p[64], rp;
    char name[64];
    struct row *r;

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
    rp = median(ratio_p, n_pairs);
    snprintf(name, sizeof name, "batch of %d, vs direct posts", n_batch);
    r = row_add(name, "ms", median(a, n_pairs), median(p, n_pairs), rp);
    row_target(r, rp, TARGET_BATCH_RATIO);
    snprintf(name, sizeof name, "batch of %d, vs TerminateProcess", n_batch);
    row_add(name, "ms", median(a, n_pairs), median(b, n_pairs), median(ratio, n_pairs));
    free(c);
    free(pids);
    free(res);
}

/* --- main ------------------------------------------------------------------------------ */

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_win [--runs R] [--batch N] [--rounds R2] [--bystanders W] [--shim]\n");
    exit(2);
}

static int arg_int(const char *s, int lo, int hi)
{
    int v = atoi(s);
    if (v < lo || v > hi)
        usage();
    return v;
}

/* Whether the core runs the close chain (accepts version-2 options). */
static int chain_on(void)
{
    terminus_terminate_options o;
    terminus_terminate_options_init(&o, TERMINUS_TERMINATE_OPTIONS_VERSION_2);
    return terminus_terminate_many(NULL, NULL, 0, &o, NULL) == TERMINUS_OK;
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
        if (strcmp(argv[i], "--shim") == 0) {
            use_shim = 1;
            continue;
        }
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
    job = CreateJobObjectW(NULL, NULL);
    if (job != NULL) {
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION li;
        memset(&li, 0, sizeof li);
        li.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
        if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &li, sizeof li)) {
            CloseHandle(job);
            job = NULL;
        }
    }
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
    if (!use_shim && !chain_on())
        use_shim = 2;
    {
        SYSTEM_INFO si;
        GetSystemInfo(&si);
        printf("terminus %s benchmarks: Windows%s%s, %lu CPUs; terminus = %s\n", terminus_version(),
               wine ? " under Wine " : "", wine ? wine : "", (unsigned long)si.dwNumberOfProcessors,
               use_shim == 0   ? "terminus_terminate(_many), options version 2"
               : use_shim == 1 ? "the backend's members (--shim)"
                               : "the backend's members (this core does not run the chain yet)");
    }

    bench_one("", 0, 0);
    {
        wchar_t args[64];
        char label[32];
        swprintf(args, 64, L"--bystanders-child %d", n_bystanders);
        start(&by, args);
        wait_ready(1);
        snprintf(label, sizeof label, " + %d windows", n_bystanders);
        bench_one(label, 0, TARGET_ONE_RATIO);
        bench_one(label, TERMINUS_TERMINATE_BROADCAST, 0);
        TerminateProcess(by.h, 0);
        WaitForSingleObject(by.h, GRACE_MS);
        CloseHandle(by.h);
    }
    bench_batch();

    printf("\n%-46s %12s %12s %7s %8s\n", "benchmark", "terminus", "floor", "ratio", "target");
    for (int i = 0; i < nrows; i++)
        printf("%-46s %12s %12s %7s %8s %s\n", rows[i].name, rows[i].terminus, rows[i].floor,
               rows[i].ratio, rows[i].target, rows[i].verdict);
    printf(
        "\n- one listener: terminus = the whole call (grace 10 s, the default close chain: "
        "one EnumWindows pass finds the listener window by pid and class, the registered "
        "message is posted to it, then the wait for the process); floor = the same plainly, "
        "from the pid: OpenProcess(SYNCHRONIZE), EnumWindows, PostMessageW, "
        "WaitForSingleObject, CloseHandle (all timed; no exit code read). %d runs each, ABBA; p99 "
        "of %d runs is about their maximum.\n",
        n_runs, n_runs);
    printf("- + %d windows: another process holds %d hidden top-level windows, older than the "
           "listener's: both passes stop at the listener window; broadcast = "
           "TERMINUS_TERMINATE_BROADCAST, which posts to every one of them (what terminus 0.1 "
           "did).\n",
           n_bystanders, n_bystanders);
    printf("- batch: terminus = terminus_terminate_many() over %d listeners (one EnumWindows "
           "pass, a post to each listener window, one wait); direct posts = the same plainly "
           "(OpenProcess of each pid, one EnumWindows pass, PostMessageW to each, a wait for "
           "each, CloseHandle); TerminateProcess = OpenProcess, a kill of each and a wait for "
           "each, not a request. Medians over "
           "%d rounds, ABC then CBA; the ratio is the median of the per-round ratios.\n",
           n_batch, n_pairs);
    printf("\nbench_win: %s\n", missed ? "a target was MISSED" : "every target met");
    CloseHandle(ready_sem);
    return missed ? 1 : 0;
}
