/*
 * tests/common/documented_codes.h: the return codes the headers promise, in
 * one place for the tests:
 *
 *   tm_documented_api   each public function of the headers directly in
 *                       include/terminus/ that returns a code: the codes of
 *                       its @retval lines, and those its @return text names
 *                       (which may be the codes of another function);
 *   tm_documented_shim  each member of the OS shim (include/terminus/sys/os.h)
 *                       that returns a code: OK and the codes of its @return
 *                       line.
 *
 * tests/headers/check-documented.py (suite 'headers') reads the headers and
 * this file and fails when a row and its header disagree, so a change of the
 * documentation has to be followed here; tests/unit/test_fault_sweep.c checks
 * that every code a swept operation returns is in its row. Write each row
 * with the full TERMINUS_* names (the script reads them).
 */
#ifndef TERMINUS_TEST_DOCUMENTED_CODES_H
#define TERMINUS_TEST_DOCUMENTED_CODES_H

#include <string.h>

#include <terminus.h>

/* The bit of a code (0, -1, ... TERMINUS_E_LAST) in a row's mask. */
#define TM_CODE(code) (1u << (unsigned)-(code))

typedef struct tm_documented {
    const char *name;
    unsigned codes; /* TM_CODE(...) | ... */
} tm_documented;

static const tm_documented tm_documented_api[] = {
    /* include/terminus/common.h */
    { "terminus_ctx_new",
      TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_INVALID) | TM_CODE(TERMINUS_E_NO_MEMORY) },
    /* include/terminus/exit.h */
    { "terminus_at_exit",
      TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_INVALID) | TM_CODE(TERMINUS_E_NO_MEMORY) },
    { "terminus_exit", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_INVALID) |
                           TM_CODE(TERMINUS_E_UNSUPPORTED) | TM_CODE(TERMINUS_E_ACCESS_DENIED) |
                           TM_CODE(TERMINUS_E_OS) },
    /* include/terminus/terminate.h */
    { "terminus_terminate_options_init", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_INVALID) },
    { "terminus_terminate", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_INVALID) |
                                TM_CODE(TERMINUS_E_REFUSED) | TM_CODE(TERMINUS_E_NOT_FOUND) |
                                TM_CODE(TERMINUS_E_ACCESS_DENIED) | TM_CODE(TERMINUS_E_TIMEOUT) |
                                TM_CODE(TERMINUS_E_UNSUPPORTED) | TM_CODE(TERMINUS_E_NO_MEMORY) |
                                TM_CODE(TERMINUS_E_OS) | TM_CODE(TERMINUS_E_UNREACHABLE) },
    /* @return: OK, E_INVALID, and the codes of terminus_terminate() */
    { "terminus_terminate_many", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_INVALID) |
                                     TM_CODE(TERMINUS_E_REFUSED) | TM_CODE(TERMINUS_E_NOT_FOUND) |
                                     TM_CODE(TERMINUS_E_ACCESS_DENIED) |
                                     TM_CODE(TERMINUS_E_TIMEOUT) | TM_CODE(TERMINUS_E_UNSUPPORTED) |
                                     TM_CODE(TERMINUS_E_NO_MEMORY) | TM_CODE(TERMINUS_E_OS) |
                                     TM_CODE(TERMINUS_E_UNREACHABLE) },
    { "terminus_listen", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_INVALID) |
                             TM_CODE(TERMINUS_E_REFUSED) | TM_CODE(TERMINUS_E_UNSUPPORTED) |
                             TM_CODE(TERMINUS_E_NO_MEMORY) | TM_CODE(TERMINUS_E_OS) },
    /* include/terminus/process.h */
    { "terminus_process_list", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_INVALID) |
                                   TM_CODE(TERMINUS_E_ACCESS_DENIED) |
                                   TM_CODE(TERMINUS_E_UNSUPPORTED) | TM_CODE(TERMINUS_E_NO_MEMORY) |
                                   TM_CODE(TERMINUS_E_OS) },
    { "terminus_process_token", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_INVALID) |
                                    TM_CODE(TERMINUS_E_NOT_FOUND) |
                                    TM_CODE(TERMINUS_E_ACCESS_DENIED) |
                                    TM_CODE(TERMINUS_E_REFUSED) | TM_CODE(TERMINUS_E_UNSUPPORTED) |
                                    TM_CODE(TERMINUS_E_NO_MEMORY) | TM_CODE(TERMINUS_E_OS) },
    /* @return: the codes of terminus_terminate(), E_INVALID, E_NOT_FOUND */
    { "terminus_terminate_token",
      TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_INVALID) | TM_CODE(TERMINUS_E_REFUSED) |
          TM_CODE(TERMINUS_E_NOT_FOUND) | TM_CODE(TERMINUS_E_ACCESS_DENIED) |
          TM_CODE(TERMINUS_E_TIMEOUT) | TM_CODE(TERMINUS_E_UNSUPPORTED) |
          TM_CODE(TERMINUS_E_NO_MEMORY) | TM_CODE(TERMINUS_E_OS) |
          TM_CODE(TERMINUS_E_UNREACHABLE) },
    /* @return: the codes of terminus_terminate_many(), E_NOT_FOUND */
    { "terminus_terminate_name", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_INVALID) |
                                     TM_CODE(TERMINUS_E_REFUSED) | TM_CODE(TERMINUS_E_NOT_FOUND) |
                                     TM_CODE(TERMINUS_E_ACCESS_DENIED) |
                                     TM_CODE(TERMINUS_E_TIMEOUT) | TM_CODE(TERMINUS_E_UNSUPPORTED) |
                                     TM_CODE(TERMINUS_E_NO_MEMORY) | TM_CODE(TERMINUS_E_OS) |
                                     TM_CODE(TERMINUS_E_UNREACHABLE) },
    /* include/terminus/logoff.h */
    { "terminus_logoff", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_INVALID) |
                             TM_CODE(TERMINUS_E_NOT_FOUND) | TM_CODE(TERMINUS_E_ACCESS_DENIED) |
                             TM_CODE(TERMINUS_E_REFUSED) | TM_CODE(TERMINUS_E_UNAVAILABLE) |
                             TM_CODE(TERMINUS_E_UNSUPPORTED) | TM_CODE(TERMINUS_E_OS) },
    /* include/terminus/session.h */
    { "terminus_server_open", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_INVALID) |
                                  TM_CODE(TERMINUS_E_NOT_FOUND) | TM_CODE(TERMINUS_E_UNAVAILABLE) |
                                  TM_CODE(TERMINUS_E_ACCESS_DENIED) |
                                  TM_CODE(TERMINUS_E_UNSUPPORTED) | TM_CODE(TERMINUS_E_NO_MEMORY) |
                                  TM_CODE(TERMINUS_E_OS) },
    { "terminus_session_list",
      TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_INVALID) | TM_CODE(TERMINUS_E_UNAVAILABLE) |
          TM_CODE(TERMINUS_E_ACCESS_DENIED) | TM_CODE(TERMINUS_E_UNSUPPORTED) |
          TM_CODE(TERMINUS_E_NO_MEMORY) | TM_CODE(TERMINUS_E_OS) },
    /* @retval OK, E_INVALID, E_NOT_FOUND; @return: or a code of terminus_session_list() */
    { "terminus_session_resolve",
      TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_INVALID) | TM_CODE(TERMINUS_E_NOT_FOUND) |
          TM_CODE(TERMINUS_E_UNAVAILABLE) | TM_CODE(TERMINUS_E_ACCESS_DENIED) |
          TM_CODE(TERMINUS_E_UNSUPPORTED) | TM_CODE(TERMINUS_E_NO_MEMORY) |
          TM_CODE(TERMINUS_E_OS) },
    { "terminus_session_logoff", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_INVALID) |
                                     TM_CODE(TERMINUS_E_REFUSED) | TM_CODE(TERMINUS_E_NOT_FOUND) |
                                     TM_CODE(TERMINUS_E_ACCESS_DENIED) |
                                     TM_CODE(TERMINUS_E_TIMEOUT) | TM_CODE(TERMINUS_E_UNAVAILABLE) |
                                     TM_CODE(TERMINUS_E_UNSUPPORTED) |
                                     TM_CODE(TERMINUS_E_NO_MEMORY) | TM_CODE(TERMINUS_E_OS) },
    { "terminus_session_details_list",
      TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_INVALID) | TM_CODE(TERMINUS_E_UNAVAILABLE) |
          TM_CODE(TERMINUS_E_ACCESS_DENIED) | TM_CODE(TERMINUS_E_UNSUPPORTED) |
          TM_CODE(TERMINUS_E_NO_MEMORY) | TM_CODE(TERMINUS_E_OS) },
    { "terminus_duration_parse", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_INVALID) },
    { "terminus_idle_format", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_INVALID) },
    { "terminus_session_message",
      TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_INVALID) | TM_CODE(TERMINUS_E_NOT_FOUND) |
          TM_CODE(TERMINUS_E_ACCESS_DENIED) | TM_CODE(TERMINUS_E_UNSUPPORTED) |
          TM_CODE(TERMINUS_E_UNAVAILABLE) | TM_CODE(TERMINUS_E_NO_MEMORY) |
          TM_CODE(TERMINUS_E_OS) },
    /* @retval OK, E_INVALID, E_NOT_FOUND, E_UNSUPPORTED; @return: or a code of
     * terminus_session_logoff() or of terminus_session_list() */
    { "terminus_session_logoff_matching",
      TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_INVALID) | TM_CODE(TERMINUS_E_REFUSED) |
          TM_CODE(TERMINUS_E_NOT_FOUND) | TM_CODE(TERMINUS_E_ACCESS_DENIED) |
          TM_CODE(TERMINUS_E_TIMEOUT) | TM_CODE(TERMINUS_E_UNAVAILABLE) |
          TM_CODE(TERMINUS_E_UNSUPPORTED) | TM_CODE(TERMINUS_E_NO_MEMORY) |
          TM_CODE(TERMINUS_E_OS) },
    { "terminus_session_blockers",
      TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_INVALID) | TM_CODE(TERMINUS_E_NOT_FOUND) |
          TM_CODE(TERMINUS_E_UNSUPPORTED) | TM_CODE(TERMINUS_E_UNAVAILABLE) |
          TM_CODE(TERMINUS_E_ACCESS_DENIED) | TM_CODE(TERMINUS_E_NO_MEMORY) |
          TM_CODE(TERMINUS_E_OS) },
};

