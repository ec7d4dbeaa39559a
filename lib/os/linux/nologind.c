/*
 * lib/os/linux/nologind.c: logoff, servers and sessions of a Linux backend
 * built without logind (meson -Dlogind=disabled), in place of logind.c: every
 * session function answers TERMINUS_E_UNSUPPORTED with the record that
 * tm_sdbus_load() writes ("built without logind"). The process functions are
 * the same as in any other build. No systemd header is needed.
 */
#include <stddef.h>

#include "terminus/sys/os.h"
#include "linux.h"

int tm_linux_logoff(void *data, uint32_t flags)
{
    const tm_sdbus *sd;
    (void)data;
    (void)flags;
    return tm_sdbus_load(&sd);
}

int tm_linux_server_open(void *data, const char *name, terminus_os_server **out)
{
    const tm_sdbus *sd;
    (void)data;
    (void)name;
    *out = NULL;
    return tm_sdbus_load(&sd);
}

/* Never called: no server is ever opened. */
void tm_linux_server_close(void *data, terminus_os_server *s)
{
    (void)data;
    (void)s;
}

int tm_linux_session_list(void *data, terminus_os_server *s, terminus_os_session_fn fn, void *arg)
{
    const tm_sdbus *sd;
    (void)data;
    (void)s;
    (void)fn;
    (void)arg;
    return tm_sdbus_load(&sd);
}

int tm_linux_session_current(void *data, terminus_os_server *s, uint32_t *id)
{
    const tm_sdbus *sd;
    (void)data;
    (void)s;
    (void)id;
    return tm_sdbus_load(&sd);
}

int tm_linux_session_logoff(void *data, terminus_os_server *s, uint32_t id)
{
    const tm_sdbus *sd;
    (void)data;
    (void)s;
    (void)id;
    return tm_sdbus_load(&sd);
}

int tm_linux_session_wait_gone(void *data, terminus_os_server *s, uint32_t id, uint32_t timeout_ms)
{
    const tm_sdbus *sd;
    (void)data;
    (void)s;
    (void)id;
    (void)timeout_ms;
    return tm_sdbus_load(&sd);
}
