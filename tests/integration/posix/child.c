/*
 * tests/integration/posix/child.c: the target processes of the posix suite.
 *
 *   child listenfree READYFD MARKER CODE  like listen, plus an exit hook that
 *                                      frees the listener (from inside its
 *                                      callback's exit) and appends "freed 1"
 *   child listen READYFD MARKER CODE   terminus_listen; on a request append
 *                                      "reason N" to MARKER, return 0 (so
 *                                      terminus exits with CODE)
 *   child ignore READYFD [MARKER]      catch SIGTERM and SIGHUP, append
 *                                      "signal N" to MARKER, keep running
 *   child watch READYFD MARKER         like ignore, and SIGCONT is noted too
 *                                      ("signal 18": whether it was sent)
 *   child save READYFD FILE CODE       a SIGTERM handler (no terminus) that
 *                                      writes "saved" to FILE and exits with
 *                                      CODE; until then, wait
 *   child sleep READYFD MS CODE        exit with CODE after MS milliseconds
 *   child linger READYFD MS CODE MARKER  like ignore, and exit with CODE after
 *                                      MS milliseconds
 *   child chain READYFD MARKER SIGS [FILE]  catch SIGTERM, SIGINT and SIGHUP
 *                                      and append "signal N" to MARKER for
 *                                      each; the signals in SIGS (numbers,
 *                                      comma-separated, e.g. "2" or "1,2")
 *                                      end it: it writes "cleaned N" to FILE
 *                                      (if given) and dies of that signal
 *                                      (its default action, re-raised); the
 *                                      others it ignores
 *   child exit CODE                    exit at once
 *   child parent OUTFD MODE ARGS...    a subreaper: double fork so that
 *                                      `child MODE ARGS...` is its grandchild
 *                                      (not the caller's child), reparented to
 *                                      it; write "pid N\n" to OUTFD, then reap
 *                                      it and write "status S\n"; then exit 0
 *   child named READYFD NAME           call itself NAME (prctl(PR_SET_NAME): the
 *                                      command name, not the file's) and wait;
 *                                      SIGTERM ends it
 *   child zombie READYFD NAME          fork a child that names itself NAME and
 *                                      exits at once; never reap it; write
 *                                      "zombie PID\n" on READYFD; wait
 *   child tree READYFD MARKER DEPTH WIDTH  a tree of processes (fork, no exec):
 *                                      WIDTH children, each a tree of DEPTH - 1
 *                                      (DEPTH 1: a leaf); each appends
 *                                      "term PID" to MARKER on SIGTERM and exits
 *                                      0; ready once every descendant is
 *   child forker READYFD MARKER        on SIGTERM, fork a child that ignores
 *                                      SIGTERM and appends "late PID" to MARKER,
 *                                      then wait for it (a member that forks
 *                                      during the grace)
 *   child daemon READYFD MARKER        double-fork a daemon (setsid; on SIGTERM
 *                                      it appends "daemon PID" to MARKER and
 *                                      runs on), write "daemon PID\n" on
 *                                      READYFD once it runs; then a leaf of
 *                                      tree (its own SIGTERM ends it)
 *
 * READYFD: a descriptor to write one byte to once the child is ready (-1: none).
 */
#define _GNU_SOURCE 1

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <terminus.h>

static const char *marker;

static void append(const char *what, int n)
{
    char buf[64];
    int fd, len;
    if (marker == NULL)
        return;
    len = snprintf(buf, sizeof buf, "%s %d\n", what, n);
    fd = open(marker, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
        if (write(fd, buf, (size_t)len) < 0) {
            /* nothing to do */
        }
        close(fd);
    }
}

static void ready(const char *fdarg)
{
    int fd = atoi(fdarg);
    char b = 'R';
    if (fd >= 0) {
        if (write(fd, &b, 1) != 1)
            _exit(120);
        close(fd);
    }
}

static int on_request(void *arg, int reason)
{
    (void)arg;
    append("reason", reason); /* "save the data" */
    return 0;
}

static terminus_listener *hook_listener;

static void free_in_hook(void *arg)
{
    (void)arg;
    terminus_listener_free(hook_listener);
    append("freed", 1);
}

static void on_signal(int sig)
{
    append("signal", sig);
}

static const char *save_file;
static int save_code;

