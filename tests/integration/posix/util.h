/*
 * tests/integration/posix/util.h: what the posix integration tests share:
 * timing, a temp directory, spawning the child helper and waiting for it to
 * be ready. The checks are those of tests/common/check.h.
 */
#ifndef TM_POSIX_TEST_UTIL_H
#define TM_POSIX_TEST_UTIL_H

#define _GNU_SOURCE 1

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <terminus.h>
#include <terminus/sys/os.h>

#include "check.h"

static inline uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static inline void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* A fresh directory for markers and sockets, removed by cleanup_dir() (the
 * programs make it before each case and remove it after). */
static char test_dir[256];

static inline void make_dir(void)
{
    snprintf(test_dir, sizeof test_dir, "/tmp/terminus-posix-XXXXXX");
    if (mkdtemp(test_dir) == NULL) {
        perror("mkdtemp");
        exit(1);
    }
}

static inline void cleanup_dir(void)
{
    char cmd[300];
    if (test_dir[0] == '\0')
        return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", test_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", test_dir);
    test_dir[0] = '\0';
}

static inline void path_in_dir(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", test_dir, name);
}

/* argv[...] NULL-terminated; the first element is the program. */
static inline pid_t spawn_argv(char *const *argv)
{
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

/* Read n bytes from fd within timeout_ms; 0 on success. */
static inline int read_n(int fd, char *buf, size_t n, int timeout_ms)
{
    uint64_t deadline = now_us() + (uint64_t)timeout_ms * 1000u;
    size_t got = 0;
    while (got < n) {
        struct pollfd p = { fd, POLLIN, 0 };
        uint64_t t = now_us();
        if (t >= deadline)
            return -1;
        int r = poll(&p, 1, (int)((deadline - t) / 1000u) + 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        ssize_t k = read(fd, buf + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        got += (size_t)k;
    }
    return 0;
}

/* Wait for n ready bytes on fd (10 s at most). */
static inline int wait_ready(int fd, int n)
{
    char buf[512];
    while (n > 0) {
        int k = n > (int)sizeof buf ? (int)sizeof buf : n;
        if (read_n(fd, buf, (size_t)k, 10000) != 0)
            return -1;
        n -= k;
    }
    return 0;
}

/* Read one line (without '\n') within timeout_ms; 0 on success. */
static inline int read_line(int fd, char *buf, size_t size, int timeout_ms)
{
    size_t i = 0;
    while (i + 1 < size) {
        if (read_n(fd, buf + i, 1, timeout_ms) != 0)
            return -1;
        if (buf[i] == '\n')
            break;
        i++;
    }
    buf[i] = '\0';
    return 0;
}

/* The caller's child pid still runs (not ended, not reaped). */
static inline int child_running(pid_t pid)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0)
        return 0;
    return si.si_pid == 0;
}

/* Block until the child has ended, without reaping it. */
static inline void wait_ended(pid_t pid)
{
    siginfo_t si;
    while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
        ;
}

/* Reap a child that is expected to end; one still there after 10 s (a
 * failed test) is killed, so that no test leaves processes behind. */
static inline int reap(pid_t pid)
{
    int status = -1;
    for (int i = 0; i < 1000; i++) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        if (r < 0 && errno != EINTR)
            return -1;
        sleep_ms(10);
    }
    fprintf(stderr, "child %d still running after 10 s: killed\n", (int)pid);
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return -1;
}

static inline int file_contains(const char *path, const char *text)
{
    char buf[65536];
    FILE *f = fopen(path, "r");
    size_t n;
    if (f == NULL)
        return 0;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, text) != NULL;
}

static inline int count_lines(const char *path, const char *text)
{
    char line[256];
    int n = 0;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f) != NULL)
        if (strstr(line, text) != NULL)
            n++;
    fclose(f);
    return n;
}

static inline int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

#endif
