/* tests/subproject/main.c: a consumer of terminus as a meson subproject. */
#include <terminus.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
    terminus_fake *fake = NULL;
    terminus_ctx *ctx = NULL;
    terminus_result r;
    int rc;

    if (strcmp(terminus_version(), TERMINUS_VERSION_STRING) != 0) {
        printf("version mismatch: %s vs %s\n", terminus_version(), TERMINUS_VERSION_STRING);
        return 1;
    }
    if (terminus_fake_new(&fake) != TERMINUS_OK ||
        terminus_fake_process_add(fake, 42, TERMINUS_FAKE_IGNORES, 0, 0) != TERMINUS_OK ||
        terminus_ctx_new(&ctx, terminus_fake_os(fake)) != TERMINUS_OK) {
        printf("setup failed: %s\n", terminus_error_last()->message);
        return 1;
    }
    rc = terminus_terminate(ctx, 42, NULL, &r);
    printf("terminate 42: %s, outcome %d\n", terminus_error_name(rc), (int)r.outcome);
    terminus_ctx_free(ctx);
    terminus_fake_free(fake);
    return rc == TERMINUS_OK && r.outcome == TERMINUS_OUTCOME_FORCED ? 0 : 1;
}
