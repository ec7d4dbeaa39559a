/* lib/os/sync.c: a mutex over SRWLOCK (Windows) or pthreads (elsewhere). */
#include "sync.h"

#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

_Static_assert(sizeof(SRWLOCK) == sizeof(void *), "SRWLOCK is one pointer");

void tm_mutex_init(tm_mutex *m) { InitializeSRWLock((PSRWLOCK)&m->srw); }
void tm_mutex_destroy(tm_mutex *m) { (void)m; }
void tm_mutex_lock(tm_mutex *m) { AcquireSRWLockExclusive((PSRWLOCK)&m->srw); }
void tm_mutex_unlock(tm_mutex *m) { ReleaseSRWLockExclusive((PSRWLOCK)&m->srw); }
#else
void tm_mutex_init(tm_mutex *m) { pthread_mutex_init(&m->m, NULL); }
void tm_mutex_destroy(tm_mutex *m) { pthread_mutex_destroy(&m->m); }
void tm_mutex_lock(tm_mutex *m) { pthread_mutex_lock(&m->m); }
void tm_mutex_unlock(tm_mutex *m) { pthread_mutex_unlock(&m->m); }
#endif
