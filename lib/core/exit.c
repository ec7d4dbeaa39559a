/*
 * lib/core/exit.c: exit the calling process. A clean exit runs the context's
 * hooks, last registered first, then asks the OS for its clean exit; a fast
 * exit runs nothing.
 */
#include <stdlib.h>

#include "core.h"

int terminus_at_exit(terminus_ctx *ctx, terminus_cleanup_fn fn, void *arg)
{
    int rc = tm_ctx_get(&ctx, "terminus_at_exit");

    if (rc != TERMINUS_OK)
        return rc;
    if (fn == NULL)
        return tm_fail(TERMINUS_E_INVALID, "terminus_at_exit: fn is NULL");
    tm_mutex_lock(&ctx->lock);
    if (ctx->nhooks == ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap * 2 : 8;
        tm_hook *hooks = realloc(ctx->hooks, cap * sizeof *hooks);
        if (hooks == NULL) {
            tm_mutex_unlock(&ctx->lock);
            return tm_fail(TERMINUS_E_NO_MEMORY, "terminus_at_exit: out of memory");
        }
        ctx->hooks = hooks;
        ctx->cap = cap;
    }
    ctx->hooks[ctx->nhooks].fn = fn;
    ctx->hooks[ctx->nhooks].arg = arg;
    ctx->nhooks++;
    tm_mutex_unlock(&ctx->lock);
    return TERMINUS_OK;
}

/* Run the hooks LIFO, each once. A hook may register another: it runs too. */
static void run_hooks(terminus_ctx *ctx)
{
    for (;;) {
        tm_hook h;

        tm_mutex_lock(&ctx->lock);
        if (ctx->nhooks == 0) {
            tm_mutex_unlock(&ctx->lock);
            return;
        }
        h = ctx->hooks[--ctx->nhooks];
        tm_mutex_unlock(&ctx->lock);
        h.fn(h.arg); /* without the lock: a hook may call terminus */
    }
}

int tm_exit(terminus_ctx *ctx, uint32_t exit_code, uint32_t flags, const char *fn)
{
    int rc = tm_ctx_get(&ctx, fn);
    unsigned mark;

    if (rc != TERMINUS_OK)
        return rc;
    if (flags & ~TERMINUS_EXIT_FAST)
        return tm_fail(TERMINUS_E_INVALID, "%s: flags has unknown bits 0x%x", fn,
                       (unsigned)(flags & ~TERMINUS_EXIT_FAST));
    if (!TM_HAS(&ctx->os, exit_process))
        return tm_unsupported(&ctx->os, fn, "exit_process");
    if (!(flags & TERMINUS_EXIT_FAST))
        run_hooks(ctx);
    mark = tm_error_mark();
    rc = ctx->os.exit_process(ctx->os.data, exit_code, (flags & TERMINUS_EXIT_FAST) != 0);
    if (rc != TERMINUS_OK)
        return tm_os_failed(mark, rc, &ctx->os, "exit_process");
    return TERMINUS_OK;
}

int terminus_exit(terminus_ctx *ctx, uint32_t exit_code, uint32_t flags)
{
    return tm_exit(ctx, exit_code, flags, "terminus_exit");
}
