/*
 * lib/core/sync.h: the few threading primitives that the core, the fake and
 * the backends need (a mutex and a condition variable). They are the C
 * runtime's locks (pthreads; SRW locks on Windows), not OS facilities that the
 * shim stands for, so they live with their first user, the core; see
 * docs/design.md, "Layers". Private to the library.
 */
#ifndef TERMINUS_CORE_SYNC_H
#define TERMINUS_CORE_SYNC_H

/* clang-format off */
#ifdef _WIN32
typedef struct tm_mutex { void *srw; } tm_mutex; /* an SRWLOCK */
#define TM_MUTEX_INIT { 0 }
typedef struct tm_cond { void *cv; } tm_cond;    /* a CONDITION_VARIABLE */
#else
#include <pthread.h>
typedef struct tm_mutex { pthread_mutex_t m; } tm_mutex;
#define TM_MUTEX_INIT { PTHREAD_MUTEX_INITIALIZER }
typedef struct tm_cond { pthread_cond_t c; } tm_cond;
#endif
/* clang-format on */

/* Static initialisation with TM_MUTEX_INIT, or tm_mutex_init(). */
void tm_mutex_init(tm_mutex *m);
void tm_mutex_destroy(tm_mutex *m);
void tm_mutex_lock(tm_mutex *m);
void tm_mutex_unlock(tm_mutex *m);

/* A condition variable to wait on with a locked tm_mutex. */
void tm_cond_init(tm_cond *c);
void tm_cond_destroy(tm_cond *c);
void tm_cond_wait(tm_cond *c, tm_mutex *m);
void tm_cond_broadcast(tm_cond *c);

#endif
