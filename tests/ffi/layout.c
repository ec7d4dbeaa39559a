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

    SIZE(terminus_session_info);
    SIZE(terminus_error);
    printf("TERMINUS_DETAIL_STEPS value %d\n", TERMINUS_DETAIL_STEPS);
    printf("TERMINUS_STEPS_ALL value %u\n", (unsigned)TERMINUS_STEPS_ALL);
    printf("TERMINUS_STEPS_DEFAULT value %u\n", (unsigned)TERMINUS_STEPS_DEFAULT);
    printf("TERMINUS_E_UNREACHABLE value %d\n", TERMINUS_E_UNREACHABLE);
    printf("TERMINUS_E_LAST value %d\n", TERMINUS_E_LAST);
    printf("TERMINUS_ENDED_KILL value %u\n", (unsigned)TERMINUS_ENDED_KILL);
    printf("TERMINUS_ENDED_GONE value %u\n", (unsigned)TERMINUS_ENDED_GONE);
    printf("TERMINUS_TERMINATE_BROADCAST value %u\n", (unsigned)TERMINUS_TERMINATE_BROADCAST);
    printf("TERMINUS_TERMINATE_CTRL_BREAK value %u\n", (unsigned)TERMINUS_TERMINATE_CTRL_BREAK);
    return 0;
}
