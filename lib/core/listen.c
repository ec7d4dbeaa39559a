/*
 * lib/core/listen.c: the target's side. The backend hears the request on a
 * thread of its own and calls back here; the core calls the program and, if
 * it agrees (returns 0), exits cleanly with the listener's exit code.
 */
#include <stdlib.h>

#include "core.h"

struct terminus_listener {
    terminus_ctx *ctx;
    terminus_request_fn fn;
    void *arg;
    uint32_t exit_code;
    terminus_os_listener *os_listener;
};

static void on_request(void *arg, int reason)
{
    terminus_listener *l = arg;

    if (reason != TERMINUS_REASON_REQUEST && reason != TERMINUS_REASON_LOGOFF)
        return;
    if (l->fn(l->arg, reason) == 0)
        tm_exit(l->ctx, l->exit_code, 0, "terminus_listen");
}

int terminus_listen(terminus_ctx *ctx, const char *message, uint32_t exit_code,
                    terminus_request_fn fn, void *arg, terminus_listener **out)
{
    static const char fname[] = "terminus_listen";
    terminus_listener *l;
    unsigned mark;
    int rc;

    if (out != NULL)
        *out = NULL;
    rc = tm_ctx_get(&ctx, fname);
    if (rc != TERMINUS_OK)
        return rc;
    if (out == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: out is NULL", fname);
    if (fn == NULL)
        return tm_fail(TERMINUS_E_INVALID, "%s: fn is NULL", fname);
    if (message == NULL)
        message = TERMINUS_DEFAULT_MESSAGE;
    rc = tm_check_string(fname, "message", message, 255, 1);
    if (rc != TERMINUS_OK)
        return rc;
    if (!TM_HAS(&ctx->os, listen_start) || !TM_HAS(&ctx->os, listen_stop))
        return tm_unsupported(&ctx->os, fname, "listen_start and listen_stop");
    l = calloc(1, sizeof *l);
    if (l == NULL)
        return tm_fail(TERMINUS_E_NO_MEMORY, "%s: out of memory", fname);
    l->ctx = ctx;
    l->fn = fn;
    l->arg = arg;
    l->exit_code = exit_code;
    mark = tm_error_mark();
    rc = ctx->os.listen_start(ctx->os.data, message, on_request, l, &l->os_listener);
    if (rc != TERMINUS_OK) {
        free(l);
        return tm_os_failed(mark, rc, &ctx->os, "listen_start");
    }
    *out = l;
    return TERMINUS_OK;
}

void terminus_listener_free(terminus_listener *listener)
{
    if (listener == NULL)
        return;
    listener->ctx->os.listen_stop(listener->ctx->os.data, listener->os_listener);
    free(listener);
}
