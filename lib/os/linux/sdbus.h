/*
 * lib/os/linux/sdbus.h: libsystemd for the Linux backend, loaded at run time
 * (sdbus.c). Private to the backend.
 *
 * terminus does not link libsystemd: the process functions need nothing of
 * it, and a system without it (or a fully static program) still terminates
 * processes. The session functions (logind.c) call tm_sdbus_load() first,
 * which dlopen()s "libsystemd.so.0" once per process and resolves the
 * functions below with dlsym(), as systemd's own tools do for their optional
 * libraries. When it cannot, they answer TERMINUS_E_UNSUPPORTED with a
 * message naming libsystemd.so.0 and why (the dlerror() text).
 *
 * The build option -Dlogind (meson_options.txt) sets TM_LINUX_LOGIND: 1
 * builds logind.c and this loader (the sd-bus headers are needed at build
 * time, for the types only); 0 builds nologind.c instead, and needs no
 * systemd header at all.
 */
#ifndef TERMINUS_OS_LINUX_SDBUS_H
#define TERMINUS_OS_LINUX_SDBUS_H

#ifndef TM_LINUX_LOGIND
#define TM_LINUX_LOGIND 1
#endif

/* The file name dlopen() is given (the soname of libsystemd since 209). */
#define TM_SDBUS_LIBRARY "libsystemd.so.0"

/*
 * A hidden environment variable that only tests set: when it is set and not
 * empty, tm_sdbus_load() acts as if libsystemd.so.0 could not be loaded
 * (read once per process, at the first session call). docs/install.md
 * documents it as for tests only.
 */
#define TM_SDBUS_TEST_ENV "TERMINUS_TEST_NO_LIBSYSTEMD"

#if TM_LINUX_LOGIND

#include <systemd/sd-bus.h>
#include <systemd/sd-login.h>

/* Every libsystemd function the backend calls; each becomes a member of
 * tm_sdbus of the same name and type (the type is the header's own, so the
 * compiler checks every call against the real prototype). */
#define TM_SDBUS_FUNCTIONS(X)                                                                      \
    X(sd_bus_open_system)                                                                          \
    X(sd_bus_open_system_remote)                                                                   \
    X(sd_bus_flush_close_unref)                                                                    \
    X(sd_bus_call_method)                                                                          \
    X(sd_bus_call)                                                                                 \
    X(sd_bus_get_property_string)                                                                  \
    X(sd_bus_match_signal_async)                                                                   \
    X(sd_bus_process)                                                                              \
    X(sd_bus_wait)                                                                                 \
    X(sd_bus_slot_unref)                                                                           \
    X(sd_bus_message_new_method_call)                                                              \
    X(sd_bus_message_appendv)                                                                      \
    X(sd_bus_message_enter_container)                                                              \
    X(sd_bus_message_read)                                                                         \
    X(sd_bus_message_unref)                                                                        \
    X(sd_bus_error_free)                                                                           \
    X(sd_pid_get_session)

/* The functions, resolved. Filled once, then never changed. */
typedef struct tm_sdbus {
#define TM_SDBUS_MEMBER(f) __typeof__(f) *f;
    TM_SDBUS_FUNCTIONS(TM_SDBUS_MEMBER)
#undef TM_SDBUS_MEMBER
} tm_sdbus;

#else /* !TM_LINUX_LOGIND */

/* Built without logind: the one sd-bus type that the backend's shared error
 * helper (tm_linux_fail) names; no value of it is ever made. */
typedef struct sd_bus_error {
    const char *name;
    const char *message;
    int _need_free;
} sd_bus_error;

typedef struct tm_sdbus tm_sdbus;

#endif /* TM_LINUX_LOGIND */

/*
 * The loaded functions: TERMINUS_OK with *out set, or TERMINUS_E_UNSUPPORTED
 * with an error record (terminus_os_error) naming libsystemd.so.0 and why it
 * is not there: the dlerror() text, a missing function, a statically linked
 * program, the test variable, or a build without logind. The first call
 * loads (pthread_once: any thread, any number of them); the answer never
 * changes afterwards. Thread-safe.
 */
int tm_sdbus_load(const tm_sdbus **out);

#endif
