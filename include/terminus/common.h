/**
 * @file terminus/common.h
 * @brief Types, contexts, version and errors shared by every part of terminus.
 *
 * Every function of terminus returns an `int`: #TERMINUS_OK (0) on success or
 * one of the negative `TERMINUS_E_*` codes. The numbers are the same on every
 * platform and never change; new codes are only appended. After a failure,
 * terminus_error_last() gives a record of it for the calling thread.
 */
#ifndef TERMINUS_COMMON_H
#define TERMINUS_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "terminus/version.h"

#if defined(TERMINUS_BUILDING) && defined(TERMINUS_STATIC)
#error "define at most one of TERMINUS_BUILDING and TERMINUS_STATIC"
#endif

/**
 * @def TERMINUS_API
 * @brief Marks a public function of terminus.
 *
 * Nothing for the static library and its users (`TERMINUS_STATIC`), on every
 * platform. Otherwise, on Windows, `__declspec(dllexport)` while the DLL is
 * built (`TERMINUS_BUILDING`) and `__declspec(dllimport)` for its users;
 * elsewhere default visibility, as the library is built with hidden
 * visibility.
 */
#if defined(TERMINUS_STATIC)
#define TERMINUS_API
#elif defined(_WIN32) || defined(__CYGWIN__)
#if defined(TERMINUS_BUILDING)
#define TERMINUS_API __declspec(dllexport)
#else
#define TERMINUS_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define TERMINUS_API __attribute__((visibility("default")))
#else
#define TERMINUS_API
#endif

/**
 * @def TERMINUS_PRINTF
 * @brief Marks a printf-style function: `fmt` is argument `f`, its values start at `a`.
 *
 * Lets GCC and clang check the format strings given to terminus_os_error()
 * (and the library's own formatting helpers); nothing on other compilers.
 */
#if defined(__GNUC__) && defined(__MINGW32__)
#define TERMINUS_PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#elif defined(__GNUC__)
#define TERMINUS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define TERMINUS_PRINTF(f, a)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** @brief A process id (a Windows PID or a POSIX `pid_t`). */
typedef uint32_t terminus_pid;

/**
 * @brief A context: the OS shim that every operation goes through.
 *
 * Create one with terminus_ctx_new(), or pass NULL to any function that takes
 * a context to use the default native context, which is created once, safely,
 * on first use and lives as long as the process. A context may be shared
 * between threads.
 */
typedef struct terminus_ctx terminus_ctx;

/**
 * @brief The OS shim: a versioned table of OS primitives.
 *
 * Defined in terminus/sys/os.h; most programs never touch it.
 */
typedef struct terminus_os terminus_os;

/**
 * @name Error codes
 * Fixed numbers, identical on every platform; new codes are only appended.
 * @{
 */
/* clang-format off */
#define TERMINUS_OK 0                /**< success */
#define TERMINUS_E_INVALID -1        /**< bad argument: NULL, pid 0, unknown flag bits, bad version, bad string */
#define TERMINUS_E_NOT_FOUND -2      /**< no such process, session or server */
#define TERMINUS_E_ACCESS_DENIED -3  /**< the caller lacks the right to do this */
#define TERMINUS_E_TIMEOUT -4        /**< the time allowed ran out */
#define TERMINUS_E_REFUSED -5        /**< vetoed by the target or the system, or a protected target */
#define TERMINUS_E_UNSUPPORTED -6    /**< not available on this platform or backend */
#define TERMINUS_E_UNAVAILABLE -7    /**< server or bus cannot be reached */
#define TERMINUS_E_NO_MEMORY -8      /**< out of memory */
#define TERMINUS_E_OS -9             /**< any other OS failure */
#define TERMINUS_E_UNREACHABLE -10   /**< no graceful request can reach the target (0.2) */
/* clang-format on */
/** @} */

/**
 * @brief The list of every code, written once.
 *
 * `XX(CODE, "message")` for each code, in numeric order from 0 down. It
 * generates terminus_strerror() and terminus_error_name(); bindings and tests
 * may use it to walk every code.
 */