static const tm_documented tm_documented_shim[] = {
    { "process_open", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_NOT_FOUND) |
                          TM_CODE(TERMINUS_E_ACCESS_DENIED) | TM_CODE(TERMINUS_E_REFUSED) |
                          TM_CODE(TERMINUS_E_NO_MEMORY) | TM_CODE(TERMINUS_E_OS) },
    { "process_status",
      TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_ACCESS_DENIED) | TM_CODE(TERMINUS_E_OS) },
    { "process_request", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_NOT_FOUND) |
                             TM_CODE(TERMINUS_E_ACCESS_DENIED) | TM_CODE(TERMINUS_E_OS) },
    { "process_kill", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_NOT_FOUND) |
                          TM_CODE(TERMINUS_E_ACCESS_DENIED) | TM_CODE(TERMINUS_E_OS) },
    { "wait_open", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_NO_MEMORY) | TM_CODE(TERMINUS_E_OS) },
    { "wait_any", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_TIMEOUT) | TM_CODE(TERMINUS_E_OS) },
    /* os.h documents no failure of exit_process (a native one does not return) */
    { "exit_process", TM_CODE(TERMINUS_OK) },
    { "listen_start", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_REFUSED) |
                          TM_CODE(TERMINUS_E_NO_MEMORY) | TM_CODE(TERMINUS_E_OS) },
    { "logoff", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_NOT_FOUND) |
                    TM_CODE(TERMINUS_E_ACCESS_DENIED) | TM_CODE(TERMINUS_E_REFUSED) |
                    TM_CODE(TERMINUS_E_UNAVAILABLE) | TM_CODE(TERMINUS_E_OS) },
    { "server_open", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_NOT_FOUND) |
                         TM_CODE(TERMINUS_E_UNAVAILABLE) | TM_CODE(TERMINUS_E_ACCESS_DENIED) |
                         TM_CODE(TERMINUS_E_UNSUPPORTED) | TM_CODE(TERMINUS_E_NO_MEMORY) |
                         TM_CODE(TERMINUS_E_OS) | TM_CODE(TERMINUS_E_INVALID) },
    /* and the code of its callback */
    { "session_list", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_UNAVAILABLE) |
                          TM_CODE(TERMINUS_E_ACCESS_DENIED) | TM_CODE(TERMINUS_E_OS) },
    { "session_current", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_NOT_FOUND) |
                             TM_CODE(TERMINUS_E_UNAVAILABLE) | TM_CODE(TERMINUS_E_OS) },
    { "session_logoff", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_NOT_FOUND) |
                            TM_CODE(TERMINUS_E_ACCESS_DENIED) | TM_CODE(TERMINUS_E_REFUSED) |
                            TM_CODE(TERMINUS_E_UNAVAILABLE) | TM_CODE(TERMINUS_E_UNSUPPORTED) |
                            TM_CODE(TERMINUS_E_OS) | TM_CODE(TERMINUS_E_INVALID) },
    { "session_wait_gone", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_TIMEOUT) |
                               TM_CODE(TERMINUS_E_UNAVAILABLE) | TM_CODE(TERMINUS_E_OS) |
                               TM_CODE(TERMINUS_E_INVALID) },
    { "process_reach",
      TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_NO_MEMORY) | TM_CODE(TERMINUS_E_OS) },
    { "process_step", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_NOT_FOUND) |
                          TM_CODE(TERMINUS_E_UNREACHABLE) | TM_CODE(TERMINUS_E_ACCESS_DENIED) |
                          TM_CODE(TERMINUS_E_UNSUPPORTED) | TM_CODE(TERMINUS_E_OS) },
    /* and the code of its callback */
    { "session_details", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_UNAVAILABLE) |
                             TM_CODE(TERMINUS_E_ACCESS_DENIED) | TM_CODE(TERMINUS_E_UNSUPPORTED) |
                             TM_CODE(TERMINUS_E_NO_MEMORY) | TM_CODE(TERMINUS_E_OS) },
    { "session_message", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_NOT_FOUND) |
                             TM_CODE(TERMINUS_E_ACCESS_DENIED) | TM_CODE(TERMINUS_E_UNSUPPORTED) |
                             TM_CODE(TERMINUS_E_UNAVAILABLE) | TM_CODE(TERMINUS_E_NO_MEMORY) |
                             TM_CODE(TERMINUS_E_OS) | TM_CODE(TERMINUS_E_INVALID) },
    /* and the code of its callback */
    { "session_blockers", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_NOT_FOUND) |
                              TM_CODE(TERMINUS_E_UNSUPPORTED) | TM_CODE(TERMINUS_E_UNAVAILABLE) |
                              TM_CODE(TERMINUS_E_ACCESS_DENIED) | TM_CODE(TERMINUS_E_NO_MEMORY) |
                              TM_CODE(TERMINUS_E_OS) },
    { "group_open", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_NOT_FOUND) |
                        TM_CODE(TERMINUS_E_REFUSED) | TM_CODE(TERMINUS_E_INVALID) |
                        TM_CODE(TERMINUS_E_UNSUPPORTED) | TM_CODE(TERMINUS_E_ACCESS_DENIED) |
                        TM_CODE(TERMINUS_E_NO_MEMORY) | TM_CODE(TERMINUS_E_OS) },
    { "group_list", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_ACCESS_DENIED) |
                        TM_CODE(TERMINUS_E_NO_MEMORY) | TM_CODE(TERMINUS_E_OS) },
    { "group_kill",
      TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_ACCESS_DENIED) | TM_CODE(TERMINUS_E_OS) },
    { "group_empty",
      TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_ACCESS_DENIED) | TM_CODE(TERMINUS_E_OS) },
    { "process_list", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_ACCESS_DENIED) |
                          TM_CODE(TERMINUS_E_NO_MEMORY) | TM_CODE(TERMINUS_E_OS) },
    { "process_identity", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_NOT_FOUND) |
                              TM_CODE(TERMINUS_E_ACCESS_DENIED) | TM_CODE(TERMINUS_E_OS) },
    { "boot_id", TM_CODE(TERMINUS_OK) | TM_CODE(TERMINUS_E_OS) },
};

/* The row named `name` of `table` (n rows), or NULL. */
static inline const tm_documented *tm_documented_find(const tm_documented *table, size_t n,
                                                      const char *name)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    }
    return NULL;
}

/* Whether `code` is in the row (a number that is no code never is). */
static inline int tm_documented_has(const tm_documented *row, int code)
{
    return code <= 0 && code >= TERMINUS_E_LAST && (row->codes & TM_CODE(code)) != 0;
}

#endif /* TERMINUS_TEST_DOCUMENTED_CODES_H */
