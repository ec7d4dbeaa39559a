/*
 * tests/ffi/layout.c: the layout of the public structs the bindings mirror,
 * as this compiler lays them out, for the Python and C# binding tests to
 * compare with ctypes and Marshal (tests/ffi/meson.build passes its path in
 * TERMINUS_TEST_LAYOUT). One line each: "STRUCT size N" and
 * "STRUCT.MEMBER offset N".
 */
#include <stddef.h>
#include <stdio.h>

#include <terminus.h>

#define SIZE(t)      printf("%s size %zu\n", #t, sizeof(t))
#define OFFSET(t, m) printf("%s.%s offset %zu\n", #t, #m, offsetof(t, m))

int main(void)
{
    SIZE(terminus_terminate_options);
    OFFSET(terminus_terminate_options, version);
    OFFSET(terminus_terminate_options, flags);
    OFFSET(terminus_terminate_options, grace_ms);
    OFFSET(terminus_terminate_options, forced_exit_code);
    OFFSET(terminus_terminate_options, message);
    OFFSET(terminus_terminate_options, steps);
    OFFSET(terminus_terminate_options, reserved);
    OFFSET(terminus_terminate_options, progress);
    OFFSET(terminus_terminate_options, progress_arg);
    OFFSET(terminus_terminate_options, details);
    OFFSET(terminus_terminate_options, details_count);
    OFFSET(terminus_terminate_options, job);

    SIZE(terminus_result);
    OFFSET(terminus_result, status);
    OFFSET(terminus_result, outcome);
    OFFSET(terminus_result, exit_code);
    OFFSET(terminus_result, elapsed_us);

    SIZE(terminus_progress);
    OFFSET(terminus_progress, index);
    OFFSET(terminus_progress, pid);
    OFFSET(terminus_progress, event);
    OFFSET(terminus_progress, step);
    OFFSET(terminus_progress, status);
    OFFSET(terminus_progress, outcome);
    OFFSET(terminus_progress, at_us);

    SIZE(terminus_detail);
    OFFSET(terminus_detail, ended_by);
    OFFSET(terminus_detail, reach);
    OFFSET(terminus_detail, sent);
    OFFSET(terminus_detail, skipped);
    OFFSET(terminus_detail, step_status);
    OFFSET(terminus_detail, step_at_us);
    OFFSET(terminus_detail, kill_at_us);
    OFFSET(terminus_detail, tree_members);
    OFFSET(terminus_detail, tree_escaped);
    OFFSET(terminus_detail, tree_group);

    SIZE(terminus_process_info);
    OFFSET(terminus_process_info, pid);
    OFFSET(terminus_process_info, ppid);
    OFFSET(terminus_process_info, session);
    OFFSET(terminus_process_info, uid);
    OFFSET(terminus_process_info, start);
    OFFSET(terminus_process_info, name);

    SIZE(terminus_name_filter);
    OFFSET(terminus_name_filter, version);
    OFFSET(terminus_name_filter, session);
    OFFSET(terminus_name_filter, uid);
    OFFSET(terminus_name_filter, reserved);

    SIZE(terminus_session_info);
    SIZE(terminus_error);

    SIZE(terminus_session_details);
    OFFSET(terminus_session_details, id);
    OFFSET(terminus_session_details, state);
    OFFSET(terminus_session_details, name);
    OFFSET(terminus_session_details, user);
    OFFSET(terminus_session_details, type);
    OFFSET(terminus_session_details, session_class);
    OFFSET(terminus_session_details, remote);
    OFFSET(terminus_session_details, idle_hint);
    OFFSET(terminus_session_details, logon_us);
    OFFSET(terminus_session_details, idle_since_us);
    OFFSET(terminus_session_details, disconnect_us);
    OFFSET(terminus_session_details, now_us);
    OFFSET(terminus_session_details, client);
    OFFSET(terminus_session_details, address);
    OFFSET(terminus_session_details, seat);
    OFFSET(terminus_session_details, tty);

    SIZE(terminus_session_filter);
    OFFSET(terminus_session_filter, version);
    OFFSET(terminus_session_filter, flags);
    OFFSET(terminus_session_filter, states);
    OFFSET(terminus_session_filter, id);
    OFFSET(terminus_session_filter, idle_ms);
    OFFSET(terminus_session_filter, user);

    SIZE(terminus_session_logoff_options);
    OFFSET(terminus_session_logoff_options, version);
    OFFSET(terminus_session_logoff_options, flags);
    OFFSET(terminus_session_logoff_options, timeout_ms);
    OFFSET(terminus_session_logoff_options, countdown_ms);
    OFFSET(terminus_session_logoff_options, title);
    OFFSET(terminus_session_logoff_options, message);

    SIZE(terminus_session_outcome);
    OFFSET(terminus_session_outcome, session);
    OFFSET(terminus_session_outcome, status);
    OFFSET(terminus_session_outcome, warn_status);
    OFFSET(terminus_session_outcome, warned);
    OFFSET(terminus_session_outcome, ended_early);
    OFFSET(terminus_session_outcome, message);
    OFFSET(terminus_session_outcome, warn_message);

    SIZE(terminus_blocker);
    OFFSET(terminus_blocker, what);
    OFFSET(terminus_blocker, who);
    OFFSET(terminus_blocker, why);
    OFFSET(terminus_blocker, mode);
    OFFSET(terminus_blocker, uid);
    OFFSET(terminus_blocker, pid);
    printf("TERMINUS_SESSION_DRY_RUN value %u\n", (unsigned)TERMINUS_SESSION_DRY_RUN);
    printf("TERMINUS_SESSION_WARNED_ONLY value %u\n", (unsigned)TERMINUS_SESSION_WARNED_ONLY);
    printf("TERMINUS_FILTER_IDLE value %u\n", (unsigned)TERMINUS_FILTER_IDLE);
    printf("TERMINUS_FILTER_ID value %u\n", (unsigned)TERMINUS_FILTER_ID);
    printf("TERMINUS_SESSION_TYPE_OTHER value %d\n", TERMINUS_SESSION_TYPE_OTHER);
    printf("TERMINUS_SESSION_CLASS_OTHER value %d\n", TERMINUS_SESSION_CLASS_OTHER);
    printf("TERMINUS_FAKE_EPOCH_US value %lld\n", (long long)TERMINUS_FAKE_EPOCH_US);
    printf("TERMINUS_DETAIL_STEPS value %d\n", TERMINUS_DETAIL_STEPS);
    printf("TERMINUS_STEPS_ALL value %u\n", (unsigned)TERMINUS_STEPS_ALL);
    printf("TERMINUS_STEPS_DEFAULT value %u\n", (unsigned)TERMINUS_STEPS_DEFAULT);
    printf("TERMINUS_E_UNREACHABLE value %d\n", TERMINUS_E_UNREACHABLE);
    printf("TERMINUS_E_LAST value %d\n", TERMINUS_E_LAST);
    printf("TERMINUS_ENDED_KILL value %u\n", (unsigned)TERMINUS_ENDED_KILL);
    printf("TERMINUS_ENDED_GONE value %u\n", (unsigned)TERMINUS_ENDED_GONE);
    printf("TERMINUS_TERMINATE_BROADCAST value %u\n", (unsigned)TERMINUS_TERMINATE_BROADCAST);
    printf("TERMINUS_TERMINATE_CTRL_BREAK value %u\n", (unsigned)TERMINUS_TERMINATE_CTRL_BREAK);
    printf("TERMINUS_TERMINATE_TREE value %u\n", (unsigned)TERMINUS_TERMINATE_TREE);
    printf("TERMINUS_TOKEN_MAX value %d\n", TERMINUS_TOKEN_MAX);
    printf("TERMINUS_SESSION_NONE value %u\n", (unsigned)TERMINUS_SESSION_NONE);
    printf("TERMINUS_UID_UNKNOWN value %u\n", (unsigned)TERMINUS_UID_UNKNOWN);
    printf("TERMINUS_NAME_FILTER_VERSION value %d\n", TERMINUS_NAME_FILTER_VERSION);
    printf("TERMINUS_OS_NAMES_NOCASE value %u\n", (unsigned)TERMINUS_OS_NAMES_NOCASE);
    printf("TERMINUS_OS_REPARENTS value %u\n", (unsigned)TERMINUS_OS_REPARENTS);
    return 0;
}
