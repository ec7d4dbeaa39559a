/*
 * lib/os/linux/sdbus.c: libsystemd, loaded at run time (lib/os/linux/sdbus.h
 * says why and how the backend uses it).
 *
 * Loaded once per process, under pthread_once, the first time a session
 * function asks: dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL), then one
 * dlsym() per function of TM_SDBUS_FUNCTIONS. The library stays loaded for
 * the life of the process (no dlclose: sd-bus objects may outlive any
 * context). A failure is kept as text and recorded again in the thread of
 * every later caller, since error records are per thread.
 *
 * A statically linked program is never given libsystemd: glibc's dlopen()
 * in a static program loads a second C library beside the program's own,
 * and libsystemd.so.0 crashes in it (glibc 2.36, systemd 252: a segfault
 * inside dlopen); malloc'ed strings would also cross the two heaps. Such a
 * program is told so, with TERMINUS_E_UNSUPPORTED, before dlopen is tried.
 */
#define _GNU_SOURCE 1

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "terminus/sys/os.h"
#include "sdbus.h"

#if TM_LINUX_LOGIND

#include <dlfcn.h>
#include <pthread.h>
#ifdef __GLIBC__
#include <gnu/lib-names.h> /* LIBC_SO */
#endif

/* dlsym() gives a void *; POSIX guarantees that it holds a function pointer. */
typedef char tm_sdbus_fn_fits[sizeof(void *) == sizeof(void (*)(void)) ? 1 : -1];

static pthread_once_t tm_sdbus_once = PTHREAD_ONCE_INIT;
static tm_sdbus tm_sdbus_table;
static int tm_sdbus_loaded;
static char tm_sdbus_why[512];

static void tm_sdbus_fail(const char *fmt, ...) TERMINUS_PRINTF(1, 2);

static void tm_sdbus_fail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(tm_sdbus_why, sizeof tm_sdbus_why, fmt, ap);
    va_end(ap);
}

/* Is this process statically linked? In a dynamic glibc program the C
 * library is already loaded, and RTLD_NOLOAD finds it without loading
 * anything; in a static one it is not there. Other C libraries: assume a
 * dynamic program (musl's static dlopen fails cleanly with its own text). */
static int tm_sdbus_static_program(void)
{
#if defined(__GLIBC__) && defined(LIBC_SO)
    void *libc = dlopen(LIBC_SO, RTLD_LAZY | RTLD_NOLOAD);
    if (libc == NULL)
        return 1;
    dlclose(libc);
#endif
    return 0;
}

/* One function: dlsym() into *member (a function pointer of tm_sdbus_table).
 * Returns 1, or 0 with tm_sdbus_why set. */
static int tm_sdbus_resolve(void *lib, const char *name, void *member)
{
    void *fn;
    const char *e;

    dlerror();
    fn = dlsym(lib, name);
    if (fn == NULL) {
        e = dlerror();
        tm_sdbus_fail("dlsym(%s): %s", name, e != NULL ? e : "not found");
        return 0;
    }
    memcpy(member, &fn, sizeof fn);
    return 1;
}

static void tm_sdbus_load_once(void)
{
    const char *test = getenv(TM_SDBUS_TEST_ENV);
    void *lib;
    const char *e;

    if (test != NULL && test[0] != '\0') {
        tm_sdbus_fail("not loaded because %s is set (a variable for tests only)",
                      TM_SDBUS_TEST_ENV);
        return;
    }
    if (tm_sdbus_static_program()) {
        tm_sdbus_fail("this program is statically linked, and glibc cannot load a shared "
                      "library into it safely (link the program dynamically for sessions)");
        return;
    }
    dlerror();
    lib = dlopen(TM_SDBUS_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        e = dlerror();
        tm_sdbus_fail("dlopen: %s", e != NULL ? e : "unknown error");
        return;
    }
#define TM_SDBUS_RESOLVE(f)                                                                        \
    if (!tm_sdbus_resolve(lib, #f, &tm_sdbus_table.f)) {                                           \
        dlclose(lib);                                                                              \
        return;                                                                                    \
    }
    TM_SDBUS_FUNCTIONS(TM_SDBUS_RESOLVE)
#undef TM_SDBUS_RESOLVE
    tm_sdbus_loaded = 1;
}

int tm_sdbus_load(const tm_sdbus **out)
{
    *out = NULL;
    pthread_once(&tm_sdbus_once, tm_sdbus_load_once);
    if (!tm_sdbus_loaded)
        return terminus_os_error(TERMINUS_E_UNSUPPORTED, 0,
                                 "logind needs %s, which cannot be loaded: %s", TM_SDBUS_LIBRARY,
                                 tm_sdbus_why);
    *out = &tm_sdbus_table;
    return TERMINUS_OK;
}

#else /* !TM_LINUX_LOGIND */

int tm_sdbus_load(const tm_sdbus **out)
{
    *out = NULL;
    return terminus_os_error(TERMINUS_E_UNSUPPORTED, 0,
                             "logind: terminus was built without it (meson -Dlogind=disabled), "
                             "so %s is never loaded",
                             TM_SDBUS_LIBRARY);
}

#endif /* TM_LINUX_LOGIND */
