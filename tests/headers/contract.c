/*
 * tests/headers/contract.c: the public contract (every public name, its exact
 * signature, every constant's number), spelled out. Every function is
 * assigned to a pointer of exactly the contract's type and every constant is
 * checked against the contract's number, so that a renamed symbol, a changed
 * signature or a renumbered code fails to compile.
 */
#include <terminus.h>

#define SAME(a, b) _Static_assert((a) == (b), #a " is " #b " in the contract")

SAME(TERMINUS_OK, 0);
SAME(TERMINUS_E_INVALID, -1);
SAME(TERMINUS_E_NOT_FOUND, -2);
SAME(TERMINUS_E_ACCESS_DENIED, -3);
SAME(TERMINUS_E_TIMEOUT, -4);
SAME(TERMINUS_E_REFUSED, -5);
SAME(TERMINUS_E_UNSUPPORTED, -6);
SAME(TERMINUS_E_UNAVAILABLE, -7);
SAME(TERMINUS_E_NO_MEMORY, -8);
SAME(TERMINUS_E_OS, -9);
SAME(TERMINUS_EXIT_FAST, 0x1u);
SAME(TERMINUS_TERMINATE_NO_FORCE, 0x1u);
SAME(TERMINUS_TERMINATE_FORCE, 0x2u);
SAME(TERMINUS_TERMINATE_OPTIONS_VERSION, 1);
SAME(TERMINUS_OUTCOME_NONE, 0);
SAME(TERMINUS_OUTCOME_EXITED, 1);
SAME(TERMINUS_OUTCOME_FORCED, 2);
SAME(TERMINUS_OUTCOME_GONE, 3);
SAME(TERMINUS_REASON_REQUEST, 1);
SAME(TERMINUS_REASON_LOGOFF, 2);
SAME(TERMINUS_LOGOFF_FORCE, 0x1u);
SAME(TERMINUS_LOGOFF_FORCE_IF_HUNG, 0x2u);
SAME(TERMINUS_SESSION_CURRENT, UINT32_MAX);
SAME(TERMINUS_SESSION_ACTIVE, 0);
SAME(TERMINUS_SESSION_CONNECTED, 1);
SAME(TERMINUS_SESSION_DISCONNECTED, 4);
SAME(TERMINUS_SESSION_OTHER, 9);
SAME(TERMINUS_SESSION_LISTEN, 6);
SAME(TERMINUS_SESSION_DOWN, 8);
SAME(TERMINUS_SESSION_INIT, 10);
SAME(TERMINUS_SESSION_WAIT, 0x1u);
SAME(sizeof(terminus_pid), 4);
SAME(sizeof(((terminus_session_info *)0)->name), 64);
SAME(sizeof(((terminus_session_info *)0)->user), 256);

static const terminus_terminate_options defaults = TERMINUS_TERMINATE_OPTIONS_INIT;

int main(void)
{
    /* common */
    int (*ctx_new)(terminus_ctx **, const terminus_os *) = terminus_ctx_new;
    void (*ctx_free)(terminus_ctx *) = terminus_ctx_free;
    const char *(*version)(void) = terminus_version;
    const char *(*strerror_)(int) = terminus_strerror;
    const char *(*error_name)(int) = terminus_error_name;
    const terminus_error *(*error_last)(void) = terminus_error_last;
    /* 1. exit */
    int (*at_exit)(terminus_ctx *, terminus_cleanup_fn, void *) = terminus_at_exit;
    int (*exit_)(terminus_ctx *, uint32_t, uint32_t) = terminus_exit;
    /* 2. terminate */
    int (*opts_init)(terminus_terminate_options *, uint32_t) = terminus_terminate_options_init;
    int (*terminate)(terminus_ctx *, terminus_pid, const terminus_terminate_options *,
                     terminus_result *) = terminus_terminate;
    int (*terminate_many)(terminus_ctx *, const terminus_pid *, size_t,
                          const terminus_terminate_options *, terminus_result *) =
        terminus_terminate_many;
    int (*listen)(terminus_ctx *, const char *, uint32_t, terminus_request_fn, void *,
                  terminus_listener **) = terminus_listen;
    void (*listener_free)(terminus_listener *) = terminus_listener_free;
    /* 3. logoff */
    int (*logoff)(terminus_ctx *, uint32_t) = terminus_logoff;
    /* 4. sessions */
    int (*server_open)(terminus_ctx *, const char *, terminus_server **) = terminus_server_open;
    void (*server_close)(terminus_server *) = terminus_server_close;
    int (*session_list)(terminus_server *, terminus_session_info **, size_t *) =
        terminus_session_list;
    void (*session_list_free)(terminus_session_info *) = terminus_session_list_free;
    int (*session_resolve)(terminus_server *, const char *, uint32_t *) = terminus_session_resolve;
    int (*session_logoff)(terminus_server *, uint32_t, uint32_t, uint32_t) =
        terminus_session_logoff;
    /* the structs' members, by name and type */
    terminus_error e = { 0, (int64_t)0, "" };
    int64_t *os_code = &e.os_code; /* int64_t since 0.2 on every platform */
    typedef char os_code_is_64_bits[sizeof e.os_code == 8 ? 1 : -1];
    terminus_result r = { (int32_t)0, (int32_t)0, (uint32_t)0, (uint64_t)0 };
    terminus_session_info si = { (uint32_t)0, (int32_t)0, "", "" };
    void *all[] = { (void *)&ctx_new,         (void *)&ctx_free,       (void *)&version,
                    (void *)&strerror_,       (void *)&error_name,     (void *)&error_last,
                    (void *)&at_exit,         (void *)&exit_,          (void *)&opts_init,
                    (void *)&terminate,       (void *)&terminate_many, (void *)&listen,
                    (void *)&listener_free,   (void *)&logoff,         (void *)&server_open,
                    (void *)&server_close,    (void *)&session_list,   (void *)&session_list_free,
                    (void *)&session_resolve, (void *)&session_logoff };

    (void)all;
    (void)e;
    (void)os_code;
    (void)sizeof(os_code_is_64_bits);
    (void)r;
    (void)si;
    return defaults.version == 1 && defaults.flags == 0 && defaults.grace_ms == 5000 &&
                   defaults.forced_exit_code == 1 && defaults.message == NULL &&
                   strerror_(TERMINUS_E_ACCESS_DENIED)[0] != '\0' &&
                   TERMINUS_DEFAULT_MESSAGE[0] == 't'
               ? 0
               : 1;
}