#define TERMINUS_ERROR_MAP(XX)                                                                     \
    XX(TERMINUS_OK, "success")                                                                     \
    XX(TERMINUS_E_INVALID, "invalid argument")                                                     \
    XX(TERMINUS_E_NOT_FOUND, "not found")                                                          \
    XX(TERMINUS_E_ACCESS_DENIED, "access denied")                                                  \
    XX(TERMINUS_E_TIMEOUT, "timed out")                                                            \
    XX(TERMINUS_E_REFUSED, "refused")                                                              \
    XX(TERMINUS_E_UNSUPPORTED, "not supported on this platform")                                   \
    XX(TERMINUS_E_UNAVAILABLE, "server or bus unavailable")                                        \
    XX(TERMINUS_E_NO_MEMORY, "out of memory")                                                      \
    XX(TERMINUS_E_OS, "operating system error")                                                    \
    XX(TERMINUS_E_UNREACHABLE, "no request can reach the target")

/** @brief The lowest (most negative) code this version of terminus knows. */
#define TERMINUS_E_LAST TERMINUS_E_UNREACHABLE

/**
 * @brief The record of the last failure on the calling thread.
 *
 * Returned by terminus_error_last(); owned by terminus and valid until the
 * next terminus call on the same thread.
 */
typedef struct terminus_error {
    int code; /**< the TERMINUS_* code of the last failure on this thread, or TERMINUS_OK */
    int64_t
        os_code; /**< the native error number (GetLastError, errno), or 0; `int64_t` since 0.2 (it was `long`, 32 bits on Windows) */
    const char *message; /**< what failed and why, naming the argument or the OS call; never NULL */
} terminus_error;

/**
 * @brief Create a context over an OS shim.
 *
 * The table is copied into the context, so it cannot change under a running
 * call; its `data` must stay valid as long as the context lives. Members
 * beyond the table's `version` are never called; NULL members make the
 * operations that need them fail with #TERMINUS_E_UNSUPPORTED.
 *
 * @param[out] out  receives the new context; free it with terminus_ctx_free().
 *                  Set to NULL on failure.
 * @param os        the shim to use, or NULL for the native OS of this platform.
 * @retval TERMINUS_OK            the context is in `*out`
 * @retval TERMINUS_E_INVALID     `out` is NULL, or `os` has a version of 0 or
 *                                newer than this library knows
 * @retval TERMINUS_E_NO_MEMORY   out of memory
 */
TERMINUS_API int terminus_ctx_new(terminus_ctx **out, const terminus_os *os);

/**
 * @brief Free a context.
 *
 * Servers and listeners made with the context must be closed first. Hooks
 * registered with terminus_at_exit() are dropped without being run.
 * @param ctx  the context; NULL is ignored. The default context is never freed.
 */
TERMINUS_API void terminus_ctx_free(terminus_ctx *ctx);

/**
 * @brief The version of the library that is running.
 * @return "MAJOR.MINOR.PATCH", a static string.
 */
TERMINUS_API const char *terminus_version(void);

/**
 * @brief A short English description of a code.
 * @param code  a TERMINUS_* code
 * @return a static string such as "access denied"; "unknown error" for a
 *         number that is not a code.
 */
TERMINUS_API const char *terminus_strerror(int code);

/**
 * @brief The name of a code.
 * @param code  a TERMINUS_* code
 * @return a static string such as "TERMINUS_E_ACCESS_DENIED";
 *         "TERMINUS_E_UNKNOWN" for a number that is not a code.
 */
TERMINUS_API const char *terminus_error_name(int code);

/**
 * @brief The record of the last failure on the calling thread.
 *
 * Every terminus function that fails sets it; a function that succeeds leaves
 * it as it was. Each thread has its own.
 * @return never NULL; a record with code #TERMINUS_OK and message "" when no
 *         call on this thread has failed yet.
 */
TERMINUS_API const terminus_error *terminus_error_last(void);

/**
 * @brief Reset the calling thread's error record to #TERMINUS_OK.
 */
TERMINUS_API void terminus_error_clear(void);

#ifdef __cplusplus
}
#endif

#endif /* TERMINUS_COMMON_H */
