/* lib/core/logoff.c: log off the current user. */
#include "core.h"

int terminus_logoff(terminus_ctx *ctx, uint32_t flags)
{
    const uint32_t known = TERMINUS_LOGOFF_FORCE | TERMINUS_LOGOFF_FORCE_IF_HUNG;
    unsigned mark;
    int rc = tm_ctx_get(&ctx, "terminus_logoff");

    if (rc != TERMINUS_OK)
        return rc;
    if (flags & ~known)
        return tm_fail(TERMINUS_E_INVALID, "terminus_logoff: flags has unknown bits 0x%x",
                       (unsigned)(flags & ~known));
    if ((flags & known) == known)
        return tm_fail(TERMINUS_E_INVALID,
                       "terminus_logoff: flags has both FORCE and FORCE_IF_HUNG (choose one)");
    if (!TM_HAS(&ctx->os, logoff))
        return tm_unsupported(&ctx->os, "terminus_logoff", "logoff");
    mark = tm_error_mark();
    rc = ctx->os.logoff(ctx->os.data, flags);
    if (rc != TERMINUS_OK)
        return tm_os_failed(mark, rc, &ctx->os, "logoff");
    return TERMINUS_OK;
}
