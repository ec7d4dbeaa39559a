/**
 * @file terminus/exit.h
 * @brief Exit the calling process, cleanly or fast.
 */
#ifndef TERMINUS_EXIT_H
#define TERMINUS_EXIT_H

#include "terminus/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief A cleanup hook run by a clean terminus_exit().
 * @param arg  the pointer given to terminus_at_exit()
 */
typedef void (*terminus_cleanup_fn)(void *arg);

/**
 * @brief Register a hook that a clean terminus_exit() on this context runs.
 *
 * Hooks run last registered, first run (LIFO), once each, on the thread that
 * calls terminus_exit(). A fast exit runs none of them.
 *
 * @param ctx  the context, or NULL for the default context
 * @param fn   the hook; must not be NULL
 * @param arg  passed to `fn` as it is
 * @retval TERMINUS_OK           registered
 * @retval TERMINUS_E_INVALID    `fn` is NULL
 * @retval TERMINUS_E_NO_MEMORY  out of memory
 */
TERMINUS_API int terminus_at_exit(terminus_ctx *ctx, terminus_cleanup_fn fn, void *arg);

/** @brief terminus_exit() flag: skip the hooks and the DLL detach notifications. */
#define TERMINUS_EXIT_FAST 0x1u

/**
 * @brief Exit the calling process.
 *
 * Clean (flags 0): run the context's hooks (LIFO), then end the process the
 * way the platform ends a process cleanly (`ExitProcess`: DLL detach
 * notifications run; `exit`: atexit handlers run and stdio is flushed).
 * Fast (#TERMINUS_EXIT_FAST): run nothing and end at once
 * (`TerminateProcess` on the process itself, `_exit`).
 *
 * With a native context the call does not return on success. With the fake
 * OS it records the exit and returns #TERMINUS_OK, so that tests go on.
 *
 * @param ctx        the context, or NULL for the default context
 * @param exit_code  the process's exit code (on POSIX only the low 8 bits
 *                   reach the parent)
 * @param flags      0 or #TERMINUS_EXIT_FAST
 * @retval TERMINUS_OK           (fake OS only) the exit was recorded
 * @retval TERMINUS_E_INVALID    unknown bits in `flags`; nothing runs
 * @retval TERMINUS_E_UNSUPPORTED the backend cannot exit a process
 * @retval TERMINUS_E_ACCESS_DENIED the OS refused to end the process (fast exit on Windows)
 * @retval TERMINUS_E_OS           any other OS failure; the process goes on
 */
TERMINUS_API int terminus_exit(terminus_ctx *ctx, uint32_t exit_code, uint32_t flags);

#ifdef __cplusplus
}
#endif

#endif /* TERMINUS_EXIT_H */
