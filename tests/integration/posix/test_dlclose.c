/*
 * tests/integration/posix/test_dlclose.c: libterminus loaded with dlopen
 * and unloaded with dlclose while a thread that used it still runs. The
 * Linux backend keeps each thread's last walk under a thread-specific key
 * whose destructor is in the library (lib/os/linux/procs.c), which that
 * thread's exit calls: the shared library is linked NODELETE
 * (lib/meson.build), so that dlclose never unmaps it. Without that, the
 * exit below calls into unmapped code and the program dies of SIGSEGV.
 *
 * Not linked with libterminus (that would keep it loaded), and so not on
 * tests/common/check.h: one case, thread_exit, with the library's path
 * after it; --list names it.
 */
#define _GNU_SOURCE 1

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <terminus/sys/os.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int walked, closed, walk_rc = -1000;
static const terminus_os *os;
static size_t seen;

static int count(void *arg, const terminus_process_info *info)
{
    (void)arg;
    (void)info;
    seen++;
    return TERMINUS_OK;
}

/* Walks the processes (the key gets this thread's record), then waits
 * until the library is closed, and exits. */
static void *walker(void *arg)
{
    (void)arg;
    walk_rc = os->process_list(os->data, 0, count, NULL);
    pthread_mutex_lock(&lock);
    walked = 1;
    pthread_cond_broadcast(&changed);
    while (!closed)
        pthread_cond_wait(&changed, &lock);
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(int argc, char **argv)
{
    const terminus_os *(*native)(void);
    pthread_t t;
    void *lib;

    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        printf("thread_exit\n");
        return 0;
    }
    if (argc != 3 || strcmp(argv[1], "thread_exit") != 0) {
        printf("# usage: %s --list | thread_exit LIBTERMINUS\n", argv[0]);
        return 2;
    }
    printf("1..1\n");
    lib = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        printf("# dlopen %s: %s\nnot ok 1 - thread_exit\n", argv[2], dlerror());
        return 1;
    }
    *(void **)&native = dlsym(lib, "terminus_os_native");
    if (native == NULL) {
        printf("# dlsym terminus_os_native: %s\nnot ok 1 - thread_exit\n", dlerror());
        return 1;
    }
    os = native();
    if (pthread_create(&t, NULL, walker, NULL) != 0) {
        printf("# pthread_create failed\nnot ok 1 - thread_exit\n");
        return 1;
    }
    pthread_mutex_lock(&lock);
    while (!walked)
        pthread_cond_wait(&changed, &lock);
    pthread_mutex_unlock(&lock);
    if (walk_rc != TERMINUS_OK) {
        printf("# process_list: %d\nnot ok 1 - thread_exit\n", walk_rc);
        return 1;
    }
    dlclose(lib);
    pthread_mutex_lock(&lock);
    closed = 1;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
    pthread_join(t, NULL); /* its exit runs the key's destructor */
    printf("# a thread that walked %zu processes exited after dlclose\n", seen);
    printf("ok 1 - thread_exit\n");
    return 0;
}
