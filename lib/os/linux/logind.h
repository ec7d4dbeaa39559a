/*
 * lib/os/linux/logind.h: what the two logind files of the Linux backend
 * share: logind.c (servers, sessions, logoff) and logind_admin.c (details,
 * messages, blockers). Private to the backend; only built with logind.
 */
#ifndef TERMINUS_LINUX_LOGIND_H
#define TERMINUS_LINUX_LOGIND_H

#include <stdint.h>
#include <sys/types.h>

#include "../../core/sync.h"
#include "linux.h"

#define TM_LOGIN1         "org.freedesktop.login1"
#define TM_LOGIN1_PATH    "/org/freedesktop/login1"
#define TM_LOGIN1_MANAGER "org.freedesktop.login1.Manager"
#define TM_LOGIN1_SESSION "org.freedesktop.login1.Session"

struct terminus_os_server {
    const tm_sdbus *sd; /* libsystemd, loaded (sdbus.h) */
    sd_bus *bus;
    int remote;
    pid_t pid;     /* the process that opened it: sd-bus connections do not survive fork() */
    tm_mutex lock; /* sd-bus objects are not thread-safe */
};

/* One session as ListSessions gives it (tm_linux_list). */
struct tm_linux_entry {
    char *lid, *user, *path;
};

int tm_linux_owned(const terminus_os_server *s);
int tm_linux_call(terminus_os_server *s, const char *method, uint64_t timeout_us,
                  sd_bus_message **reply, const char *what, const char *types, ...);
int32_t tm_linux_state(const char *state);
void tm_linux_entries_free(struct tm_linux_entry *v, size_t n);
int tm_linux_list(terminus_os_server *s, uint64_t timeout_us, struct tm_linux_entry **out,
                  size_t *count);
int tm_linux_find(terminus_os_server *s, uint32_t id, uint64_t timeout_us, char **lid, char **path);

#endif
