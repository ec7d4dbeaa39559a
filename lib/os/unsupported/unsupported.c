/*
 * lib/os/unsupported/unsupported.c: the native table of a platform terminus
 * has no backend for. Only the clock-free basics are filled: every operation
 * fails with TERMINUS_E_UNSUPPORTED (the core says which primitive is
 * missing), while argument checks still give their own codes.
 */
#include "terminus/sys/os.h"

static const terminus_os unsupported_os = {
    TERMINUS_OS_VERSION,
    "unsupported",
    NULL,
    0,
    NULL,
    NULL, /* clock_us, self_pid */
    NULL,
    NULL,
    NULL,
    NULL,
    NULL, /* process_* */
    NULL,
    NULL,
    NULL, /* wait_* */
    NULL, /* exit_process */
    NULL,
    NULL, /* listen_* */
    NULL, /* logoff */
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL, /* server and sessions */
};

const terminus_os *terminus_os_native(void)
{
    return &unsupported_os;
}
