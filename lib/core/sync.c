/* lib/core/sync.c: a mutex over SRWLOCK (Windows) or pthreads (elsewhere). */
#include "sync.h"

#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

_Static_assert(sizeof(SRWLOCK) == sizeof(void *), "SRWLOCK is one pointer");

void tm_mutex_init(tm_mutex *m)
{
    InitializeSRWLock((PSRWLOCK)&m->srw);
}
void tm_mutex_destroy(tm_mutex *m)
{
    (void)m;
}
void tm_mutex_lock(tm_mutex *m)
{
    AcquireSRWLockExclusive((PSRWLOCK)&m->srw);
}
void tm_mutex_unlock(tm_mutex *m)
{
    ReleaseSRWLockExclusive((PSRWLOCK)&m->srw);
}

_Static_assert(sizeof(CONDITION_VARIABLE) == sizeof(void *), "CONDITION_VARIABLE is one pointer");

void tm_cond_init(tm_cond *c)
{
    InitializeConditionVariable((PCONDITION_VARIABLE)&c->cv);
}
void tm_cond_destroy(tm_cond *c)
{
    (void)c;
}
void tm_cond_wait(tm_cond *c, tm_mutex *m)
{
    SleepConditionVariableSRW((PCONDITION_VARIABLE)&c->cv, (PSRWLOCK)&m->srw, INFINITE, 0);
}
void tm_cond_broadcast(tm_cond *c)
{
    WakeAllConditionVariable((PCONDITION_VARIABLE)&c->cv);
}
#else
void tm_mutex_init(tm_mutex *m)
{
    pthread_mutex_init(&m->m, NULL);
}
void tm_mutex_destroy(tm_mutex *m)
{
    pthread_mutex_destroy(&m->m);
}
void tm_mutex_lock(tm_mutex *m)
{
    pthread_mutex_lock(&m->m);
}
void tm_mutex_unlock(tm_mutex *m)
{
    pthread_mutex_unlock(&m->m);
}
void tm_cond_init(tm_cond *c)
{
    pthread_cond_init(&c->c, NULL);
}
void tm_cond_destroy(tm_cond *c)
{
    pthread_cond_destroy(&c->c);
}
void tm_cond_wait(tm_cond *c, tm_mutex *m)
{
    pthread_cond_wait(&c->c, &m->m);
}
void tm_cond_broadcast(tm_cond *c)
{
    pthread_cond_broadcast(&c->c);
}
#endif
