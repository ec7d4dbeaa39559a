/*
 * examples/servers.h: work on several servers at once, for logoff and
 * sessions: one job per server, at most SERVERS_THREADS running at a time,
 * each job's output kept apart and printed, in the order the servers were
 * given, once every job is done. terminus is thread-safe and keeps each
 * thread's error record apart, so a job reads its own errors.
 */
#ifndef TERMINUS_EXAMPLES_SERVERS_H
#define TERMINUS_EXAMPLES_SERVERS_H

#include <stddef.h>

/* The most servers worked on at the same time. */
#define SERVERS_THREADS 4

/* A growing text. */
typedef struct servers_text {
    char *text;
    size_t len, cap;
    int lost; /* out of memory: what follows is dropped */
} servers_text;

typedef struct server_job {
    const char *server; /* NULL: this machine */
    const char *prefix; /* put before each line printed ("NAME: "), or "" */
    void *arg;          /* the program's */
    int result;         /* the job's own verdict, set by its function */
    servers_text out;   /* for stdout */
    servers_text err;   /* for stderr */
} server_job;

typedef void (*server_fn)(server_job *job);

/* Append to a job's stdout (to_err 0) or stderr text, printf-style; each
 * line gets the job's prefix. */
void job_printf(server_job *job, int to_err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Run fn on each of the n jobs, at most `threads` (>= 1) at once, and
 * return when all are done (a job that cannot get a thread runs on the
 * calling one); then print each job's texts in order and free them. */
void servers_run(server_job *jobs, size_t n, unsigned threads, server_fn fn);

#endif