/* "Save the data" with async-signal-safe calls only, and leave. */
static void on_term_save(int sig)
{
    int fd = open(save_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    (void)sig;
    if (fd >= 0) {
        if (write(fd, "saved\n", 6) != 6) {
            /* the test sees the file short */
        }
        close(fd);
    }
    _exit(save_code);
}

static sigset_t chain_ends;
static const char *chain_file;

/* The chain mode's handler: note the signal; for one that ends it, clean up
 * (a file written) and die of it, as a program that cleans up on Ctrl+C does. */
static void on_chain_signal(int sig)
{
    append("signal", sig);
    if (sigismember(&chain_ends, sig) == 1) {
        if (chain_file != NULL) {
            const char *saved = marker;
            marker = chain_file;
            append("cleaned", sig);
            marker = saved;
        }
        signal(sig, SIG_DFL);
        raise(sig);
    }
}

/* The tree mode's handler: note the SIGTERM and leave. */
static void on_term_leave(int sig)
{
    (void)sig;
    append("term", (int)getpid());
    _exit(0);
}

/* A node of the tree mode: DEPTH levels below it included; writes one byte
 * to ready_fd once it and all its descendants are ready. A child forked here
 * goes on as a node one level down (a loop, not a call: it never returns). */
static void tree_node(int ready_fd, int depth, int width)
{
    struct sigaction sa;
    int i = 0;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term_leave;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    while (depth > 1 && i < width) {
        int p[2];
        char b;
        pid_t c;
        if (pipe(p) != 0)
            _exit(110);
        c = fork();
        if (c < 0)
            _exit(111);
        if (c == 0) {
            close(p[0]);
            if (ready_fd >= 0)
                close(ready_fd);
            ready_fd = p[1];
            depth--;
            i = 0; /* its own children, from the first */
            continue;
        }
        close(p[1]);
        if (read(p[0], &b, 1) != 1)
            _exit(112);
        close(p[0]);
        i++;
    }
    if (ready_fd >= 0) {
        char b = 'R';
        if (write(ready_fd, &b, 1) != 1)
            _exit(113);
        close(ready_fd);
    }
    for (;;)
        pause();
}

static volatile sig_atomic_t forker_asked;

static void on_term_flag(int sig)
{
    (void)sig;
    forker_asked = 1;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 100;
    if ((strcmp(argv[1], "listen") == 0 || strcmp(argv[1], "listenfree") == 0) && argc == 5) {
        terminus_listener *l = NULL;
        marker = argv[3];
        int rc = terminus_listen(NULL, NULL, (uint32_t)atoi(argv[4]), on_request, NULL, &l);
        if (rc == TERMINUS_OK && strcmp(argv[1], "listenfree") == 0) {
            hook_listener = l;
            rc = terminus_at_exit(NULL, free_in_hook, NULL);
        }
        if (rc != TERMINUS_OK) {
            fprintf(stderr, "child: terminus_listen: %s\n", terminus_error_last()->message);
            return 101;
        }
        ready(argv[2]);
        for (;;)
            pause();
    }
    if ((strcmp(argv[1], "ignore") == 0 && argc >= 3) ||
        (strcmp(argv[1], "watch") == 0 && argc == 4)) {
        struct sigaction sa;
        marker = argc > 3 ? argv[3] : NULL;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        if (strcmp(argv[1], "watch") == 0)
            sigaction(SIGCONT, &sa, NULL);
        ready(argv[2]);
        for (;;)
            pause();
    }
    if (strcmp(argv[1], "chain") == 0 && (argc == 5 || argc == 6)) {
        static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
        struct sigaction sa;
        char *end, *p = argv[4];
        marker = argv[3];
        chain_file = argc == 6 ? argv[5] : NULL;
        sigemptyset(&chain_ends);
        while (*p != '\0') {
            long n = strtol(p, &end, 10);
            if (end == p || n <= 0 || n >= 32)
                return 100;
            sigaddset(&chain_ends, (int)n);
            p = *end == ',' ? end + 1 : end;
        }
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_chain_signal;
        sigemptyset(&sa.sa_mask);
        /* one handler at a time: it swaps `marker` for the cleanup file */
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
            sigaddset(&sa.sa_mask, sigs[i]);
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
            sigaction(sigs[i], &sa, NULL);
        ready(argv[2]);
        for (;;)
            pause();
    }
    if (strcmp(argv[1], "linger") == 0 && argc == 6) {
        struct sigaction sa;
        marker = argv[5];
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        ready(argv[2]);
        sleep_ms(atol(argv[3]));
        return atoi(argv[4]);
    }
    if (strcmp(argv[1], "save") == 0 && argc == 5) {
        struct sigaction sa;
        save_file = argv[3];
        save_code = atoi(argv[4]);
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_term_save;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        ready(argv[2]);
        for (;;)
            pause();
    }
    if (strcmp(argv[1], "sleep") == 0 && argc == 5) {
        ready(argv[2]);
        sleep_ms(atol(argv[3]));
        return atoi(argv[4]);
    }
    if (strcmp(argv[1], "named") == 0 && argc == 4) {
        if (prctl(PR_SET_NAME, argv[3], 0, 0, 0) != 0)
            return 102;
        ready(argv[2]);
        for (;;)
            pause();
    }
    if (strcmp(argv[1], "zombie") == 0 && argc == 4) {
        char line[64];
        pid_t z = fork();
        if (z < 0)
            return 103;
        if (z == 0) {
            prctl(PR_SET_NAME, argv[3], 0, 0, 0);
            _exit(0);
        }
        /* a zombie once it has exited: wait for that without reaping it */
        {
            siginfo_t si;
            while (waitid(P_PID, (id_t)z, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
                ;
        }
        snprintf(line, sizeof line, "zombie %d\n", (int)z);
        if (write(atoi(argv[2]), line, strlen(line)) < 0)
            return 104;
        for (;;)
            pause();
    }
    if (strcmp(argv[1], "tree") == 0 && argc == 6) {
        int fd = atoi(argv[2]);
        marker = argv[3];
        tree_node(fd, atoi(argv[4]), atoi(argv[5]));
    }
    if (strcmp(argv[1], "forker") == 0 && argc == 4) {
        struct sigaction sa;
        sigset_t block, old;
        int status;
        pid_t late;
        marker = argv[3];
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_term_flag;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigemptyset(&block);
        sigaddset(&block, SIGTERM);
        sigprocmask(SIG_BLOCK, &block, &old);
        ready(argv[2]);
        while (!forker_asked)
            sigsuspend(&old);
        late = fork();
        if (late < 0)
            return 105;
        if (late == 0) {
            signal(SIGTERM, SIG_IGN);
            sigprocmask(SIG_SETMASK, &old, NULL);
            append("late", (int)getpid());
            for (;;)
                pause();
        }
        signal(SIGTERM, SIG_IGN);
        while (waitpid(late, &status, 0) < 0 && errno == EINTR)
            ;
        return 0;
    }
    if (strcmp(argv[1], "daemon") == 0 && argc == 4) {
        int fd = atoi(argv[2]);
        int p[2];
        pid_t mid, d = 0;
        char line[64];
        marker = argv[3];
        if (pipe(p) != 0)
            return 106;
        mid = fork();
        if (mid < 0)
            return 107;
        if (mid == 0) {
            pid_t g = fork();
            if (g < 0)
                _exit(108);
            if (g == 0) {
                struct sigaction sa;
                pid_t me = getpid();
                setsid();
                memset(&sa, 0, sizeof sa);
                sa.sa_handler = on_signal;
                sigemptyset(&sa.sa_mask);
                sigaction(SIGTERM, &sa, NULL);
                close(fd);
                if (write(p[1], &me, sizeof me) != (ssize_t)sizeof me)
                    _exit(109);
                close(p[1]);
                close(p[0]);
                for (;;)
                    pause();
            }
            _exit(0); /* the daemon is orphaned: re-parented away */
        }
        close(p[1]);
        if (read(p[0], &d, sizeof d) != (ssize_t)sizeof d)
            return 110;
        close(p[0]);
        {
            int status;
            while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
                ;
        }
        snprintf(line, sizeof line, "daemon %d\n", (int)d);
        if (write(fd, line, strlen(line)) < 0)
            return 111;
        tree_node(-1, 1, 0);
    }
    if (strcmp(argv[1], "exit") == 0 && argc == 3)
        return atoi(argv[2]);
    if (strcmp(argv[1], "parent") == 0 && argc >= 4) {
        int out = atoi(argv[2]);
        int p[2], status;
        pid_t mid, g = 0;
        char line[64];
        if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0 || pipe(p) != 0)
            return 102;
        fcntl(out, F_SETFD, FD_CLOEXEC); /* not inherited by the grandchild */
        mid = fork();
        if (mid < 0)
            return 103;
        if (mid == 0) {
            pid_t gc = fork();
            if (gc < 0)
                _exit(104);
            if (gc == 0) {
                close(p[0]);
                close(p[1]);
                execv("/proc/self/exe", argv + 2); /* argv[2] becomes argv[0] */
                _exit(105);
            }
            if (write(p[1], &gc, sizeof gc) != (ssize_t)sizeof gc)
                _exit(106);
            _exit(0); /* the grandchild is reparented to us, the subreaper */
        }
        close(p[1]);
        if (read(p[0], &g, sizeof g) != (ssize_t)sizeof g)
            return 107;
        close(p[0]);
        waitpid(mid, &status, 0);
        snprintf(line, sizeof line, "pid %d\n", (int)g);
        if (write(out, line, strlen(line)) < 0)
            return 108;
        while (waitpid(g, &status, 0) < 0 && errno == EINTR)
            ;
        snprintf(line, sizeof line, "status %d\n", status);
        if (write(out, line, strlen(line)) < 0)
            return 109;
        return 0;
    }
    return 100;
}
