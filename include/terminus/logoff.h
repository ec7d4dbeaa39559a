/**
 * @file terminus/logoff.h
 * @brief Log off the current user.
 */
#ifndef TERMINUS_LOGOFF_H
#define TERMINUS_LOGOFF_H

#include "terminus/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @brief terminus_logoff() flag: do not ask applications (they may lose data). */
#define TERMINUS_LOGOFF_FORCE 0x1u
/** @brief terminus_logoff() flag: force only applications that do not answer. */
#define TERMINUS_LOGOFF_FORCE_IF_HUNG 0x2u

/**
 * @brief Log off the user of the calling process's session.
 *
 * Windows: `ExitWindowsEx(EWX_LOGOFF)` with a planned shutdown reason;
 * applications get `WM_QUERYENDSESSION` and `WM_ENDSESSION` (terminus
 * listeners see #TERMINUS_REASON_LOGOFF). Linux: logind `TerminateSession`
 * on the caller's own session. The call starts the logoff and returns; the
 * caller is normally ended by it soon after.
 *
 * Windows: a caller without an interactive logon (a service, an ssh logon, a
 * scheduled task: session 0 or a window station that is not visible) gets
 * #TERMINUS_E_REFUSED, since `ExitWindowsEx` would report success and log
 * nobody off; use terminus_session_logoff() there. `EWX_FORCE`
 * (#TERMINUS_LOGOFF_FORCE) has no effect under terminal services, per
 * `ExitWindowsEx`'s documentation.
 *
 * @param ctx    the context, or NULL for the default context
 * @param flags  0, #TERMINUS_LOGOFF_FORCE or #TERMINUS_LOGOFF_FORCE_IF_HUNG
 *               (the two are exclusive)
 * @retval TERMINUS_OK             the logoff has started
 * @retval TERMINUS_E_INVALID      unknown bits in `flags`, or both FORCE flags
 * @retval TERMINUS_E_NOT_FOUND    the caller is in no session
 * @retval TERMINUS_E_ACCESS_DENIED the caller may not log the session off
 * @retval TERMINUS_E_REFUSED      the system vetoed it; or (Windows) the caller runs in
 *                                 session 0 or on a non-interactive window station, where
 *                                 the logoff would log nobody off
 * @retval TERMINUS_E_UNAVAILABLE  the session manager cannot be reached
 * @retval TERMINUS_E_UNSUPPORTED  the backend cannot log off
 * @retval TERMINUS_E_OS           any other OS failure
 */
TERMINUS_API int terminus_logoff(terminus_ctx *ctx, uint32_t flags);

#ifdef __cplusplus
}
#endif

#endif /* TERMINUS_LOGOFF_H */
