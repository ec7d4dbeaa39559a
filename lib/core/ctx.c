/*
 * lib/core/ctx.c: contexts. A context owns a copy of an OS shim table, so the
 * table cannot change under a running call (unlike SQLite's process-global
 * xSetSystemCall), and the hooks of terminus_at_exit().
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

/* How many bytes of a table each version of the shim has. */
static size_t os_size(uint32_t version)
{
    switch (version) {
    case 1:
        return offsetof(terminus_os, session_wait_gone) +
               sizeof(((terminus_os *)0)->session_wait_gone);
    case 2:
        return offsetof(terminus_os, group_close) + sizeof(((terminus_os *)0)->group_close);
    default:
        return 0;
    }
}

static int ctx_make(terminus_ctx **out, const terminus_os *os)
{
    terminus_ctx *ctx;
    size_t size = os_size(os->version);

    if (size == 0)
        return tm_fail(
            TERMINUS_E_INVALID,
            "terminus_ctx_new: os->version %u is not a shim version this library knows (1 to %d)",
            (unsigned)os->version, TERMINUS_OS_VERSION);
    ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL)
        return tm_fail(TERMINUS_E_NO_MEMORY, "terminus_ctx_new: out of memory");
    /* Members beyond the table's version stay NULL and are never called. */
    memcpy(&ctx->os, os, size);
    tm_mutex_init(&ctx->lock);
    *out = ctx;
    return TERMINUS_OK;
}

int terminus_ctx_new(terminus_ctx **out, const terminus_os *os)
{
    if (out == NULL)
        return tm_fail(TERMINUS_E_INVALID, "terminus_ctx_new: out is NULL");
    *out = NULL;
    return ctx_make(out, os ? os : terminus_os_native());
}

static void hooks_drop(terminus_ctx *ctx)
{
    free(ctx->hooks);
    ctx->hooks = NULL;
    ctx->nhooks = ctx->cap = 0;
}

void terminus_ctx_free(terminus_ctx *ctx)
{
    if (ctx == NULL || ctx->is_default)
        return;
    hooks_drop(ctx);
    tm_mutex_destroy(&ctx->lock);
    free(ctx);
}

static _Atomic(terminus_ctx *) default_ctx;

int tm_ctx_get(terminus_ctx **ctx, const char *fn)
{
    terminus_ctx *made = NULL, *expected = NULL;
    int rc;

    if (*ctx != NULL)
        return TERMINUS_OK;
    *ctx = atomic_load_explicit(&default_ctx, memory_order_acquire);
    if (*ctx != NULL)
        return TERMINUS_OK;
    /* Race to create it: the loser frees its own copy. No lock, no OS call. */
    rc = ctx_make(&made, terminus_os_native());
    if (rc != TERMINUS_OK)
        return tm_fail(rc, "%s: cannot create the default context: %s", fn, terminus_strerror(rc));
    made->is_default = 1;
    if (atomic_compare_exchange_strong_explicit(&default_ctx, &expected, made, memory_order_acq_rel,
                                                memory_order_acquire)) {
        *ctx = made;
    } else {
        made->is_default = 0;
        terminus_ctx_free(made);
        *ctx = expected;
    }
    return TERMINUS_OK;
}
