/* examples/servers.c: several servers at once (examples/servers.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "servers.h"

#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
typedef HANDLE thread_t;
static SRWLOCK lock = SRWLOCK_INIT;
#define LOCK()   AcquireSRWLockExclusive(&lock)
#define UNLOCK() ReleaseSRWLockExclusive(&lock)
#else
#include <pthread.h>
typedef pthread_t thread_t;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
#define LOCK()   pthread_mutex_lock(&lock)
#define UNLOCK() pthread_mutex_unlock(&lock)
#endif

static void add(servers_text *t, const char *s, size_t n)
{
    if (t->lost)
        return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        char *p;
        while (cap < t->len + n + 1)
            cap *= 2;
        p = realloc(t->text, cap);
        if (p == NULL) {
            t->lost = 1;
            return;
        }
        t->text = p;
        t->cap = cap;
    }
    memcpy(t->text + t->len, s, n);
    t->len += n;
    t->text[t->len] = '\0';
}

void job_printf(server_job *job, int to_err, const char *fmt, ...)
{
    servers_text *t = to_err ? &job->err : &job->out;
    char buf[2048];
    const char *p, *nl;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    /* the prefix at the start of each line */
    for (p = buf; *p != '\0'; p = nl) {
        nl = strchr(p, '\n');
        nl = nl != NULL ? nl + 1 : p + strlen(p);
        if (t->len == 0 || t->text[t->len - 1] == '\n')
            add(t, job->prefix, strlen(job->prefix));
        add(t, p, (size_t)(nl - p));
    }
}

typedef struct pool {
    server_job *jobs;
    size_t n, next;
    server_fn fn;
} pool;

/* Take jobs until none is left. */
static void work(pool *p)
{
    for (;;) {
        size_t i;
        LOCK();
        i = p->next < p->n ? p->next++ : p->n;
        UNLOCK();
        if (i == p->n)
            return;
        p->fn(&p->jobs[i]);
    }
}

#ifdef _WIN32
static DWORD WINAPI worker(LPVOID arg)
{
    work(arg);
    return 0;
}
#else
static void *worker(void *arg)
{
    work(arg);
    return NULL;
}
#endif

void servers_run(server_job *jobs, size_t n, unsigned threads, server_fn fn)
{
    pool p = { jobs, n, 0, fn };
    thread_t t[SERVERS_THREADS];
    size_t started = 0;

    if (threads > SERVERS_THREADS)
        threads = SERVERS_THREADS;
    /* this thread works too: threads - 1 more, and never more than jobs */
    while (started + 1 < threads && started + 1 < n) {
#ifdef _WIN32
        t[started] = CreateThread(NULL, 0, worker, &p, 0, NULL);
        if (t[started] == NULL)
            break;
#else
        if (pthread_create(&t[started], NULL, worker, &p) != 0)
            break;
#endif
        started++;
    }
    work(&p);
    for (size_t i = 0; i < started; i++) {
#ifdef _WIN32
        WaitForSingleObject(t[i], INFINITE);
        CloseHandle(t[i]);
#else
        pthread_join(t[i], NULL);
#endif
    }
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].out.len > 0)
            fputs(jobs[i].out.text, stdout);
        fflush(stdout);
        if (jobs[i].err.len > 0)
            fputs(jobs[i].err.text, stderr);
        if (jobs[i].out.lost || jobs[i].err.lost)
            fprintf(stderr, "%s(output lost: out of memory)\n", jobs[i].prefix);
        fflush(stderr);
        free(jobs[i].out.text);
        free(jobs[i].err.text);
    }
}
